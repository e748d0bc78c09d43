-- Two or more records of one system resolve to the same HCM worker.
select
    'worker' as entity_type,
    h.worker_entity_id as entity_id,
    r.system as systems,
    {{ json_object_text([('records', 'count(*)')]) }} as details
from {{ ref('rec_resolved_records') }} as r
inner join {{ ref('rec_hcm_workers') }} as h on h.worker_id = r.worker_id
group by h.worker_id, h.worker_entity_id, r.system
having count(*) > 1
