-- PSA users: who may log time, with their cost rate.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as user_id,
    first_name,
    last_name,
    email,
    {{ email_key('email') }} as email_key,
    timezone,
    is_contractor,
    is_active,
    weekly_capacity as weekly_capacity_seconds,
    cast(cost_rate as {{ dbt.type_numeric() }}) as cost_rate,
    cast(default_hourly_rate as {{ dbt.type_numeric() }}) as default_bill_rate,
    {{ utc('created_at') }} as remote_created_at,
    {{ utc('updated_at') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('harvest', 'users') }}
