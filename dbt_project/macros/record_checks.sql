{#- Record checks dbt applies on top of ingest-time validation. A record failing one keeps its
    place in staging with a `quarantine_reason`; canonical and reconciliation models take only
    rows whose reason is null, and `quarantine.quarantined_records` lists the rest. -#}

{#- True when free text carries content no person types into a timesheet: control characters,
    bidirectional overrides (text that displays differently from what it stores), script markup,
    SQL statement injection, or a bare JSON object. BI tools and ERP memos render these fields. -#}
{% macro is_hostile_text(column) -%}
    {{ return(adapter.dispatch('is_hostile_text', 'crosswalk')(column)) }}
{%- endmacro %}

{% macro duckdb__is_hostile_text(column) -%}
    coalesce(regexp_matches({{ column }},
        '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|[\x{202a}-\x{202e}\x{2066}-\x{2069}]|(?i)<\s*script|(?i);\s*(drop|delete|truncate|alter|update)\s|^\s*\{.*\}\s*$'),
        false)
{%- endmacro %}

{% macro postgres__is_hostile_text(column) -%}
    coalesce({{ column }} ~* E'[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]|[\\u202a-\\u202e\\u2066-\\u2069]|<\\s*script|;\\s*(drop|delete|truncate|alter|update)\\s|^\\s*\\{.*\\}\\s*$',
        false)
{%- endmacro %}
