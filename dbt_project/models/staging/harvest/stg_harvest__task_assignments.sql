-- Which tasks (charge codes) are open on which project, with a bill rate.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as task_assignment_id,
    project_id,
    task_id,
    task_name,
    is_active,
    billable as is_billable,
    cast(hourly_rate as {{ dbt.type_numeric() }}) as bill_rate,
    cast(budget as {{ dbt.type_numeric() }}) as budget,
    {{ utc('created_at') }} as remote_created_at,
    {{ utc('updated_at') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('harvest', 'task_assignments') }}
