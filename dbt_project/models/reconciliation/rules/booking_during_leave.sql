-- A booking of an active worker that overlaps their approved leave, where the overlap has not
-- entirely passed (it ends today or later).
select distinct
    'booking' as entity_type,
    b.remote_id as entity_id,
    'bamboohr,harvest' as systems,
    cast(null as {{ dbt.type_string() }}) as details
from {{ ref('stg_harvest__forecast_assignments') }} as b
inner join {{ ref('rec_resolved_records') }} as r
    on r.system = 'harvest' and r.source_relation = b.source_relation
    and r.remote_id = {{ remote_id('b.user_id') }}
inner join {{ ref('rec_hcm_workers') }} as h on h.worker_id = r.worker_id
-- The worker's own leave: employee ids are per HCM instance (a second BambooHR reuses them).
inner join {{ ref('stg_bamboohr__time_off_requests') }} as t
    on t.source_relation = h.source_relation and t.employee_id = h.employee_id
where not b.is_deleted and h.is_active and t.is_approved
    and t.start_date <= b.end_date and t.end_date >= b.start_date
    and least(b.end_date, t.end_date) >= {{ business_today() }}
