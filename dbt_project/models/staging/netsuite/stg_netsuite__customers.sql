-- Customers (the PSA's clients).
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as customer_id,
    entityid as entity_id,
    companyname as company_name,
    subsidiary as subsidiary_id,
    upper(currency) as currency,
    {{ utc('datecreated') }} as remote_created_at,
    externalid as external_id,
    not isinactive as is_active,
    {{ utc('lastmodifieddate') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('netsuite', 'customers') }}
