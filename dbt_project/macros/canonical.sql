{#- Helpers of the canonical layer (models/canonical). Portable SQL only: anything an adapter
    spells differently goes through adapter.dispatch. -#}

{#- The one worker each record of `system` resolves to, from identity_map: one row per
    (source_relation, remote_id), with the record's canonical id (record_id). A record matching two
    HCM workers (a shared email) takes the most confident match, then the lowest worker_id, so
    joins on it never multiply rows; `duplicate_identity` and `orphan_target_worker` report the
    ambiguity, not this. -#}
{% macro record_worker(system) -%}
    select source_relation, remote_id, record_id, worker_id
    from (
        select
            source_relation,
            remote_id,
            record_id,
            worker_id,
            row_number() over (
                partition by source_relation, remote_id order by confidence desc, worker_id
            ) as match_rank
        from {{ ref('identity_map') }}
        where system = '{{ system }}' and worker_id is not null
    ) as ranked
    where match_rank = 1
{%- endmacro %}

{#- The body of an incremental canonical model (docs/decisions.md, "Incremental canonical
    models"): the rows of CTE `candidates` (already shaped like the model) that the table must
    (re)write, plus the rows of CTE `gone` (one column, `key`: records the vendor deleted) flagged
    is_deleted = true.

    On a first build (or --full-refresh) every candidate. Later, the model narrows `candidates` to
    the records in scope (a version the table does not hold, or derived links gone stale) before
    this runs; here they are compared once more with the table on `compare_columns` (the vendor's
    version plus every column derived from another record), so only real changes are written, and
    delete+insert on `key` replaces them. Both branches select the model's columns as its yml
    declares them (in that order, whatever order the model selects in), never the table's: a
    column the table lacks is null in the branch reading the table, so the build's result has
    the model's columns and dbt's on_schema_change = 'fail' sees any difference from the table
    and refuses it (`crosswalk run --full-refresh` rebuilds). The canonical models' enforced
    contracts keep the yml equal to what the model selects. -#}
{% macro incremental_changes(candidates, key, compare_columns, gone) -%}
{%- if is_incremental() -%}
    {%- set columns = model.columns.keys() | list -%}
    {%- if not columns -%}
        {{ exceptions.raise_compiler_error(
            "incremental_changes: declare every column of " ~ model.name ~ " in its yml (contract)") }}
    {%- endif -%}
    {%- set held = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    select
        {%- for column in columns %}
        c.{{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ candidates }} as c
    left join {{ this }} as t on t.{{ key }} = c.{{ key }}
    where t.{{ key }} is null
        or t.is_deleted
        {%- for column in compare_columns if column in held %}
        or t.{{ column }} is distinct from c.{{ column }}
        {%- endfor %}
    union all
    select
        {%- for column in columns %}
        {% if column == 'is_deleted' %}true as is_deleted
        {%- elif column in held %}t.{{ column }}
        {%- else %}null as {{ column }}{% endif %}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ this }} as t
    inner join {{ gone }} as g on g.{{ key }} = t.{{ key }}
    where not t.is_deleted
        and not exists (select 1 from {{ candidates }} as c where c.{{ key }} = t.{{ key }})
{%- else -%}
    select * from {{ candidates }}
{%- endif -%}
{%- endmacro %}

{#- A post-hook for incremental canonical models: remove rows whose record is now held back by a
    dbt record check (e.g. its notes were edited into hostile content). They are listed in
    quarantine.quarantined_records instead; quarantined data never stays in canonical. -#}
{% macro delete_rejected(key, system, checked_relation) -%}
    delete from {{ this }}
    where {{ key }} in (
        select {{ canonical_id(system) }}
        from {{ checked_relation }}
        where reject_reason is not null
    )
{%- endmacro %}

{#- The vendor keys (numeric) of the records an incremental build has in scope, for in_scope():
    `scope_sql` (a select with a `key` column) is run once before the model, into a temporary
    table of the build's connection (the model's own statements run on it too). Up to `max_keys`
    (default: var scope_max_keys) keys come back as a list, a filter of constants that reaches
    the table scan; beyond that the model semi-joins the temporary table. Each is computed once:
    the semi-join used to re-run `scope_sql` inside the model, which on `large` (7.6 M time
    entries, a day putting more than 20,000 in scope) cost `time_entry` 15 s a second time. And
    not a range of the keys: one old record changed stretches it over most of the table
    (`medium`, one thread, the range forced: gl_posting took 4.6 s after a day, 5.2 s from
    nothing; 1.3 s by semi-join, 1.2 s by list). Empty while parsing. -#}
{% macro scope_keys(scope_sql, key, max_keys=none) -%}
    {%- if not execute -%}
        {{ return({'keys': []}) }}
    {%- endif -%}
    {%- set max_keys = var('scope_max_keys') if max_keys is none else max_keys -%}
    {%- set scope_table = this.identifier ~ '__dbt_scope' -%}
    {%- do run_query(create_scope_table(scope_table, scope_sql, key)) -%}
    {%- set listed = run_query(
        'select ' ~ key ~ ' from ' ~ scope_table ~ ' order by 1 limit ' ~ (max_keys + 1)
    ) -%}
    {%- set keys = listed.columns[0].values() | list -%}
    {%- if keys | length <= max_keys -%}
        {{ return({'keys': keys}) }}
    {%- endif -%}
    {{ return({'table': scope_table, 'key': key}) }}
{%- endmacro %}

{#- The statements filling a scope's temporary table (`table`: one column `key`, distinct, no
    nulls); it lives as long as the build's connection, and a build reusing the connection
    replaces it. Temporary tables resolve before any schema's, on DuckDB and Postgres alike. -#}
{% macro create_scope_table(table, scope_sql, key) -%}
    {{ return(adapter.dispatch('create_scope_table', 'crosswalk')(table, scope_sql, key)) }}
{%- endmacro %}

{% macro default__create_scope_table(table, scope_sql, key) -%}
    drop table if exists {{ table }};
    create temporary table {{ table }} as
    select distinct {{ key }}
    from ({{ scope_sql }}) as scope_keys
    where {{ key }} is not null
{%- endmacro %}

{#- A SQL condition: `column` is one of the scope's keys (from scope_keys); false when none. -#}
{% macro in_scope(column, scope) -%}
    {%- if 'table' in scope -%}
        {{ column }} in (select {{ scope['key'] }} from {{ scope['table'] }} as scope_rows)
    {%- elif scope['keys'] | length == 0 -%}
        1 = 0
    {%- else -%}
        {{ column }} in ({{ scope['keys'] | join(', ') }})
    {%- endif -%}
{%- endmacro %}

{#- The body of an incremental model's `gone` CTE: live rows of the table whose record is no
    longer among `live` (a CTE of the records staging still holds, by source_relation and
    remote_id), so incremental_changes can flag them deleted. -#}
{% macro live_rows_gone_from(live, key) -%}
    select t.{{ key }}
    from {{ this }} as t
    where not t.is_deleted
        and not exists (
            select 1
            from {{ live }} as v
            where v.source_relation = t.source_relation and v.remote_id = t.remote_id
        )
{%- endmacro %}
