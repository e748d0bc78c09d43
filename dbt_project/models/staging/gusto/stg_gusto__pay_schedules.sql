-- Pay schedules (frequency and anchor pay date).
select
    source_relation,
    uuid as remote_id,
    uuid as pay_schedule_uuid,
    frequency,
    cast(anchor_pay_date as date) as anchor_pay_date,
    coalesce(custom_name, name) as name,
    active as is_active,
    version
from {{ source('gusto', 'pay_schedules') }}
