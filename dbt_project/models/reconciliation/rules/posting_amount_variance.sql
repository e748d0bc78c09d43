-- The ERP lines posted for a time entry's current version do not sum to hours × cost rate.
select
    'time_entry' as entity_type,
    t.remote_id as entity_id,
    'harvest,netsuite' as systems,
    {{ json_object_text([('posted', 'sum(l.amount)'),
                         ('expected', 'round(t.hours * t.cost_rate, 2)')]) }} as details
from {{ ref('rec_clean_time_entries') }} as t
inner join {{ ref('stg_netsuite__transaction_lines') }} as l
    on l.time_entry_remote_id = t.remote_id and l.time_entry_version_at = t.remote_updated_at
where t.cost_rate is not null and not l.is_deleted
group by t.remote_id, t.hours, t.cost_rate
having abs(sum(l.amount) - round(t.hours * t.cost_rate, 2)) > {{ var('posting_amount_tolerance') }}
