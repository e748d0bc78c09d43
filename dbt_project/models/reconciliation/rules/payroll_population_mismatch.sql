-- Who a company's latest processed regular payroll paid, against who HCM says works there: paid
-- although terminated before the period, paid with no HCM worker, or active since before the
-- period and not paid.
with latest as (
    select p.*, c.hcm_legal_entity
    from {{ ref('stg_gusto__payrolls') }} as p
    inner join {{ ref('map_payroll_company') }} as c
        on c.payroll_source_relation = p.source_relation
    where p.is_processed and not p.is_off_cycle
        and p.period_end_date = (
            select max(q.period_end_date) from {{ ref('stg_gusto__payrolls') }} as q
            where q.company_uuid = p.company_uuid and q.is_processed and not q.is_off_cycle
        )
),

paid as (
    select s.source_relation, s.payroll_uuid, s.employee_uuid, p.period_start_date
    from latest as p
    inner join {{ ref('stg_gusto__pay_statements') }} as s on s.payroll_uuid = p.payroll_uuid
)

select distinct
    'worker' as entity_type,
    h.worker_entity_id as entity_id,
    'bamboohr,gusto' as systems,
    {{ json_object_text([('case', "'paid_not_active'")]) }} as details
from paid
inner join {{ ref('rec_resolved_records') }} as g
    on g.system = 'gusto' and g.source_relation = paid.source_relation
    and g.remote_id = paid.employee_uuid
inner join {{ ref('rec_hcm_workers') }} as h on h.worker_id = g.worker_id
where h.termination_date is not null and not h.is_active
    and h.termination_date < paid.period_start_date

union all

select
    'gusto_employee',
    paid.employee_uuid,
    'bamboohr,gusto',
    {{ json_object_text([('case', "'paid_no_hcm_worker'")]) }}
from paid
where not exists (
    select 1 from {{ ref('rec_resolved_records') }} as g
    where g.system = 'gusto' and g.source_relation = paid.source_relation
        and g.remote_id = paid.employee_uuid
)

union all

select
    'worker',
    h.worker_entity_id,
    'bamboohr,gusto',
    {{ json_object_text([('case', "'active_not_paid'")]) }}
from {{ ref('rec_hcm_workers') }} as h
inner join latest as p on p.hcm_legal_entity = h.legal_entity_code
where h.is_active and h.hire_date <= p.period_start_date
    and not exists (
        select 1
        from {{ ref('stg_gusto__pay_statements') }} as s
        inner join {{ ref('rec_resolved_records') }} as g
            on g.system = 'gusto' and g.source_relation = s.source_relation
            and g.remote_id = s.employee_uuid
        where s.payroll_uuid = p.payroll_uuid and g.worker_id = h.worker_id
    )
