{{ config(materialized='view') }}
-- PSA time entries with the verdict of dbt's record checks, one row per live entry. Ingest
-- already quarantined entries a schema refuses (raw_harvest.time_entries__quarantine); these checks
-- need other records or free-text rules: hostile notes (staging's quarantine_reason), and a user,
-- project or task that does not exist in the PSA. `reject_reason` null = the entry may enter
-- canonical.time_entry; otherwise it is listed in quarantine.quarantined_records.
with entries as (
    select * from {{ ref('stg_harvest__time_entries') }} where not is_deleted
),

users as (
    select source_relation, user_id from {{ ref('stg_harvest__users') }} where not is_deleted
),

projects as (
    select source_relation, project_id
    from {{ ref('stg_harvest__projects') }}
    where not is_deleted
),

tasks as (
    select source_relation, task_id from {{ ref('stg_harvest__tasks') }} where not is_deleted
)

select
    e.*,
    case
        when e.quarantine_reason is not null then e.quarantine_reason
        when u.user_id is null
            then 'unknown_user: PSA user ' || coalesce(cast(e.user_id as {{ dbt.type_string() }}), 'null') || ' does not exist'
        when p.project_id is null
            then 'unknown_project: PSA project ' || coalesce(cast(e.project_id as {{ dbt.type_string() }}), 'null') || ' does not exist'
        when t.task_id is null
            then 'unknown_task: PSA task ' || coalesce(cast(e.task_id as {{ dbt.type_string() }}), 'null') || ' does not exist'
    end as reject_reason
from entries as e
left join users as u on u.source_relation = e.source_relation and u.user_id = e.user_id
left join projects as p on p.source_relation = e.source_relation and p.project_id = e.project_id
left join tasks as t on t.source_relation = e.source_relation and t.task_id = e.task_id
