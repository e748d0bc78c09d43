{{ config(materialized='ephemeral') }}
-- HCM workers as the rules see them (docs/drift-rules.md, "Identity").
select
    {{ canonical_id('bamboohr') }} as worker_id,
    source_relation,
    remote_id as hcm_employee_id,
    employee_id,
    first_name,
    last_name,
    email_key,
    department,
    legal_entity_code,
    labor_category_code,
    supervisor_employee_id,
    -- The ERP externalIds of the worker's and the supervisor's employees (seed map_hcm_instance).
    {{ erp_external_id('source_relation', 'remote_id') }} as erp_external_id,
    {{ erp_external_id('source_relation', remote_id('supervisor_employee_id')) }}
        as supervisor_erp_external_id,
    is_active,
    is_billable,
    hire_date,
    termination_date
from {{ ref('stg_bamboohr__employees') }}
where not is_deleted
