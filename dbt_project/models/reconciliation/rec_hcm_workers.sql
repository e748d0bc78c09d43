{{ config(materialized='ephemeral') }}
-- HCM workers as the rules see them (docs/drift-rules.md, "Identity").
select
    {{ canonical_id('bamboohr', 'e.source_relation', 'e.remote_id') }} as worker_id,
    e.source_relation,
    e.remote_id as hcm_employee_id,
    -- What findings and deltas call the worker (hcm_erp_external_ids).
    x.worker_entity_id,
    e.employee_id,
    e.first_name,
    e.last_name,
    e.email_key,
    e.department,
    e.legal_entity_code,
    e.labor_category_code,
    e.supervisor_employee_id,
    -- The ERP externalIds of the worker's and the supervisor's employees; null where held back.
    x.erp_external_id,
    x.supervisor_erp_external_id,
    x.is_supervisor_known_in_erp,
    -- What the write-back may not do for the worker while an externalId is held back: create
    -- their ERP employee (theirs or their supervisor's), or update it (their supervisor's; the
    -- payload names the supervisor). Their findings wait for the HCM instance's mapping.
    x.erp_external_id is null or not x.is_supervisor_known_in_erp as is_erp_create_held_back,
    not x.is_supervisor_known_in_erp as is_erp_update_held_back,
    e.is_active,
    e.is_billable,
    e.hire_date,
    e.termination_date
from {{ ref('stg_bamboohr__employees') }} as e
inner join {{ ref('hcm_erp_external_ids') }} as x
    on x.source_relation = e.source_relation and x.hcm_employee_id = e.remote_id
where not e.is_deleted
