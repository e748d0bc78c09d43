-- PSA clients.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as client_id,
    name,
    is_active,
    upper(currency) as currency,
    {{ utc('created_at') }} as remote_created_at,
    {{ utc('updated_at') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('harvest', 'clients') }}
