{#- Helpers of the observability marts (models/observability/, docs/observability.md). -#}

{#- A table crosswalk's own Python assets write into the warehouse (`ops.*`: the write-back's
    mirror, the domain sync measurements), selected with `columns` ({name: type}). Before the
    first push or measurement it does not exist; then it reads as no rows of those columns, so a
    build without the write-back (`crosswalk run --no-push`, a plain `dbt build`) still builds.
    `source()` is called either way, so the lineage (and Dagster's graph) always has the edge. -#}
{% macro optional_source(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and load_relation(relation) is none -%}
    select
        {%- for name, data_type in columns.items() %}
        cast(null as {{ data_type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
    {%- else -%}
    select {{ columns.keys() | join(", ") }}
    from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- An ISO-8601 text stamp with an offset (the ops store's, e.g. `2026-11-22T10:00:00+00:00`) as
    UTC wall time. Cast through `timestamp with time zone`: a plain cast would drop the offset. -#}
{% macro iso_timestamp(column) -%}
    {{ utc("cast(" ~ column ~ " as timestamp with time zone)") }}
{%- endmacro %}

{#- The wall clock as UTC. The ops store stamps attempts with it, not with the business clock. -#}
{% macro wall_now() -%}
    {{ utc(dbt.current_timestamp()) }}
{%- endmacro %}
