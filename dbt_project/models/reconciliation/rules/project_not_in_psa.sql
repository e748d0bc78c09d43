-- An open ERP project (In Progress, not inactive) with no PSA project carrying its code.
select
    'project' as entity_type,
    j.project_code as entity_id,
    'netsuite,harvest' as systems,
    {{ json_object_text([('project_name', 'j.project_name')]) }} as details
from {{ ref('stg_netsuite__jobs') }} as j
where j.is_open and not j.is_deleted
    and not exists (
        select 1 from {{ ref('stg_harvest__projects') }} as p
        where p.project_code = j.project_code and not p.is_deleted
    )
