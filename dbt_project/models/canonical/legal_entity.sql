-- One row per legal entity: an ERP subsidiary (the ERP owns legal entities), with the HCM legal
-- employer code that maps to it (seed map_legal_entity; null when no code maps to it).
with subsidiaries as (
    select * from {{ ref('stg_netsuite__subsidiaries') }} where not is_deleted
),

entity_map as (
    select hcm_legal_entity, erp_subsidiary_id from {{ ref('map_legal_entity') }}
)

select
    {{ canonical_id('netsuite', 's.source_relation', 's.remote_id') }} as legal_entity_id,
    m.hcm_legal_entity as legal_entity_code,
    s.subsidiary_id as erp_subsidiary_id,
    s.name,
    s.country,
    s.currency,
    s.is_active,
    'netsuite' as source_system,
    s.source_relation,
    s.remote_id,
    s.remote_updated_at,
    s.is_deleted
from subsidiaries as s
left join entity_map as m on m.erp_subsidiary_id = s.subsidiary_id
