-- Compensation history. Sensitive: only canonical `rate` reads it, and marts never expose it.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as compensation_id,
    employee_id,
    start_date as effective_date,
    cast(rate_amount as {{ dbt.type_numeric() }}) as rate_amount,
    upper(rate_currency) as currency,
    type as pay_type,
    paid_per,
    reason,
    {{ utc('employee_last_changed') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('bamboohr', 'compensation') }}
