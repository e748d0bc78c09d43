{#- Helpers for staging models kept incrementally (the high-volume tables). -#}

{#- The filter of an incremental staging model's select: rows of its source (`source_relation`,
    which the model selects from as `alias`) changed since the model's last build, by a vendor
    timestamp, judged per instance (source_relation). Instances are loaded and clocked apart, so
    each is read from the newest stamp the model holds of it: one mark for all would skip an
    instance's rows older than another instance's newest (a tenant whose load failed and caught up
    a cycle later lost those rows for good). An instance the model holds nothing of is read whole.
    The boundary is re-read (`>=`): rows sharing the last stamp may have arrived after it. The
    raw column is compared as it is, the marks (UTC timestamps) coerced to its type in the
    session's zone (UTC, profiles.yml): a cast of the column would hide it from the scan's
    filter (`large`: 0.83 s instead of 0.11 s). -#}
{% macro changed_since_last_build(source_relation, timestamp_column, alias='source_row', model_column='remote_updated_at') -%}
    {%- if is_incremental() -%}
        {%- set changed_at = alias ~ '.' ~ timestamp_column -%}
        {%- set before_any = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" -%}
        where {{ changed_at }} >= coalesce(
                (
                    select max(held.{{ model_column }})
                    from {{ this }} as held
                    where held.source_relation = {{ alias }}.source_relation
                ),
                {{ before_any }}
            )
            -- The same test against the oldest instance's mark bounds the whole scan, so the
            -- per-instance lookup meets only rows near the marks (`large`: 0.45 s -> 0.11 s).
            and {{ changed_at }} >= (
                select min(coalesce(marks.held_until, {{ before_any }}))
                from (select distinct source_relation from {{ source_relation }}) as instances
                left join (
                    select source_relation, max({{ model_column }}) as held_until
                    from {{ this }}
                    group by source_relation
                ) as marks on marks.source_relation = instances.source_relation
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
