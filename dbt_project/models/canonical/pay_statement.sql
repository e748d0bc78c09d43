-- One row per pay statement: what one employee is paid in one pay run (Gusto's
-- employee_compensations of a payroll), with the HCM worker the payroll employee resolves to
-- (identity_map; null for an orphan). Compensation: marts expose it only in aggregate or masked.
-- Gusto versions every object but has no update timestamp: remote_version is the change marker.
with statements as (
    select * from {{ ref('stg_gusto__pay_statements') }}
),

employee_worker as (
    {{ record_worker('gusto') }}
)

select
    {{ canonical_id('gusto', 's.source_relation', 's.remote_id') }} as pay_statement_id,
    {{ canonical_id('gusto', 's.source_relation', 's.payroll_uuid') }} as pay_run_id,
    w.worker_id,
    {{ canonical_id('gusto', 's.source_relation', 's.employee_uuid') }} as payroll_employee_id,
    s.check_date,
    s.gross_pay,
    s.net_pay,
    s.check_amount,
    s.regular_hours,
    s.hourly_hours,
    s.is_excluded,
    s.payment_method,
    s.version as remote_version,
    'gusto' as source_system,
    s.source_relation,
    s.remote_id,
    cast(null as {{ dbt.type_timestamp() }}) as remote_updated_at,
    false as is_deleted
from statements as s
left join employee_worker as w
    on w.source_relation = s.source_relation and w.remote_id = s.employee_uuid
