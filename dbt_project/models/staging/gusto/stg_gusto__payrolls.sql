-- Pay runs.
select
    source_relation,
    coalesce(payroll_uuid, uuid) as remote_id,
    coalesce(payroll_uuid, uuid) as payroll_uuid,
    company_uuid,
    pay_schedule_uuid,
    cast(pay_period_start_date as date) as period_start_date,
    cast(pay_period_end_date as date) as period_end_date,
    cast(check_date as date) as check_date,
    processed as is_processed,
    cast(processed_date as date) as processed_date,
    off_cycle as is_off_cycle,
    final_termination_payroll as is_final_termination_payroll,
    {{ utc('payroll_deadline') }} as payroll_deadline,
    {{ utc('calculated_at') }} as calculated_at,
    {{ utc('created_at') }} as remote_created_at
from {{ source('gusto', 'payrolls') }}
