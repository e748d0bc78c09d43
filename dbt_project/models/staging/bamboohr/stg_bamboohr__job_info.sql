-- Job history rows: a worker's department, location, title and manager from an effective date.
-- The manager comes as an employee id or, from a tenant that shows names, as a name: that is
-- the employee it names in the same instance (first or preferred name, then last name) when
-- exactly one employee has it; else no manager.
with job_info as (
    select * from {{ source('bamboohr', 'job_info') }}
),

employee_names as (
    select source_relation, id, trim(first_name) || ' ' || trim(last_name) as name
    from {{ source('bamboohr', 'employees') }}
    union
    select source_relation, id, trim(preferred_name) || ' ' || trim(last_name) as name
    from {{ source('bamboohr', 'employees') }}
    where trim(preferred_name) <> ''
),

named_managers as (
    select source_relation, name, min(id) as employee_id
    from employee_names
    group by source_relation, name
    having count(distinct id) = 1
)

select
    j.source_relation,
    {{ remote_id('j.id') }} as remote_id,
    j.id as job_info_id,
    j.employee_id,
    j.date as effective_date,
    j.location,
    j.department,
    j.division,
    j.job_title,
    coalesce(j.reports_to, m.employee_id) as reports_to_employee_id,
    j.reports_to_name,
    {{ utc('j.employee_last_changed') }} as remote_updated_at,
    coalesce(j._deleted, false) as is_deleted
from job_info as j
left join named_managers as m
    on m.source_relation = j.source_relation and m.name = trim(j.reports_to_name)
