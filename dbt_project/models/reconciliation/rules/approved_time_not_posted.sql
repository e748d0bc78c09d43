-- Approved time (hours > 0) whose current version has no ERP journal line once the posting SLA
-- (06:00 UTC the day after the version's day) has passed.
select
    'time_entry' as entity_type,
    t.remote_id as entity_id,
    'harvest,netsuite' as systems,
    cast(null as {{ dbt.type_string() }}) as details
from {{ ref('rec_clean_time_entries') }} as t
where t.is_approved and t.hours > 0
    and {{ dbt.dateadd('hour', 24 + var('posting_sla_hours_after_midnight'),
                       'cast(cast(t.remote_updated_at as date) as ' ~ dbt.type_timestamp() ~ ')') }}
        <= {{ business_now() }}
    and not exists (
        select 1 from {{ ref('stg_netsuite__transaction_lines') }} as l
        where l.time_entry_remote_id = t.remote_id
            and l.time_entry_version_at = t.remote_updated_at
            and not l.is_deleted
    )
