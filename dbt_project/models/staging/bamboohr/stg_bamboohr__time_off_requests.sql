-- Leave requests (rows that failed validation at ingest are in the quarantine table instead).
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as time_off_request_id,
    employee_id,
    status,
    status = 'approved' as is_approved,
    "start" as start_date,
    "end" as end_date,
    type_id,
    type_name,
    amount_unit,
    amount,
    created as created_date,
    status_last_changed as status_changed_date,
    false as is_deleted
from {{ source('bamboohr', 'time_off_requests') }}
