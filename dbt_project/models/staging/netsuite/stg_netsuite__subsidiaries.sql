-- Legal entities (subsidiaries).
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as subsidiary_id,
    name,
    country,
    upper(currency) as currency,
    externalid as external_id,
    not isinactive as is_active,
    {{ utc('lastmodifieddate') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('netsuite', 'subsidiaries') }}
