-- The golden record of a worker: one row per HCM employee (HCM owns who a person is), with the
-- codes HR keeps mapped to the ERP's ids through the firm's seeds. A code with no mapping row
-- leaves its erp_* id (and the canonical id it leads to) null: reconciliation reports it as
-- `mapping_missing`, so the null is never silent.
with employees as (
    select * from {{ ref('stg_bamboohr__employees') }} where not is_deleted
),

department_map as (
    select hcm_department, erp_department_id, cost_center from {{ ref('map_department') }}
),

entity_map as (
    select hcm_legal_entity, erp_subsidiary_id from {{ ref('map_legal_entity') }}
),

labor_category_map as (
    select hcm_labor_category, erp_class_id from {{ ref('map_labor_category') }}
),

legal_entities as (
    select legal_entity_id, erp_subsidiary_id from {{ ref('legal_entity') }}
),

cost_centers as (
    select cost_center_id, erp_department_id from {{ ref('cost_center') }}
),

locations as (
    select name, min(location_id) as location_id from {{ ref('location') }} group by name
)

select
    {{ canonical_id('bamboohr', 'e.source_relation', 'e.remote_id') }} as worker_id,
    e.employee_number,
    e.first_name,
    e.last_name,
    e.preferred_name,
    e.work_email,
    e.email_key,
    e.job_title,
    e.status,
    e.is_active,
    e.is_billable,
    e.pay_type,
    e.hire_date,
    e.termination_date,
    e.department,
    case
        when e.department is not null
            then {{ canonical_id('bamboohr', 'e.source_relation', 'e.department') }}
    end as org_unit_id,
    dm.cost_center as cost_center_code,
    cc.cost_center_id,
    dm.erp_department_id,
    e.legal_entity_code,
    le.legal_entity_id,
    em.erp_subsidiary_id,
    e.labor_category_code,
    lm.erp_class_id,
    e.location,
    loc.location_id,
    -- The manager as a worker; null when the supervisor id names no HCM employee.
    case
        when mgr.remote_id is not null
            then {{ canonical_id('bamboohr', 'mgr.source_relation', 'mgr.remote_id') }}
    end as manager_worker_id,
    'bamboohr' as source_system,
    e.source_relation,
    e.remote_id,
    e.remote_updated_at,
    e.is_deleted
from employees as e
left join department_map as dm on dm.hcm_department = e.department
left join entity_map as em on em.hcm_legal_entity = e.legal_entity_code
left join labor_category_map as lm on lm.hcm_labor_category = e.labor_category_code
left join legal_entities as le on le.erp_subsidiary_id = em.erp_subsidiary_id
left join cost_centers as cc on cc.erp_department_id = dm.erp_department_id
left join locations as loc on loc.name = e.location
left join employees as mgr
    on mgr.source_relation = e.source_relation and mgr.employee_id = e.supervisor_employee_id
