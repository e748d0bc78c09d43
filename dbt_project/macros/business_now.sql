{#- The business "now" as a UTC timestamp: the `business_now` var when orchestration passes one
    (the sandbox's business clock in the sandbox profile), else the warehouse's current time.
    Read through the session zone, which the profile pins to UTC. -#}
{% macro business_now() -%}
    {%- if var('business_now') -%}
        {{ utc("cast('" ~ var('business_now') ~ "' as timestamp with time zone)") }}
    {%- else -%}
        {{ utc(dbt.current_timestamp()) }}
    {%- endif -%}
{%- endmacro %}

{% macro business_today() -%}
    cast({{ business_now() }} as date)
{%- endmacro %}
