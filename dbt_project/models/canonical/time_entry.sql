{{
    config(
        materialized='incremental',
        unique_key='time_entry_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=["{{ delete_rejected('time_entry_id', 'harvest', ref('checked_time_entries')) }}"],
    )
}}
-- depends_on: {{ ref('stg_harvest__time_entries') }}
-- One row per PSA time entry that passed every record check (quarantine/checked_time_entries),
-- at its latest version: remote_updated_at is the entry's version (an approved entry posts to the
-- ERP once per version). Free-text notes are not carried.
--
-- Incremental (docs/decisions.md, "Incremental canonical models"): in scope are entries whose
-- version the table does not hold yet (new, changed, or arrived late) and entries whose worker or
-- project link went stale (a PSA user matched to a worker later, a PSA project linked to its ERP
-- job later); entries the PSA deleted stay with is_deleted = true. The scope is found by comparing
-- keys and versions (a scan of three columns), and only the entries in scope are read from
-- staging and shaped, never every row.
{%- set scope_sql %}
    with user_worker as (
        {{ record_worker('harvest') }}
    ),

    projects as (
        select psa_project_id, min(project_id) as project_id
        from {{ ref('project') }}
        where psa_project_id is not null
        group by psa_project_id
    )

    -- A version the table does not hold (and may: a rejected entry stays out).
    select v.time_entry_id
    from {{ ref('checked_time_entries') }} as v
    where v.reject_reason is null
        and not exists (
            select 1
            from {{ this }} as t
            where t.source_relation = v.source_relation
                and t.remote_id = v.remote_id
                and t.remote_updated_at = v.remote_updated_at
                and not t.is_deleted
        )
    union
    -- Derived links gone stale.
    select cast(t.remote_id as {{ dbt.type_bigint() }})
    from {{ this }} as t
    left join user_worker as w on w.record_id = t.psa_user_id
    left join projects as p on p.psa_project_id = t.psa_project_id
    where not t.is_deleted
        and (t.worker_id is distinct from w.worker_id or t.project_id is distinct from p.project_id)
{%- endset %}
{%- if is_incremental() %}
    {%- set scope = scope_keys(scope_sql, 'time_entry_id') %}
{%- endif %}
with user_worker as (
    {{ record_worker('harvest') }}
),

-- One project per PSA shell (two ERP jobs sharing a code would otherwise fan rows out).
projects as (
    select psa_project_id, min(project_id) as project_id
    from {{ ref('project') }}
    where psa_project_id is not null
    group by psa_project_id
),

{%- if is_incremental() %}

live_versions as (
    select source_relation, remote_id
    from {{ ref('stg_harvest__time_entries') }}
    where not is_deleted
),

gone as (
    {{ live_rows_gone_from('live_versions', 'time_entry_id') }}
),
{%- endif %}

entries as (
    select e.*
    from {{ ref('checked_time_entries') }} as e
    where e.reject_reason is null
    {%- if is_incremental() %}
        -- Entries in scope that did not change are dropped by incremental_changes.
        and {{ in_scope('e.time_entry_id', scope) }}
    {%- endif %}
),

candidates as (
    select
        {{ canonical_id('harvest', 'e.source_relation', 'e.remote_id') }} as time_entry_id,
        w.worker_id,
        {{ canonical_id('harvest', 'e.source_relation', remote_id('e.user_id')) }} as psa_user_id,
        p.project_id,
        {{ canonical_id('harvest', 'e.source_relation', remote_id('e.project_id')) }}
            as psa_project_id,
        {{ canonical_id('harvest', 'e.source_relation', remote_id('e.task_id')) }} as task_id,
        case
            when e.user_assignment_id is not null
                then {{ canonical_id('harvest', 'e.source_relation', remote_id('e.user_assignment_id')) }}
        end as assignment_id,
        e.spent_date,
        e.hours,
        e.is_approved,
        e.is_billable,
        e.is_billed,
        e.is_locked,
        e.cost_rate,
        e.bill_rate,
        -- What the ERP labour journal must carry for this version (docs/drift-rules.md).
        cast(round(e.hours * e.cost_rate, 2) as {{ dbt.type_numeric() }}) as cost_amount,
        case
            when e.is_billable
                then cast(round(e.hours * e.bill_rate, 2) as {{ dbt.type_numeric() }})
        end as bill_amount,
        e.external_reference_id,
        e.remote_created_at,
        'harvest' as source_system,
        e.source_relation,
        e.remote_id,
        e.remote_updated_at,
        e.is_deleted
    from entries as e
    left join user_worker as w
        on w.source_relation = e.source_relation and w.remote_id = {{ remote_id('e.user_id') }}
    left join projects as p
        on p.psa_project_id = {{ canonical_id('harvest', 'e.source_relation', remote_id('e.project_id')) }}
)

{{ incremental_changes('candidates', 'time_entry_id', ['remote_updated_at', 'worker_id', 'project_id'], 'gone') }}
