-- Terminations recorded in payroll.
select
    source_relation,
    uuid as remote_id,
    uuid as termination_uuid,
    employee_uuid,
    active as is_active,
    cast(effective_date as date) as effective_date,
    run_termination_payroll,
    version,
    coalesce(_deleted, false) as is_deleted
from {{ source('gusto', 'terminations') }}
