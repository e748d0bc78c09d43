{{
    config(
        materialized='incremental',
        unique_key='pay_line_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('stg_gusto__pay_statements') }}
-- One row per line of a pay statement: earnings (fixed, hourly, paid time off), reimbursements,
-- deductions, taxes and benefits. Gusto gives lines no id: a line is keyed by its statement, its
-- type, its name and its job, which no statement repeats. Compensation: marts expose it only in
-- aggregate.
--
-- Incremental: a statement's Gusto version is its lines' version. A build explodes only statements
-- whose version the table does not hold (new, changed, or arrived late) or whose worker link went
-- stale; a line no longer on its statement, or of a statement gone from the payroll, stays with
-- is_deleted = true.
with employee_worker as (
    {{ record_worker('gusto') }}
),

statements as (
    select
        source_relation,
        remote_id,
        payroll_uuid,
        employee_uuid,
        version,
        {{ canonical_id('gusto') }} as pay_statement_id
    from {{ ref('stg_gusto__pay_statements') }}
),

{%- if is_incremental() %}

held as (
    select distinct pay_statement_id, remote_version, payroll_employee_id, worker_id
    from {{ this }}
    where not is_deleted
),

scope as (
    -- A version the table does not hold.
    select s.source_relation, s.remote_id, s.pay_statement_id
    from statements as s
    where not exists (
        select 1
        from held as h
        where h.pay_statement_id = s.pay_statement_id and h.remote_version = s.version
    )
    union
    -- The worker link went stale.
    select s.source_relation, s.remote_id, s.pay_statement_id
    from statements as s
    inner join held as h on h.pay_statement_id = s.pay_statement_id
    left join employee_worker as w on w.record_id = h.payroll_employee_id
    where h.worker_id is distinct from w.worker_id
),

gone as (
    select t.pay_line_id
    from {{ this }} as t
    where not t.is_deleted
        and (
            t.pay_statement_id in (select pay_statement_id from scope)
            or t.pay_statement_id not in (select pay_statement_id from statements)
        )
),
{%- endif %}

lines as (
    select
        l.*,
        l.payroll_uuid || ':' || l.employee_uuid as statement_remote_id,
        l.payroll_uuid || ':' || l.employee_uuid || ':' || l.line_type || ':'
            || coalesce(l.line_name, '') || ':' || coalesce(l.job_uuid, '') as line_remote_id
    from {{ ref('stg_gusto__pay_lines') }} as l
    {%- if is_incremental() %}
    inner join scope as s
        on s.source_relation = l.source_relation
        and s.remote_id = l.payroll_uuid || ':' || l.employee_uuid
    {%- endif %}
),

candidates as (
    select
        {{ canonical_id('gusto', 'l.source_relation', 'l.line_remote_id') }} as pay_line_id,
        s.pay_statement_id,
        {{ canonical_id('gusto', 'l.source_relation', 'l.payroll_uuid') }} as pay_run_id,
        w.worker_id,
        {{ canonical_id('gusto', 'l.source_relation', 'l.employee_uuid') }} as payroll_employee_id,
        l.line_type,
        l.line_name,
        l.hours,
        l.amount,
        l.is_employer_paid,
        l.job_uuid as job_remote_id,
        s.version as remote_version,
        'gusto' as source_system,
        l.source_relation,
        l.line_remote_id as remote_id,
        cast(null as {{ dbt.type_timestamp() }}) as remote_updated_at,
        false as is_deleted
    from lines as l
    inner join statements as s
        on s.source_relation = l.source_relation and s.remote_id = l.statement_remote_id
    left join employee_worker as w
        on w.source_relation = l.source_relation and w.remote_id = l.employee_uuid
)

{{ incremental_changes('candidates', 'pay_line_id', ['remote_version', 'worker_id'], 'gone') }}
