{#- When approved time must be in the ERP: `posting_sla_hours_after_midnight` (06:00) of the day
    after the day of its approved version `version_at` (a UTC timestamp). The rule
    approved_time_not_posted and the mart unposted_approved_time judge by this one expression. -#}
{% macro posting_due_at(version_at) -%}
    {{ dbt.dateadd(
        'hour',
        24 + var('posting_sla_hours_after_midnight'),
        'cast(cast(' ~ version_at ~ ' as date) as ' ~ dbt.type_timestamp() ~ ')'
    ) }}
{%- endmacro %}
