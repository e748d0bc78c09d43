{{
    config(
        materialized='incremental',
        unique_key='gl_posting_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('stg_netsuite__transaction_lines') }}
-- One row per ERP journal line, with its header's date, currency and approval, and links to what
-- it posts: a labour line names the PSA time entry and the entry version it costs
-- (custcol_cw_time_entry + custcol_cw_entry_version), a payroll line its pay run
-- (custcol_cw_pay_run).
--
-- Incremental like time_entry. In scope: lines whose version (lastmodified) the table does not
-- hold; every line of a journal that gained or changed a line or whose header changed (a
-- journal's posting_type follows from all its lines; every line carries the header); lines whose
-- worker link went stale or whose time entry / pay run was not resolvable before. Lines the ERP
-- deleted stay with is_deleted = true.
{%- set scope_sql %}
    with live_versions as (
        select source_relation, remote_id, transaction_line_key, transaction_id, remote_updated_at
        from {{ ref('stg_netsuite__transaction_lines') }}
        where not is_deleted
    ),

    changed_lines as (
        select v.source_relation, v.transaction_id
        from live_versions as v
        where not exists (
            select 1
            from {{ this }} as t
            where t.source_relation = v.source_relation
                and t.remote_id = v.remote_id
                and t.remote_updated_at = v.remote_updated_at
                and not t.is_deleted
        )
    ),

    -- Journals whose header (number, type, date, approval) changed: every line carries them.
    changed_headers as (
        select h.source_relation, h.transaction_id
        from {{ ref('stg_netsuite__transactions') }} as h
        inner join (
            select distinct journal_id, journal_number, journal_type, posting_date, approval_status
            from {{ this }}
            where not is_deleted
        ) as t
            on t.journal_id = {{ canonical_id('netsuite', 'h.source_relation', remote_id('h.transaction_id')) }}
        where not h.is_deleted
            and (
                t.journal_number is distinct from h.transaction_number
                or t.journal_type is distinct from h.transaction_type
                or t.posting_date is distinct from h.transaction_date
                or t.approval_status is distinct from h.approval_status
            )
    ),

    changed_journals as (
        select source_relation, transaction_id from changed_lines
        union
        select source_relation, transaction_id from changed_headers
    ),

    employee_worker as (
        {{ record_worker('netsuite') }}
    ),

    stale_lines as (
        select t.source_relation, t.remote_id
        from {{ this }} as t
        left join employee_worker as w
            on w.source_relation = t.source_relation
            and w.remote_id = {{ remote_id('t.erp_employee_id') }}
        where not t.is_deleted
            and (
                t.worker_id is distinct from w.worker_id
                or (t.time_entry_id is null and t.time_entry_remote_id is not null)
                or (t.pay_run_id is null and t.pay_run_remote_id is not null)
            )
    )

    select v.source_relation, v.transaction_line_key
    from live_versions as v
    inner join changed_journals as j
        on j.source_relation = v.source_relation and j.transaction_id = v.transaction_id
    union
    select v.source_relation, v.transaction_line_key
    from live_versions as v
    inner join stale_lines as s
        on s.source_relation = v.source_relation and s.remote_id = v.remote_id
{%- endset %}
{%- if is_incremental() %}
    {%- set scope = scope_keys(scope_sql, 'transaction_line_key') %}
{%- endif %}
with employee_worker as (
    {{ record_worker('netsuite') }}
),

{%- if is_incremental() %}

live_versions as (
    select source_relation, remote_id, transaction_line_key, remote_updated_at
    from {{ ref('stg_netsuite__transaction_lines') }}
    where not is_deleted
),

gone as (
    {{ live_rows_gone_from('live_versions', 'gl_posting_id') }}
),
{%- endif %}

lines as (
    select l.*
    from {{ ref('stg_netsuite__transaction_lines') }} as l
    where not l.is_deleted
    {%- if is_incremental() %}
        -- Lines in scope that did not change are dropped by incremental_changes.
        and {{ in_scope('l.transaction_line_key', scope) }}
    {%- endif %}
),

headers as (
    select * from {{ ref('stg_netsuite__transactions') }} where not is_deleted
),

-- A journal's kind follows from what its lines post: the balancing lines of a labour journal
-- (accrued labour) are labour postings too. A journal in scope has all its lines in scope.
journal_kinds as (
    select
        source_relation,
        transaction_id,
        case
            when max(case when pay_run_remote_id is not null then 1 else 0 end) = 1 then 'payroll'
            when max(case when time_entry_remote_id is not null then 1 else 0 end) = 1 then 'labour'
            else 'other'
        end as posting_type
    from lines
    group by source_relation, transaction_id
),

accounts as (
    select gl_account_id, erp_account_id from {{ ref('gl_account') }}
),

legal_entities as (
    select legal_entity_id, erp_subsidiary_id, currency from {{ ref('legal_entity') }}
),

cost_centers as (
    select cost_center_id, erp_department_id from {{ ref('cost_center') }}
),

projects as (
    select erp_job_id, min(project_id) as project_id
    from {{ ref('project') }}
    where erp_job_id is not null
    group by erp_job_id
),

-- The ERP names a time entry by its PSA id alone; resolved against canonical entries (live or
-- deleted) so a link always points at a time_entry row.
time_entries as (
    select remote_id, min(time_entry_id) as time_entry_id
    from {{ ref('time_entry') }}
    group by remote_id
),

pay_runs as (
    select remote_id, min(pay_run_id) as pay_run_id from {{ ref('pay_run') }} group by remote_id
),

candidates as (
    select
        {{ canonical_id('netsuite', 'l.source_relation', 'l.remote_id') }} as gl_posting_id,
        {{ canonical_id('netsuite', 'l.source_relation', remote_id('l.transaction_id')) }}
            as journal_id,
        h.transaction_number as journal_number,
        h.transaction_type as journal_type,
        h.approval_status,
        h.transaction_date as posting_date,
        l.line_number,
        jk.posting_type,
        a.gl_account_id,
        l.account_id as erp_account_id,
        cast(l.debit as {{ dbt.type_numeric() }}) as debit,
        cast(l.credit as {{ dbt.type_numeric() }}) as credit,
        cast(l.amount as {{ dbt.type_numeric() }}) as amount,
        -- A journal in the subsidiary's currency unless it names another.
        coalesce(h.currency, le.currency) as currency,
        le.legal_entity_id,
        cc.cost_center_id,
        p.project_id,
        w.worker_id,
        l.employee_id as erp_employee_id,
        l.time_entry_remote_id,
        l.time_entry_version_at,
        te.time_entry_id,
        cast(l.hours as {{ dbt.type_numeric() }}) as hours,
        cast(l.cost_rate as {{ dbt.type_numeric() }}) as cost_rate,
        l.pay_run_remote_id,
        pr.pay_run_id,
        'netsuite' as source_system,
        l.source_relation,
        l.remote_id,
        l.remote_updated_at,
        l.is_deleted
    from lines as l
    left join headers as h
        on h.source_relation = l.source_relation and h.transaction_id = l.transaction_id
    left join journal_kinds as jk
        on jk.source_relation = l.source_relation and jk.transaction_id = l.transaction_id
    left join accounts as a on a.erp_account_id = l.account_id
    left join legal_entities as le on le.erp_subsidiary_id = l.subsidiary_id
    left join cost_centers as cc on cc.erp_department_id = l.department_id
    left join projects as p on p.erp_job_id = l.job_id
    left join employee_worker as w
        on w.source_relation = l.source_relation and w.remote_id = {{ remote_id('l.employee_id') }}
    left join time_entries as te on te.remote_id = l.time_entry_remote_id
    left join pay_runs as pr on pr.remote_id = l.pay_run_remote_id
)

{{ incremental_changes('candidates', 'gl_posting_id', ['remote_updated_at', 'posting_type', 'worker_id', 'time_entry_id', 'pay_run_id'], 'gone') }}
