-- One row per work location: an ERP location, with its legal entity. HCM names a worker's
-- location by the same name (worker.location_id joins on it).
with locations as (
    select * from {{ ref('stg_netsuite__locations') }} where not is_deleted
),

legal_entities as (
    select legal_entity_id, erp_subsidiary_id from {{ ref('legal_entity') }}
)

select
    {{ canonical_id('netsuite', 'l.source_relation', 'l.remote_id') }} as location_id,
    l.name,
    l.country,
    l.location_id as erp_location_id,
    le.legal_entity_id,
    l.is_active,
    'netsuite' as source_system,
    l.source_relation,
    l.remote_id,
    l.remote_updated_at,
    l.is_deleted
from locations as l
left join legal_entities as le on le.erp_subsidiary_id = l.subsidiary_id
