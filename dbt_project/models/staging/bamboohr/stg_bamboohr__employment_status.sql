-- Employment status history: hires, status changes and terminations from an effective date.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as employment_status_id,
    employee_id,
    date as effective_date,
    employment_status,
    employment_status = 'Terminated' as is_termination,
    termination_reason,
    {{ utc('employee_last_changed') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('bamboohr', 'employment_status') }}
