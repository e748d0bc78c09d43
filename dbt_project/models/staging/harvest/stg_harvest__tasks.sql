-- PSA tasks (charge codes); the name maps to a GL account (seed map_task).
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as task_id,
    name,
    billable_by_default as is_billable_by_default,
    is_default,
    is_active,
    {{ utc('created_at') }} as remote_created_at,
    {{ utc('updated_at') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('harvest', 'tasks') }}
