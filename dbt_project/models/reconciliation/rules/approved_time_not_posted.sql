-- Approved time (hours > 0) whose current version has no ERP journal line once the posting SLA
-- (06:00 UTC the day after the version's day) has passed. details.costable: whether its line can
-- be costed (macros/time_entry_costs.sql); one that cannot, or whose id another PSA instance holds
-- (details.waits_for), is not auto-fixable (drift_observations) and not posted.
with due as (
    select t.*
    from {{ ref('rec_clean_time_entries') }} as t
    -- A left join kept where no live line matches, not NOT EXISTS: DuckDB turns that subquery
    -- into a delimited join that first collects every entry's keys (`large`: 3.8 s against 2.1 s).
    left join {{ ref('stg_netsuite__transaction_lines') }} as l
        on l.time_entry_remote_id = t.remote_id
        and l.time_entry_version_at = t.remote_updated_at
        and not l.is_deleted
    where t.is_approved and t.hours > 0
        and {{ posting_due_at('t.remote_updated_at') }} <= {{ business_now() }}
        and l.time_entry_remote_id is null
),

-- An id another PSA instance's entry holds too: the ERP's line names an entry by that id alone,
-- so the entry is not posted (sync.post_approved_time) and waits for a person (waits_for).
namesakes as (
    select source_relation, remote_id
    from {{ ref('rec_clean_time_entries') }}
    where remote_id in (select remote_id from due)
),

shared as (
    {{ ids_of_several_instances('namesakes', 'remote_id') }}
)

select
    'time_entry' as entity_type,
    remote_id as entity_id,
    'harvest,netsuite' as systems,
    {{ details_waiting_for(
        [('costable', 'is_costable')], 'remote_id in (select remote_id from shared)', 'psa_instance'
    ) }} as details
from ({{ costed_time_entries('due') }}) as costed
