-- An active PSA user / ERP employee / payroll employee that resolves to no HCM worker.
select
    case system
        when 'harvest' then 'harvest_user'
        when 'netsuite' then 'netsuite_employee'
        else 'gusto_employee'
    end as entity_type,
    remote_id as entity_id,
    'bamboohr,' || system as systems,
    {{ json_object_text([('source_relation', 'source_relation')]) }} as details
from {{ ref('identity_map') }}
where worker_id is null and is_active and system in ('harvest', 'netsuite', 'gusto')
