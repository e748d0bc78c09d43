-- Payroll jobs (an employee's position, with its current compensation).
select
    source_relation,
    uuid as remote_id,
    uuid as job_uuid,
    employee_uuid,
    title,
    cast(hire_date as date) as hire_date,
    "primary" as is_primary,
    cast(rate as {{ dbt.type_numeric() }}) as rate,
    payment_unit,
    current_compensation_uuid,
    location_uuid,
    version,
    coalesce(_deleted, false) as is_deleted
from {{ source('gusto', 'jobs') }}
