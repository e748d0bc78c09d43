{#- Helpers for staging models kept incrementally (the high-volume tables). -#}

{#- Rows of `source_relation_sql` changed since the model's last build, by a vendor timestamp.
    The boundary is re-read (`>=`): rows sharing the last stamp may have arrived after it. -#}
{% macro changed_since_last_build(timestamp_column, model_column='remote_updated_at') -%}
    {%- if is_incremental() -%}
        where {{ utc(timestamp_column) }} >= (
            select coalesce(max({{ model_column }}), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
            from {{ this }}
        )
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: drop rows whose source row is gone (dlt deletes a row the vendor deleted), so an
    incremental model never keeps a record its system no longer has. -#}
{% macro delete_rows_gone_from_source(source_relation, source_key, model_key) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as kept
        where not exists (
            select 1 from {{ source_relation }} as s
            where s.source_relation = kept.source_relation and s.{{ source_key }} = kept.{{ model_key }}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
