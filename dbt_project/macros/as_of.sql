{#- "As of" answers over worker history.

    Effective-dated history comes from the HCM itself (canonical.employment: job and status rows
    with the date they took effect); what crosswalk saw of the golden record over time comes from
    snapshot history.worker_history. -#}

{#- The employment row of every worker in force on `on_date` (a SQL date expression): a relation
    to select from, one row per worker employed or not on that day (none before their first
    HCM row). -#}
{% macro employment_on(on_date) -%}
    (
        select *
        from {{ ref('employment') }}
        where valid_from <= {{ on_date }}
            and (valid_to is null or valid_to > {{ on_date }})
    )
{%- endmacro %}

{#- The department `worker_id` (a SQL expression giving a canonical worker_id) was in on
    `on_date` (a SQL date expression), by the HCM's effective-dated job history: a scalar
    subquery, null before the worker's first job row. -#}
{% macro department_on(worker_id, on_date) -%}
    (
        select e.department
        from {{ ref('employment') }} as e
        where e.worker_id = {{ worker_id }}
            and e.valid_from <= {{ on_date }}
            and (e.valid_to is null or e.valid_to > {{ on_date }})
    )
{%- endmacro %}

{#- Every worker's golden record as crosswalk knew it at `as_of` (a SQL timestamp expression), from
    snapshot history.worker_history: a relation, one row per worker known then. -#}
{% macro worker_as_of(as_of) -%}
    (
        select *
        from {{ ref('worker_history') }}
        where dbt_valid_from <= {{ as_of }}
            and (dbt_valid_to is null or dbt_valid_to > {{ as_of }})
    )
{%- endmacro %}
