-- ERP departments (cost centers).
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as department_id,
    name,
    subsidiary as subsidiary_id,
    externalid as external_id,
    not isinactive as is_active,
    {{ utc('lastmodifieddate') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('netsuite', 'departments') }}
