-- Headcount for BI: one row per month (the last `headcount_months` months up to the business
-- date), legal entity and department with anyone employed. headcount = workers employed at the
-- month's end (at the business date for the current month), their department from the HCM's
-- effective-dated job history; hires and terminations = HCM hire and termination dates in the
-- month. The legal entity is the worker's current one (the HCM keeps no history of it).
{%- set months = var('headcount_months', 24) %}
with months as (
    select
        cast(date_month as date) as month_start,
        case
            when cast({{ dbt.last_day('date_month', 'month') }} as date) < {{ business_today() }}
                then cast({{ dbt.last_day('date_month', 'month') }} as date)
            else {{ business_today() }}
        end as as_of_date
    from (
        {{ dbt.date_spine(
            'month',
            dbt.date_trunc('month', dbt.dateadd('month', -(months - 1), business_today())),
            dbt.dateadd('month', 1, business_today())
        ) }}
    ) as spine
),

workers as (
    select worker_id, legal_entity_code, department, hire_date, termination_date
    from {{ ref('worker') }}
),

employed as (
    select
        m.month_start,
        w.legal_entity_code,
        coalesce(e.department, w.department) as department,
        count(*) as headcount
    from months as m
    inner join {{ ref('employment') }} as e
        on e.valid_from <= m.as_of_date and (e.valid_to is null or e.valid_to > m.as_of_date)
    inner join workers as w on w.worker_id = e.worker_id
    where e.is_employed
        and (w.hire_date is null or w.hire_date <= m.as_of_date)
        and (w.termination_date is null or w.termination_date > m.as_of_date)
    group by m.month_start, w.legal_entity_code, coalesce(e.department, w.department)
),

moves as (
    select
        cast({{ dbt.date_trunc('month', 'hire_date') }} as date) as month_start,
        legal_entity_code,
        department,
        1 as hires,
        0 as terminations
    from workers
    where hire_date is not null
    union all
    select
        cast({{ dbt.date_trunc('month', 'termination_date') }} as date),
        legal_entity_code,
        department,
        0,
        1
    from workers
    where termination_date is not null
),

moves_per_month as (
    select
        month_start,
        legal_entity_code,
        department,
        cast(sum(hires) as {{ dbt.type_bigint() }}) as hires,
        cast(sum(terminations) as {{ dbt.type_bigint() }}) as terminations
    from moves
    where month_start in (select month_start from months)
    group by month_start, legal_entity_code, department
),

keys as (
    select month_start, legal_entity_code, department from employed
    union
    select month_start, legal_entity_code, department from moves_per_month
)

select
    {{ surrogate_key(['k.month_start', 'k.legal_entity_code', 'k.department']) }} as headcount_id,
    k.month_start,
    k.legal_entity_code,
    k.department,
    coalesce(e.headcount, 0) as headcount,
    coalesce(mv.hires, 0) as hires,
    coalesce(mv.terminations, 0) as terminations
from keys as k
left join employed as e
    on e.month_start = k.month_start
    and e.legal_entity_code is not distinct from k.legal_entity_code
    and e.department is not distinct from k.department
left join moves_per_month as mv
    on mv.month_start = k.month_start
    and mv.legal_entity_code is not distinct from k.legal_entity_code
    and mv.department is not distinct from k.department
