-- Write-back health for BI: one row per lane (flow and target tenant) the outbox has ever held,
-- from the ops store's mirror (ops.outbox, ops.sync_ledger, ops.dead_letter). The backlog is the
-- outbox's pending deltas (pay run journals awaiting approval among them); open dead letters are
-- those no replay has re-sent yet; the failure rate is failed or dead attempts over the attempts
-- completed in the last `observability_window_hours` (24) of wall-clock time: the ops store stamps
-- attempts with the wall clock, not the business clock. `domain` is the business domain whose
-- records trigger the flow (ARCHITECTURE §7); ops_domain_health sums the lanes per domain.
{%- set window_hours = var('observability_window_hours', 24) %}
with outbox as (
    {{ optional_source('ops', 'outbox', {
        'delta_id': dbt.type_string(),
        'flow': dbt.type_string(),
        'target_system': dbt.type_string(),
        'target_instance': dbt.type_string(),
        'state': dbt.type_string(),
        'enqueued_at': dbt.type_string(),
    }) }}
),

ledger as (
    {{ optional_source('ops', 'sync_ledger', {
        'idempotency_key': dbt.type_string(),
        'status': dbt.type_string(),
        'attempt': dbt.type_bigint(),
        'requested_at': dbt.type_string(),
        'completed_at': dbt.type_string(),
    }) }}
),

dead_letters as (
    {{ optional_source('ops', 'dead_letter', {
        'delta_id': dbt.type_string(),
        'dead_at': dbt.type_string(),
        'replayed_at': dbt.type_string(),
    }) }}
),

lanes as (
    select
        flow,
        target_system,
        target_instance,
        count(*) as enqueued_deltas,
        count(case when state = 'pending' then 1 end) as pending_deltas,
        count(case when state = 'done' then 1 end) as delivered_deltas,
        count(case when state = 'quarantined' then 1 end) as quarantined_deltas,
        min(case when state = 'pending' then {{ iso_timestamp('enqueued_at') }} end)
            as oldest_pending_enqueued_at
    from outbox
    group by flow, target_system, target_instance
),

lane_dead_letters as (
    select
        o.flow,
        o.target_instance,
        count(*) as dead_letters,
        count(case when d.replayed_at is null then 1 end) as open_dead_letters,
        min(case when d.replayed_at is null then {{ iso_timestamp('d.dead_at') }} end)
            as oldest_open_dead_letter_at
    from dead_letters as d
    inner join outbox as o on o.delta_id = d.delta_id
    group by o.flow, o.target_instance
),

lane_attempts as (
    -- Attempts that made a request and came back (attempt 0 rows are plans and skips; a `sent`
    -- row never completed is an unknown outcome, neither success nor failure).
    select
        o.flow,
        o.target_instance,
        count(*) as push_attempts,
        count(case when l.status in ('failed', 'dead') then 1 end) as failed_push_attempts
    from ledger as l
    inner join outbox as o on o.delta_id = l.idempotency_key
    where
        l.attempt > 0
        and l.completed_at is not null
        and {{ iso_timestamp('l.requested_at') }}
            >= {{ dbt.dateadd('hour', -window_hours, wall_now()) }}
    group by o.flow, o.target_instance
)

select
    {{ surrogate_key(['l.flow', 'l.target_instance']) }} as push_lane_id,
    l.flow,
    case l.flow
        when 'provision_worker' then 'worker_master'
        when 'update_worker' then 'worker_master'
        when 'offboard_worker' then 'worker_master'
        when 'activate_project' then 'financial_dimensions'
        when 'confirm_assignment' then 'delivery'
        when 'post_approved_time' then 'delivery'
        when 'post_payroll_journal' then 'payroll'
    end as domain,
    l.target_system,
    l.target_instance,
    l.enqueued_deltas,
    l.pending_deltas,
    l.delivered_deltas,
    l.quarantined_deltas,
    coalesce(d.dead_letters, 0) as dead_letters,
    coalesce(d.open_dead_letters, 0) as open_dead_letters,
    coalesce(a.push_attempts, 0) as push_attempts,
    coalesce(a.failed_push_attempts, 0) as failed_push_attempts,
    cast(
        a.failed_push_attempts * 1.0 / nullif(a.push_attempts, 0) as {{ dbt.type_numeric() }}
    ) as push_failure_rate,
    cast({{ window_hours }} as integer) as window_hours,
    cast(
        {{ dbt.datediff('l.oldest_pending_enqueued_at', wall_now(), 'second') }} / 3600.0
        as {{ dbt.type_numeric() }}
    ) as oldest_pending_age_hours,
    l.oldest_pending_enqueued_at,
    d.oldest_open_dead_letter_at,
    {{ wall_now() }} as measured_at
from lanes as l
left join lane_dead_letters as d
    on d.flow = l.flow and d.target_instance = l.target_instance
left join lane_attempts as a
    on a.flow = l.flow and a.target_instance = l.target_instance
