{#- The business "now" as a UTC timestamp. Orchestration passes the sandbox's business clock in
    env CROSSWALK_BUSINESS_NOW (an env var, unlike a var, does not force dbt to re-parse the
    project when it changes); a `business_now` var given by hand wins; with neither, the
    warehouse's clock. Read through the session zone, which the profile pins to UTC. -#}
{% macro business_now() -%}
    {%- set moment = var('business_now', none) or env_var('CROSSWALK_BUSINESS_NOW', '') -%}
    {%- if moment -%}
        {{ utc("cast('" ~ moment ~ "' as timestamp with time zone)") }}
    {%- else -%}
        {{ utc(dbt.current_timestamp()) }}
    {%- endif -%}
{%- endmacro %}

{% macro business_today() -%}
    cast({{ business_now() }} as date)
{%- endmacro %}
