{#- The elements of a JSON array column as rows: `select ... from {{ json_array_rows(rel, col) }}`
    yields the relation's columns plus `element` (one JSON value per array element).
    Adapter-dispatched: DuckDB and Postgres spell this differently. -#}
{% macro json_array_rows(relation_alias, json_path_expr) -%}
    {{ return(adapter.dispatch('json_array_rows', 'crosswalk')(relation_alias, json_path_expr)) }}
{%- endmacro %}

{% macro duckdb__json_array_rows(relation_alias, json_path_expr) -%}
    (select {{ relation_alias }}.*, unnest(cast({{ json_path_expr }} as json[])) as element
     from {{ relation_alias }})
{%- endmacro %}

{% macro postgres__json_array_rows(relation_alias, json_path_expr) -%}
    (select {{ relation_alias }}.*, e.element
     from {{ relation_alias }}
     cross join lateral jsonb_array_elements(({{ json_path_expr }})::jsonb) as e(element))
{%- endmacro %}

{#- A text field of a JSON object value. -#}
{% macro json_text(json_expr, field) -%}
    {{ return(adapter.dispatch('json_text', 'crosswalk')(json_expr, field)) }}
{%- endmacro %}

{% macro duckdb__json_text(json_expr, field) -%}
    json_extract_string({{ json_expr }}, '$.{{ field }}')
{%- endmacro %}

{% macro postgres__json_text(json_expr, field) -%}
    ({{ json_expr }})::jsonb ->> '{{ field }}'
{%- endmacro %}
