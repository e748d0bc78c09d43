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
-- Compared in double precision: a tolerance comparison needs no exact decimals, and 128-bit
-- decimal arithmetic over every posted entry costs seconds.
having abs(cast(sum(l.amount) as double precision)
           - round(cast(t.hours as double precision) * cast(t.cost_rate as double precision), 2))
    > {{ var('posting_amount_tolerance') }}
