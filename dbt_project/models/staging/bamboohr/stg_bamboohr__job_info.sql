-- Job history rows: a worker's department, location, title and manager from an effective date.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as job_info_id,
    employee_id,
    date as effective_date,
    location,
    department,
    division,
    job_title,
    reports_to as reports_to_employee_id,
    {{ utc('employee_last_changed') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('bamboohr', 'job_info') }}
