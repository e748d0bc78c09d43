-- Hourly pay in a processed payroll differs from the worker's approved PSA hours in the period.
with paid as (
    select
        l.payroll_uuid,
        l.employee_uuid,
        l.source_relation,
        p.period_start_date,
        p.period_end_date,
        sum(l.hours) as paid_hours
    from {{ ref('stg_gusto__pay_lines') }} as l
    inner join {{ ref('stg_gusto__payrolls') }} as p on p.payroll_uuid = l.payroll_uuid
    where l.line_type = 'hourly' and p.is_processed
    group by l.payroll_uuid, l.employee_uuid, l.source_relation, p.period_start_date,
        p.period_end_date
),

compared as (
    select
        paid.payroll_uuid,
        paid.employee_uuid,
        paid.paid_hours,
        coalesce(sum(t.hours), 0) as approved_hours
    from paid
    inner join {{ ref('rec_resolved_records') }} as g
        on g.system = 'gusto' and g.source_relation = paid.source_relation
        and g.remote_id = paid.employee_uuid
    left join {{ ref('rec_resolved_records') }} as r
        on r.system = 'harvest' and r.worker_id = g.worker_id
    left join {{ ref('rec_clean_time_entries') }} as t
        on t.source_relation = r.source_relation and {{ remote_id('t.user_id') }} = r.remote_id
        and t.is_approved and t.spent_date between paid.period_start_date and paid.period_end_date
    group by paid.payroll_uuid, paid.employee_uuid, paid.paid_hours
)

select
    'pay_statement' as entity_type,
    payroll_uuid || ':' || employee_uuid as entity_id,
    'gusto,harvest' as systems,
    {{ json_object_text([('paid_hours', 'paid_hours'), ('approved_hours', 'approved_hours')]) }}
        as details
from compared
where abs(paid_hours - approved_hours) > {{ var('payroll_hours_tolerance') }}
