-- A PSA project whose active flag differs from its ERP project being open.
select
    'project' as entity_type,
    j.project_code as entity_id,
    'netsuite,harvest' as systems,
    {{ json_object_text([('erp_status', 'j.status'), ('psa_active', 'bool_or(p.is_active)')]) }}
        as details
from {{ ref('stg_netsuite__jobs') }} as j
inner join {{ ref('stg_harvest__projects') }} as p on p.project_code = j.project_code
where not j.is_deleted and not p.is_deleted
group by j.source_relation, j.job_id, j.project_code, j.status, j.is_open
having bool_or(p.is_active <> j.is_open)
