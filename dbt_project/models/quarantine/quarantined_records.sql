-- Every record held out of canonical, one row per (system, table, source_relation, record_key):
-- those refused at ingest (the raw `<table>__quarantine` tables present at build time) and those
-- failing a dbt record check (quarantine/checked_*). stage says which. A quarantined record's
-- key never appears in a canonical table.
{%- set ingest_tables = ingest_quarantine_tables() %}
with ingest as (
    {%- for q in ingest_tables %}
    select
        '{{ q.system }}' as system,
        '{{ q.table }}' as table_name,
        source_relation,
        cast(record_key as {{ dbt.type_string() }}) as record_key,
        reason,
        cast(quarantined_at as {{ dbt.type_timestamp() }}) as quarantined_at,
        'ingest' as stage
    from {{ q.relation }}
    {%- if '_deleted' in q.columns %}
    where not coalesce(_deleted, false)
    {%- endif %}
    union all
    {%- endfor %}
    -- An empty row set of the right shape, so the model builds when nothing was quarantined.
    select
        cast(null as {{ dbt.type_string() }}) as system,
        cast(null as {{ dbt.type_string() }}) as table_name,
        cast(null as {{ dbt.type_string() }}) as source_relation,
        cast(null as {{ dbt.type_string() }}) as record_key,
        cast(null as {{ dbt.type_string() }}) as reason,
        cast(null as {{ dbt.type_timestamp() }}) as quarantined_at,
        cast(null as {{ dbt.type_string() }}) as stage
    where 1 = 0
),

checked as (
    select
        'harvest' as system,
        'time_entries' as table_name,
        source_relation,
        remote_id as record_key,
        reject_reason as reason,
        {{ dbt.current_timestamp() }} as quarantined_at,
        'dbt' as stage
    from {{ ref('checked_time_entries') }}
    where reject_reason is not null
    union all
    select
        'bamboohr',
        'time_off_requests',
        source_relation,
        remote_id,
        reject_reason,
        {{ dbt.current_timestamp() }},
        'dbt'
    from {{ ref('checked_time_off_requests') }}
    where reject_reason is not null
)

select
    system,
    table_name,
    source_relation,
    record_key,
    reason,
    cast(quarantined_at as {{ dbt.type_timestamp() }}) as quarantined_at,
    stage
from ingest
union all
select
    system,
    table_name,
    source_relation,
    record_key,
    reason,
    cast(quarantined_at as {{ dbt.type_timestamp() }}) as quarantined_at,
    stage
from checked
