-- Project membership: which users may log time on which project, with a bill rate.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as user_assignment_id,
    user_id,
    project_id,
    is_active,
    is_project_manager,
    use_default_rates,
    cast(hourly_rate as {{ dbt.type_numeric() }}) as bill_rate,
    cast(budget as {{ dbt.type_numeric() }}) as budget,
    {{ utc('created_at') }} as remote_created_at,
    {{ utc('updated_at') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('harvest', 'user_assignments') }}
