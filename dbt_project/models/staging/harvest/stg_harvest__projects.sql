-- PSA project shells; `code` is the ERP job's entity id.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as project_id,
    name,
    code as project_code,
    client_id,
    client_name,
    upper(client_currency) as currency,
    is_active,
    is_billable,
    is_fixed_fee,
    cast(fee as {{ dbt.type_numeric() }}) as fee,
    bill_by,
    budget_by,
    cast(starts_on as date) as starts_on,
    cast(ends_on as date) as ends_on,
    {{ utc('created_at') }} as remote_created_at,
    {{ utc('updated_at') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('harvest', 'projects') }}
