-- Health per business domain for BI: one row per domain of the SLA table (ARCHITECTURE §1) as the
-- Dagster asset ops/domain_sync last measured it (sync lag = measure time - the last successful
-- ingestion of the domain's least recently refreshed asset; ingestion runs and failures over its
-- window), with the write-back backlog of the flows the domain triggers (ops_push_backlog) and
-- the domain's own backlog: billable workers not provisioned (worker master) and approved time not
-- posted to the ERP (delivery). Null where a figure does not apply to the domain.
with measurements as (
    {{ optional_source('ops', 'domain_sync', {
        'measured_at': dbt.type_timestamp(),
        'domain': dbt.type_string(),
        'asset_group': dbt.type_string(),
        'sla_minutes': dbt.type_float(),
        'freshness_state': dbt.type_string(),
        'freshness_detail': dbt.type_string(),
        'last_refreshed_at': dbt.type_timestamp(),
        'least_fresh_asset': dbt.type_string(),
        'sync_lag_seconds': dbt.type_float(),
        'window_hours': dbt.type_float(),
        'ingestion_runs': dbt.type_bigint(),
        'failed_ingestion_runs': dbt.type_bigint(),
    }) }}
),

latest as (
    select
        *,
        row_number() over (partition by domain order by measured_at desc) as recency
    from measurements
),

push as (
    select
        domain,
        cast(sum(pending_deltas) as {{ dbt.type_bigint() }}) as pending_deltas,
        cast(sum(open_dead_letters) as {{ dbt.type_bigint() }}) as open_dead_letters,
        cast(sum(push_attempts) as {{ dbt.type_bigint() }}) as push_attempts,
        cast(sum(failed_push_attempts) as {{ dbt.type_bigint() }}) as failed_push_attempts
    from {{ ref('ops_push_backlog') }}
    group by domain
),

unprovisioned as (
    select
        'worker_master' as domain,
        count(*) as unprovisioned_billable_workers
    from {{ ref('ops_unprovisioned_workers') }}
),

unposted as (
    select
        'delivery' as domain,
        count(*) as unposted_approved_entries,
        coalesce(sum(hours), 0) as unposted_approved_hours,
        count(case when is_overdue then 1 end) as overdue_unposted_entries
    from {{ ref('unposted_approved_time') }}
)

select
    m.domain,
    m.asset_group,
    m.freshness_state,
    m.least_fresh_asset,
    m.freshness_detail,
    cast(m.sla_minutes as {{ dbt.type_numeric() }}) as sla_minutes,
    cast(m.sync_lag_seconds / 60.0 as {{ dbt.type_numeric() }}) as sync_lag_minutes,
    cast(m.window_hours as {{ dbt.type_numeric() }}) as ingestion_window_hours,
    m.ingestion_runs,
    m.failed_ingestion_runs,
    cast(
        m.failed_ingestion_runs * 1.0 / nullif(m.ingestion_runs, 0) as {{ dbt.type_numeric() }}
    ) as ingestion_failure_rate,
    coalesce(p.pending_deltas, 0) as pending_deltas,
    coalesce(p.open_dead_letters, 0) as open_dead_letters,
    coalesce(p.push_attempts, 0) as push_attempts,
    coalesce(p.failed_push_attempts, 0) as failed_push_attempts,
    cast(
        p.failed_push_attempts * 1.0 / nullif(p.push_attempts, 0) as {{ dbt.type_numeric() }}
    ) as push_failure_rate,
    u.unprovisioned_billable_workers,
    t.unposted_approved_entries,
    cast(t.unposted_approved_hours as {{ dbt.type_numeric() }}) as unposted_approved_hours,
    t.overdue_unposted_entries,
    m.last_refreshed_at,
    m.measured_at
from latest as m
left join push as p on p.domain = m.domain
left join unprovisioned as u on u.domain = m.domain
left join unposted as t on t.domain = m.domain
where m.recency = 1
