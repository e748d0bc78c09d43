{{ config(
    materialized='incremental',
    unique_key=['source_relation', 'transaction_line_key'],
    incremental_strategy='delete+insert',
    post_hook="{{ delete_rows_gone_from_source(source('netsuite', 'transaction_lines'), 'uniquekey', 'transaction_line_key') }}",
) }}
-- Journal lines. crosswalk's custom columns tie a labour line to the PSA time entry version it
-- posts (custcol_cw_time_entry + custcol_cw_entry_version) and a payroll line to its pay run.
-- Incremental (high volume): changed lines, each instance read from its own mark, merge on their
-- key; deleted ones are dropped.
select
    source_relation,
    {{ remote_id('uniquekey') }} as remote_id,
    uniquekey as transaction_line_key,
    transaction as transaction_id,
    id as line_number,
    account as account_id,
    -- Money and hours arrive as exact decimals already; re-casting 750k of them costs seconds.
    debit,
    credit,
    coalesce(debit, 0) - coalesce(credit, 0) as amount,
    memo,
    entity as employee_id,
    department as department_id,
    class as class_id,
    subsidiary as subsidiary_id,
    custcol_cw_project as job_id,
    custcol_cw_time_entry as time_entry_remote_id,
    custcol_cw_entry_version as time_entry_version,
    {{ utc(dbt.safe_cast('custcol_cw_entry_version', 'timestamp with time zone')) }}
        as time_entry_version_at,
    custcol_cw_hours as hours,
    custcol_cw_cost_rate as cost_rate,
    custcol_cw_pay_run as pay_run_remote_id,
    {{ utc('linelastmodifieddate') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('netsuite', 'transaction_lines') }} as source_row
{{ changed_since_last_build(source('netsuite', 'transaction_lines'), 'linelastmodifieddate') }}
