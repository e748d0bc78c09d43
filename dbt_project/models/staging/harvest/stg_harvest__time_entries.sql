{{ config(
    materialized='incremental',
    unique_key=['source_relation', 'time_entry_id'],
    incremental_strategy='delete+insert',
    post_hook="{{ delete_rows_gone_from_source(source('harvest', 'time_entries'), 'id', 'time_entry_id') }}",
) }}
-- Time entries. `updated_at` is the entry's version: an approved entry posts to the ERP once per
-- version. Entries that failed validation at ingest are in the quarantine table instead; those
-- failing a dbt record check carry a `quarantine_reason` (canonical and reconciliation skip them).
-- Incremental (the largest table): changed rows, each instance read from its own mark, merge on
-- their key; deleted ones are dropped.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as time_entry_id,
    user_id,
    project_id,
    project_code,
    task_id,
    task_name,
    client_id,
    user_assignment_id,
    task_assignment_id,
    spent_date,
    cast(hours as {{ dbt.type_numeric() }}) as hours,
    cast(rounded_hours as {{ dbt.type_numeric() }}) as rounded_hours,
    is_closed as is_approved,
    is_locked,
    is_billed,
    billable as is_billable,
    cast(billable_rate as {{ dbt.type_numeric() }}) as bill_rate,
    cast(cost_rate as {{ dbt.type_numeric() }}) as cost_rate,
    external_reference_id,
    case
        when {{ is_hostile_text('notes') }} then 'hostile_notes: control, markup or injection content'
    end as quarantine_reason,
    {{ utc('created_at') }} as remote_created_at,
    {{ utc('updated_at') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('harvest', 'time_entries') }} as source_row
{{ changed_since_last_build(source('harvest', 'time_entries'), 'updated_at') }}
