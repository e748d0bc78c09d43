-- The chart of accounts.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as account_id,
    acctnumber as account_number,
    fullname as account_name,
    accttype as account_type,
    externalid as external_id,
    not isinactive as is_active,
    {{ utc('lastmodifieddate') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('netsuite', 'accounts') }}
