-- One row per cost center: an ERP department (the ERP owns cost centers), with its cost center
-- code and the HCM department mapped to it (seed map_department; null when none maps to it).
with departments as (
    select * from {{ ref('stg_netsuite__departments') }} where not is_deleted
),

department_map as (
    select hcm_department, erp_department_id, cost_center from {{ ref('map_department') }}
),

legal_entities as (
    select legal_entity_id, erp_subsidiary_id from {{ ref('legal_entity') }}
)

select
    {{ canonical_id('netsuite', 'd.source_relation', 'd.remote_id') }} as cost_center_id,
    m.cost_center as cost_center_code,
    d.name,
    d.department_id as erp_department_id,
    m.hcm_department,
    le.legal_entity_id,
    d.is_active,
    'netsuite' as source_system,
    d.source_relation,
    d.remote_id,
    d.remote_updated_at,
    d.is_deleted
from departments as d
left join department_map as m on m.erp_department_id = d.department_id
left join legal_entities as le on le.erp_subsidiary_id = d.subsidiary_id
