-- Approved PSA time not in the ERP, for BI: one row per approved time entry (hours > 0) whose
-- current version no live ERP journal line posts (a line naming the entry and this version,
-- docs/drift-rules.md). is_overdue once the business clock passes
-- `posting_sla_hours_after_midnight` (06:00) of the day after the version was approved — the
-- condition of rule approved_time_not_posted. Cost at the entry's own rate; no names.
with approved as (
    select *
    from {{ ref('time_entry') }}
    where not is_deleted and is_approved and hours > 0
),

posted as (
    select distinct time_entry_remote_id, time_entry_version_at
    from {{ ref('gl_posting') }}
    where not is_deleted and time_entry_remote_id is not null
),

unposted as (
    select a.*
    from approved as a
    left join posted as p
        on p.time_entry_remote_id = a.remote_id and p.time_entry_version_at = a.remote_updated_at
    where p.time_entry_remote_id is null
),

with_due as (
    select
        u.*,
        {{ posting_due_at('u.remote_updated_at') }} as posting_due_at
    from unposted as u
)

select
    w.time_entry_id,
    w.worker_id,
    w.project_id,
    p.project_code,
    w.task_id,
    w.spent_date,
    w.hours,
    w.cost_amount,
    w.remote_updated_at as approved_version_at,
    cast(w.posting_due_at as {{ dbt.type_timestamp() }}) as posting_due_at,
    {{ business_now() }} >= w.posting_due_at as is_overdue,
    case
        when {{ business_now() }} >= w.posting_due_at
            then {{ dbt.datediff('w.posting_due_at', business_now(), 'hour') }}
        else 0
    end as hours_overdue
from with_due as w
left join {{ ref('project') }} as p on p.project_id = w.project_id
