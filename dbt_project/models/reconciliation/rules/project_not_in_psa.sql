-- An open ERP project (In Progress, not inactive) that is not in the PSA as a project time can be
-- logged to: no PSA project carries its code, or those that do carry no active charge code (task
-- assignment), as a creation that stopped after the project leaves it (ARCHITECTURE §6: "missing
-- in PSA (no charge codes)").
select
    'project' as entity_type,
    j.project_code as entity_id,
    'netsuite,harvest' as systems,
    {{ json_object_text([('project_name', 'j.project_name')]) }} as details
from {{ ref('stg_netsuite__jobs') }} as j
where j.is_open and not j.is_deleted
    and not exists (
        select 1
        from {{ ref('stg_harvest__projects') }} as p
        -- The project's own charge codes: project ids are per PSA instance.
        inner join {{ ref('stg_harvest__task_assignments') }} as ta
            on ta.source_relation = p.source_relation and ta.project_id = p.project_id
            and ta.is_active and not ta.is_deleted
        where p.project_code = j.project_code and not p.is_deleted
    )
