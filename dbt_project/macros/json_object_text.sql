{#- A JSON object as text from (key, SQL expression) pairs: `json_object_text([('a', 'x.a')])`.
    Findings keep their details as JSON text so the column reads the same on every warehouse. -#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text', 'crosswalk')(pairs)) }}
{%- endmacro %}

{% macro duckdb__json_object_text(pairs) -%}
    cast(json_object(
        {%- for key, expr in pairs %}'{{ key }}', {{ expr }}{% if not loop.last %}, {% endif %}{% endfor -%}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro postgres__json_object_text(pairs) -%}
    cast(json_build_object(
        {%- for key, expr in pairs %}'{{ key }}', {{ expr }}{% if not loop.last %}, {% endif %}{% endfor -%}
    ) as {{ dbt.type_string() }})
{%- endmacro %}
