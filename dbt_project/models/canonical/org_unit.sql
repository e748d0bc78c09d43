-- One row per HCM department (org unit), per HCM instance. BambooHR has no department records:
-- a unit exists while an employee or a job history row names it, and its remote_id is the name.
-- Mapped to the ERP department and cost center by seed map_department; unmapped units (an
-- acquisition's codes) keep null erp_department_id / cost_center_code: reconciliation reports
-- them as `mapping_missing`.
with employees as (
    select * from {{ ref('stg_bamboohr__employees') }} where not is_deleted
),

named as (
    select source_relation, department as name, remote_updated_at, is_active
    from employees
    where department is not null
    union all
    select source_relation, department, remote_updated_at, false
    from {{ ref('stg_bamboohr__job_info') }}
    where not is_deleted and department is not null
),

units as (
    select
        source_relation,
        name,
        max(remote_updated_at) as remote_updated_at,
        max(case when is_active then 1 else 0 end) = 1 as is_active
    from named
    group by source_relation, name
),

department_map as (
    select hcm_department, erp_department_id, cost_center from {{ ref('map_department') }}
),

cost_centers as (
    select cost_center_id, erp_department_id from {{ ref('cost_center') }}
)

select
    {{ canonical_id('bamboohr', 'u.source_relation', 'u.name') }} as org_unit_id,
    u.name,
    m.erp_department_id,
    m.cost_center as cost_center_code,
    cc.cost_center_id,
    m.hcm_department is not null as is_mapped,
    -- An active employee sits in the unit now.
    u.is_active,
    'bamboohr' as source_system,
    u.source_relation,
    u.name as remote_id,
    u.remote_updated_at,
    false as is_deleted
from units as u
left join department_map as m on m.hcm_department = u.name
left join cost_centers as cc on cc.erp_department_id = m.erp_department_id
