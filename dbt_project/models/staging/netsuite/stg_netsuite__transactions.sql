-- Journal headers.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as transaction_id,
    tranid as transaction_number,
    type as transaction_type,
    trandate as transaction_date,
    subsidiary as subsidiary_id,
    upper(currency) as currency,
    memo,
    externalid as external_id,
    approvalstatus as approval_status,
    {{ utc('createddate') }} as remote_created_at,
    {{ utc('lastmodifieddate') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('netsuite', 'transactions') }}
