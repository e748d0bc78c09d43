{{ config(
    materialized='incremental',
    unique_key=['payroll_uuid', 'employee_uuid'],
    incremental_strategy='delete+insert',
) }}
-- Pay statement lines: earnings (fixed, hourly, paid time off), reimbursements, deductions and
-- taxes, exploded from each statement's line arrays. `line_type` names the array a line came from.
-- Incremental: the lines of statements loaded since the last build replace that statement's lines.
{% set line_arrays = {
    'fixed': 'fixed_compensations',
    'hourly': 'hourly_compensations',
    'paid_time_off': 'paid_time_off',
    'reimbursement': 'reimbursements',
    'deduction': 'deductions',
    'tax': 'taxes',
    'benefit': 'benefits',
} %}
with statements as (
    select source_relation, payroll_uuid, employee_uuid, lines_json, load_id
    from {{ ref('stg_gusto__pay_statements') }}
    {% if is_incremental() -%}
    -- dlt load ids are epoch seconds as text (same width until 2286): text order is time order.
    where load_id > (select coalesce(max(load_id), '') from {{ this }})
    {%- endif %}
),

{% for line_type, array in line_arrays.items() %}
{{ line_type }}_lines as (
    select
        source_relation,
        payroll_uuid,
        employee_uuid,
        '{{ line_type }}' as line_type,
        load_id,
        element
    from {{ json_array_rows('statements', "json_extract(lines_json, '$." ~ array ~ "')") }}
){% if not loop.last %},{% endif %}
{% endfor %}

, lines as (
    {% for line_type in line_arrays %}
    select * from {{ line_type }}_lines
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    source_relation,
    payroll_uuid,
    employee_uuid,
    line_type,
    {{ json_text('element', 'name') }} as line_name,
    cast({{ json_text('element', 'hours') }} as {{ dbt.type_numeric() }}) as hours,
    cast({{ json_text('element', 'amount') }} as {{ dbt.type_numeric() }}) as amount,
    cast({{ json_text('element', 'employer') }} as boolean) as is_employer_paid,
    {{ json_text('element', 'job_uuid') }} as job_uuid,
    load_id
from lines
