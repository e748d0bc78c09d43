-- Time logged on a project after the ERP closed it, or by a worker after their termination.
select distinct
    'time_entry' as entity_type,
    t.remote_id as entity_id,
    'netsuite,harvest' as systems,
    {{ json_object_text([('spent_date', 't.spent_date'), ('project_end_date', 'j.end_date')]) }}
        as details
from {{ ref('stg_netsuite__jobs') }} as j
inner join {{ ref('stg_harvest__projects') }} as p on p.project_code = j.project_code
inner join {{ ref('rec_clean_time_entries') }} as t
    on t.source_relation = p.source_relation and t.project_id = p.project_id
where j.status = 'Closed' and j.end_date is not null and t.spent_date > j.end_date
    and not j.is_deleted and not p.is_deleted

union all

select distinct
    'time_entry',
    t.remote_id,
    'bamboohr,harvest',
    {{ json_object_text([('spent_date', 't.spent_date'), ('termination_date', 'h.termination_date')]) }}
from {{ ref('rec_clean_time_entries') }} as t
inner join {{ ref('rec_resolved_records') }} as r
    on r.system = 'harvest' and r.source_relation = t.source_relation
    and r.remote_id = {{ remote_id('t.user_id') }}
inner join {{ ref('rec_hcm_workers') }} as h on h.worker_id = r.worker_id
where not h.is_active and h.termination_date is not null and t.spent_date > h.termination_date
