-- One row per HCM time-off request that passed every record check
-- (quarantine/checked_time_off_requests), whatever its status; `is_approved` marks the approved
-- ones (what booking_during_leave and capacity use). BambooHR has no update timestamp on a
-- request: remote_updated_at is the day its status last changed.
select
    {{ canonical_id('bamboohr') }} as leave_id,
    {{ canonical_id('bamboohr', 'source_relation', remote_id('employee_id')) }} as worker_id,
    status,
    is_approved,
    type_name as leave_type,
    start_date,
    end_date,
    cast(amount as {{ dbt.type_numeric() }}) as amount,
    amount_unit,
    created_date as requested_on,
    status_changed_date as status_changed_on,
    'bamboohr' as source_system,
    source_relation,
    remote_id,
    cast(status_changed_date as {{ dbt.type_timestamp() }}) as remote_updated_at,
    is_deleted
from {{ ref('checked_time_off_requests') }}
where reject_reason is null
