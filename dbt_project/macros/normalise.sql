{#- Normalisations every staging model applies the same way (ARCHITECTURE §5). -#}

{#- An email as a matching key: trimmed, lower-case. -#}
{% macro email_key(column) -%}
    lower(trim({{ column }}))
{%- endmacro %}

{#- A timestamp as UTC wall time (the profile pins the session zone to UTC). -#}
{% macro utc(column) -%}
    cast({{ column }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- A vendor id as the text every system's remote id is compared as. -#}
{% macro remote_id(column) -%}
    cast({{ column }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- A stable surrogate key from parts (md5 over the parts joined with a separator). -#}
{% macro surrogate_key(parts) -%}
    {%- set cast_parts = [] -%}
    {%- for part in parts -%}
        {%- do cast_parts.append("coalesce(cast(" ~ part ~ " as " ~ dbt.type_string() ~ "), '')") -%}
    {%- endfor -%}
    md5({{ cast_parts | join(" || '|' || ") }})
{%- endmacro %}

{#- The canonical id of a record: stable across builds, unique across systems and tenants. -#}
{% macro canonical_id(system, source_relation='source_relation', remote_id='remote_id') -%}
    {{ surrogate_key(["'" ~ system ~ "'", source_relation, remote_id]) }}
{%- endmacro %}
