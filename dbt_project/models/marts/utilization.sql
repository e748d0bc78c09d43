-- Utilization for BI: one row per worker and week (weeks start on Monday) over the last
-- `utilization_weeks` weeks up to the business date, for every HCM worker with a PSA user and a
-- weekly capacity, in the weeks they were employed. billable hours / capacity; a week without
-- time is 0, not missing. No names, no rates: worker_id joins to canonical.worker where a reader
-- may see who it is.
{%- set weeks = var('utilization_weeks', 13) %}
with weeks as (
    {{ dbt.date_spine(
        'week',
        dbt.date_trunc('week', dbt.dateadd('week', -(weeks - 1), business_today())),
        dbt.dateadd('week', 1, business_today())
    ) }}
),

capacity as (
    -- A worker with several PSA users (a duplicate) counts the larger capacity once.
    select
        i.worker_id,
        max(u.weekly_capacity_seconds) / 3600.0 as capacity_hours
    from {{ ref('identity_map') }} as i
    inner join {{ ref('stg_harvest__users') }} as u
        on u.source_relation = i.source_relation and u.remote_id = i.remote_id
    where i.system = 'harvest' and i.worker_id is not null and not u.is_deleted
    group by i.worker_id
),

workers as (
    select w.worker_id, w.employee_number, w.department, w.legal_entity_code, w.hire_date,
        w.termination_date, c.capacity_hours
    from {{ ref('worker') }} as w
    inner join capacity as c on c.worker_id = w.worker_id
    where c.capacity_hours > 0
),

worker_weeks as (
    select
        w.*,
        cast(wk.date_week as date) as week_start
    from workers as w
    cross join weeks as wk
    where (w.hire_date is null or w.hire_date <= cast({{ dbt.dateadd('day', 6, 'wk.date_week') }} as date))
        and (w.termination_date is null or w.termination_date >= cast(wk.date_week as date))
),

time_per_week as (
    select
        worker_id,
        cast({{ dbt.date_trunc('week', 'spent_date') }} as date) as week_start,
        sum(hours) as hours_logged,
        sum(case when is_billable then hours else 0 end) as billable_hours,
        sum(case when is_approved then hours else 0 end) as approved_hours
    from {{ ref('time_entry') }}
    where not is_deleted and worker_id is not null
    group by worker_id, cast({{ dbt.date_trunc('week', 'spent_date') }} as date)
)

select
    {{ surrogate_key(['ww.worker_id', 'ww.week_start']) }} as utilization_id,
    ww.worker_id,
    ww.week_start,
    ww.employee_number,
    ww.department,
    ww.legal_entity_code,
    cast(ww.capacity_hours as {{ dbt.type_numeric() }}) as capacity_hours,
    cast(coalesce(t.hours_logged, 0) as {{ dbt.type_numeric() }}) as hours_logged,
    cast(coalesce(t.billable_hours, 0) as {{ dbt.type_numeric() }}) as billable_hours,
    cast(coalesce(t.approved_hours, 0) as {{ dbt.type_numeric() }}) as approved_hours,
    cast(coalesce(t.billable_hours, 0) / ww.capacity_hours as {{ dbt.type_numeric() }})
        as utilization
from worker_weeks as ww
left join time_per_week as t on t.worker_id = ww.worker_id and t.week_start = ww.week_start
