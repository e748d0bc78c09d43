-- Billing readiness for BI: one row per project with billable time not yet billed. ready = approved,
-- billable, unbilled time (can be invoiced now); pending = billable, unbilled time still awaiting
-- approval. Amounts at each entry's bill rate, in the project's currency.
with unbilled as (
    select *
    from {{ ref('time_entry') }}
    where not is_deleted and is_billable and not coalesce(is_billed, false)
),

per_project as (
    select
        project_id,
        count(case when is_approved then 1 end) as ready_entries,
        sum(case when is_approved then hours else 0 end) as ready_hours,
        sum(case when is_approved then coalesce(bill_amount, 0) else 0 end) as ready_amount,
        min(case when is_approved then spent_date end) as oldest_ready_date,
        sum(case when not is_approved then hours else 0 end) as pending_hours,
        sum(case when not is_approved then coalesce(bill_amount, 0) else 0 end) as pending_amount
    from unbilled
    group by project_id
)

select
    p.project_id,
    p.project_code,
    p.name as project_name,
    p.client_id,
    c.name as client_name,
    c.customer_code,
    p.erp_billing_type,
    p.currency,
    pp.ready_entries,
    cast(pp.ready_hours as {{ dbt.type_numeric() }}) as ready_hours,
    cast(pp.ready_amount as {{ dbt.type_numeric() }}) as ready_amount,
    pp.oldest_ready_date,
    cast(pp.pending_hours as {{ dbt.type_numeric() }}) as pending_hours,
    cast(pp.pending_amount as {{ dbt.type_numeric() }}) as pending_amount
from per_project as pp
inner join {{ ref('project') }} as p on p.project_id = pp.project_id
left join {{ ref('client') }} as c on c.client_id = p.client_id
