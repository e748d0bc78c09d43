{#- The business "now" as a UTC timestamp: the `business_now` var when orchestration passes one
    (the sandbox's business clock), else the warehouse's current time. -#}
{% macro business_now() -%}
    {%- if var('business_now') -%}
        cast('{{ var("business_now") | replace("Z", "+00:00") }}' as {{ dbt.type_timestamp() }})
    {%- else -%}
        {{ dbt.current_timestamp() }}
    {%- endif -%}
{%- endmacro %}

{% macro business_today() -%}
    cast({{ business_now() }} as date)
{%- endmacro %}
