-- A worker's employment over time: one row per (worker, date something changed), effective from
-- valid_from until the day before valid_to (null = still in force). BambooHR keeps this history
-- itself (job_info: department, location, title, manager; employment_status: hire, status,
-- termination), each row effective from its date; here both are merged so every row carries the
-- job and the status in force over its interval. Rows of one table dated the same day: the later
-- record (higher id) wins. "Department on date D": macro department_on().
with job_rows as (
    select * from {{ ref('stg_bamboohr__job_info') }} where not is_deleted
),

status_rows as (
    select * from {{ ref('stg_bamboohr__employment_status') }} where not is_deleted
),

workers as (
    select source_relation, employee_id, remote_id
    from {{ ref('stg_bamboohr__employees') }}
    where not is_deleted
),

change_dates as (
    select source_relation, employee_id, effective_date from job_rows
    union
    select source_relation, employee_id, effective_date from status_rows
),

intervals as (
    select
        source_relation,
        employee_id,
        effective_date as valid_from,
        lead(effective_date) over (
            partition by source_relation, employee_id order by effective_date
        ) as valid_to
    from change_dates
),

-- The job row in force on each change date: the latest on or before it.
job_at as (
    select
        i.source_relation,
        i.employee_id,
        i.valid_from,
        j.remote_id,
        j.department,
        j.location,
        j.job_title,
        j.reports_to_employee_id,
        j.remote_updated_at,
        row_number() over (
            partition by i.source_relation, i.employee_id, i.valid_from
            order by j.effective_date desc, j.job_info_id desc
        ) as recency
    from intervals as i
    inner join job_rows as j
        on j.source_relation = i.source_relation
        and j.employee_id = i.employee_id
        and j.effective_date <= i.valid_from
),

status_at as (
    select
        i.source_relation,
        i.employee_id,
        i.valid_from,
        s.remote_id,
        s.employment_status,
        s.termination_reason,
        s.remote_updated_at,
        row_number() over (
            partition by i.source_relation, i.employee_id, i.valid_from
            order by s.effective_date desc, s.employment_status_id desc
        ) as recency
    from intervals as i
    inner join status_rows as s
        on s.source_relation = i.source_relation
        and s.employee_id = i.employee_id
        and s.effective_date <= i.valid_from
),

department_map as (
    select hcm_department, erp_department_id, cost_center from {{ ref('map_department') }}
),

joined as (
    select
        i.source_relation,
        cast(i.employee_id as {{ dbt.type_string() }}) as hcm_employee_id,
        i.valid_from,
        i.valid_to,
        s.employment_status,
        s.termination_reason,
        j.department,
        j.location,
        j.job_title,
        mgr.remote_id as manager_remote_id,
        j.remote_id as job_info_remote_id,
        s.remote_id as employment_status_remote_id,
        case
            when j.remote_updated_at is null then s.remote_updated_at
            when s.remote_updated_at is null then j.remote_updated_at
            when j.remote_updated_at > s.remote_updated_at then j.remote_updated_at
            else s.remote_updated_at
        end as remote_updated_at
    from intervals as i
    -- Only employees HCM still has: history of a deleted employee goes with them.
    inner join workers as w
        on w.source_relation = i.source_relation and w.employee_id = i.employee_id
    left join job_at as j
        on j.source_relation = i.source_relation
        and j.employee_id = i.employee_id
        and j.valid_from = i.valid_from
        and j.recency = 1
    left join status_at as s
        on s.source_relation = i.source_relation
        and s.employee_id = i.employee_id
        and s.valid_from = i.valid_from
        and s.recency = 1
    left join workers as mgr
        on mgr.source_relation = i.source_relation and mgr.employee_id = j.reports_to_employee_id
)

select
    {{ canonical_id('bamboohr', 'source_relation', "hcm_employee_id || '@' || cast(valid_from as " ~ dbt.type_string() ~ ")") }}
        as employment_id,
    {{ canonical_id('bamboohr', 'source_relation', 'hcm_employee_id') }} as worker_id,
    valid_from,
    valid_to,
    -- In force on the business date (a future-dated change is not current yet).
    valid_from <= {{ business_today() }}
        and (valid_to is null or valid_to > {{ business_today() }}) as is_current,
    employment_status,
    -- No status row yet (a job row dated before the hire row) counts as employed.
    coalesce(employment_status <> 'Terminated', true) as is_employed,
    termination_reason,
    department,
    case
        when department is not null
            then {{ canonical_id('bamboohr', 'source_relation', 'department') }}
    end as org_unit_id,
    dm.erp_department_id,
    dm.cost_center as cost_center_code,
    location,
    job_title,
    case
        when manager_remote_id is not null
            then {{ canonical_id('bamboohr', 'source_relation', 'manager_remote_id') }}
    end as manager_worker_id,
    job_info_remote_id,
    employment_status_remote_id,
    'bamboohr' as source_system,
    source_relation,
    hcm_employee_id || '@' || cast(valid_from as {{ dbt.type_string() }}) as remote_id,
    remote_updated_at,
    false as is_deleted
from joined
left join department_map as dm on dm.hcm_department = joined.department
