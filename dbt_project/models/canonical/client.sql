-- One row per client: an ERP customer (the ERP owns billing) joined to the PSA client of the same
-- name (trimmed, case-insensitive; the two systems share no id). A customer with no PSA client, or
-- a PSA client with no customer, still has its row; its system of record is then the one system
-- that has it (source_system).
with customers as (
    select
        *,
        lower(trim(company_name)) as name_key,
        {{ canonical_id('netsuite') }} as erp_client_id
    from {{ ref('stg_netsuite__customers') }}
    where not is_deleted
),

psa_clients as (
    select
        *,
        lower(trim(name)) as name_key,
        {{ canonical_id('harvest') }} as psa_client_id
    from {{ ref('stg_harvest__clients') }}
    where not is_deleted
),

legal_entities as (
    select legal_entity_id, erp_subsidiary_id from {{ ref('legal_entity') }}
)

select
    coalesce(c.erp_client_id, p.psa_client_id) as client_id,
    coalesce(c.company_name, p.name) as name,
    c.entity_id as customer_code,
    c.customer_id as erp_customer_id,
    p.psa_client_id,
    p.remote_id as psa_client_remote_id,
    le.legal_entity_id,
    coalesce(c.currency, p.currency) as currency,
    coalesce(c.is_active, p.is_active) as is_active,
    p.is_active as psa_is_active,
    case when c.remote_id is not null then 'netsuite' else 'harvest' end as source_system,
    coalesce(c.source_relation, p.source_relation) as source_relation,
    coalesce(c.remote_id, p.remote_id) as remote_id,
    case when c.remote_id is not null then c.remote_updated_at else p.remote_updated_at end
        as remote_updated_at,
    false as is_deleted
from customers as c
full outer join psa_clients as p on p.name_key = c.name_key
left join legal_entities as le on le.erp_subsidiary_id = c.subsidiary_id
