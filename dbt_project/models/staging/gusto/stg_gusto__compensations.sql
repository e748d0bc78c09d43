-- Compensation history per job. Sensitive: marts never expose it.
select
    source_relation,
    uuid as remote_id,
    uuid as compensation_uuid,
    job_uuid,
    employee_uuid,
    cast(rate as {{ dbt.type_numeric() }}) as rate,
    payment_unit,
    flsa_status,
    cast(effective_date as date) as effective_date,
    title,
    version,
    coalesce(_deleted, false) as is_deleted
from {{ source('gusto', 'compensations') }}
