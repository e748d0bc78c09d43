-- Project margin for BI: one row per project with logged time. Revenue = bill rate x billable
-- hours, cost = cost rate x hours, both from each time entry's own rates (the PSA's), over every
-- live entry whether approved or not (approved_* restricts to approved time). Amounts are in the
-- rates' currency (the project's for revenue, the worker's employer's for cost); projects of the
-- sandbox firm bill and cost in one currency. Aggregates only: no person's rate is exposed.
with entries as (
    select * from {{ ref('time_entry') }} where not is_deleted
),

per_project as (
    select
        project_id,
        count(*) as time_entries,
        count(distinct worker_id) as workers,
        sum(hours) as hours,
        sum(case when is_billable then hours else 0 end) as billable_hours,
        sum(case when is_approved then hours else 0 end) as approved_hours,
        sum(coalesce(bill_amount, 0)) as revenue,
        sum(coalesce(cost_amount, 0)) as cost,
        sum(case when is_approved then coalesce(bill_amount, 0) else 0 end) as approved_revenue,
        sum(case when is_approved then coalesce(cost_amount, 0) else 0 end) as approved_cost,
        -- Entries with no cost rate make cost look lower than it is.
        count(case when cost_rate is null then 1 end) as entries_without_cost_rate
    from entries
    group by project_id
)

select
    p.project_id,
    p.project_code,
    p.name as project_name,
    p.client_id,
    c.name as client_name,
    p.erp_status,
    p.psa_is_active,
    p.is_billable,
    p.currency,
    pp.time_entries,
    pp.workers,
    cast(pp.hours as {{ dbt.type_numeric() }}) as hours,
    cast(pp.billable_hours as {{ dbt.type_numeric() }}) as billable_hours,
    cast(pp.approved_hours as {{ dbt.type_numeric() }}) as approved_hours,
    cast(pp.revenue as {{ dbt.type_numeric() }}) as revenue,
    cast(pp.cost as {{ dbt.type_numeric() }}) as cost,
    cast(pp.revenue - pp.cost as {{ dbt.type_numeric() }}) as margin,
    cast(case when pp.revenue <> 0 then (pp.revenue - pp.cost) / pp.revenue end
        as {{ dbt.type_numeric() }}) as margin_ratio,
    cast(pp.approved_revenue as {{ dbt.type_numeric() }}) as approved_revenue,
    cast(pp.approved_cost as {{ dbt.type_numeric() }}) as approved_cost,
    pp.entries_without_cost_rate
from per_project as pp
inner join {{ ref('project') }} as p on p.project_id = pp.project_id
left join {{ ref('client') }} as c on c.client_id = p.client_id
