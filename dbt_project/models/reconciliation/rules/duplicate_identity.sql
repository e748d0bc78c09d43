-- Two or more records of one system resolve to the same HCM worker.
select
    'worker' as entity_type,
    hcm_employee_id as entity_id,
    system as systems,
    {{ json_object_text([('records', 'count(*)')]) }} as details
from {{ ref('rec_resolved_records') }}
group by hcm_employee_id, system
having count(*) > 1
