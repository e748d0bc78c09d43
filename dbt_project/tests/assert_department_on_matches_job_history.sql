-- It reads three models: dagster-dbt makes it a check of the one named here (canonical.employment,
-- which department_on() reads), not an observation of nothing.
{{ config(meta={'dagster': {'ref': {'name': 'employment'}}}) }}
-- department_on() answers "the department a worker had on date D" from the HCM's own job history.
-- For every job-history change of department, asks for the day before it took effect and the day
-- it did. A returned row is a worker and date where the macro disagrees with the job row then in
-- force (stg_bamboohr__job_info, read independently of canonical.employment).
with daily_jobs as (
    -- The job row in force at the end of each day: of two rows dated one day, the later record.
    select
        j.source_relation,
        j.employee_id,
        j.effective_date,
        j.department,
        row_number() over (
            partition by j.source_relation, j.employee_id, j.effective_date
            order by j.job_info_id desc
        ) as recency
    from {{ ref('stg_bamboohr__job_info') }} as j
    where not j.is_deleted
        -- History goes with a deleted employee.
        and exists (
            select 1
            from {{ ref('stg_bamboohr__employees') }} as e
            where e.source_relation = j.source_relation
                and e.employee_id = j.employee_id
                and not e.is_deleted
        )
),

jobs as (
    select
        source_relation,
        employee_id,
        effective_date,
        department,
        lag(department) over (
            partition by source_relation, employee_id order by effective_date
        ) as previous_department
    from daily_jobs
    where recency = 1
),

changes as (
    select
        {{ canonical_id('bamboohr', 'source_relation', remote_id('employee_id')) }} as worker_id,
        effective_date,
        department,
        previous_department
    from jobs
    where previous_department <> department
),

asked as (
    select
        worker_id,
        effective_date,
        previous_department as expected,
        {{ department_on('c.worker_id', dbt.dateadd('day', -1, 'c.effective_date')) }} as answered
    from changes as c
    union all
    select
        worker_id,
        effective_date,
        department,
        {{ department_on('c.worker_id', 'c.effective_date') }}
    from changes as c
)

select *
from asked
where answered is null or answered <> expected
