-- A booking that ends after the booked worker's termination date.
select distinct
    'booking' as entity_type,
    b.remote_id as entity_id,
    'bamboohr,harvest' as systems,
    {{ json_object_text([('end_date', 'b.end_date'), ('termination_date', 'h.termination_date')]) }}
        as details
from {{ ref('stg_harvest__forecast_assignments') }} as b
inner join {{ ref('rec_resolved_records') }} as r
    on r.system = 'harvest' and r.source_relation = b.source_relation
    and r.remote_id = {{ remote_id('b.user_id') }}
inner join {{ ref('rec_hcm_workers') }} as h on h.worker_id = r.worker_id
where not b.is_deleted and not h.is_active and h.termination_date is not null
    and b.end_date > h.termination_date
