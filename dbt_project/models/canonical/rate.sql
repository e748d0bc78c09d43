-- Cost, bill and pay rates, one row per rate a system holds, effective-dated where the system
-- keeps history:
--   cost          PSA user cost rate (harvest), ERP employee labour cost (netsuite): current only
--   bill          PSA user default rate, user-assignment rate (when it overrides the defaults),
--                 project task rate (harvest): current only
--   compensation  HCM compensation history (bamboohr) and payroll job compensations (gusto):
--                 effective-dated, valid_from until the day before valid_to
-- Current-only rates have null valid_from (in force since an unknown date) and null valid_to.
-- Compensation: marts never expose rows of this model, only aggregates of cost.
-- rate_unit is lower-case (hour, day, week, month, quarter, year, paycheck, pay period).
with workers as (
    select worker_id, legal_entity_id from {{ ref('worker') }}
),

legal_entities as (
    select legal_entity_id, erp_subsidiary_id, legal_entity_code, currency
    from {{ ref('legal_entity') }}
),

psa_worker as (
    {{ record_worker('harvest') }}
),

erp_worker as (
    {{ record_worker('netsuite') }}
),

payroll_worker as (
    {{ record_worker('gusto') }}
),

-- One project per PSA shell (two ERP jobs sharing a code would otherwise fan rows out).
projects as (
    select psa_project_id, min(project_id) as project_id, min(currency) as currency
    from {{ ref('project') }}
    where psa_project_id is not null
    group by psa_project_id
),

users as (
    select * from {{ ref('stg_harvest__users') }} where not is_deleted
),

psa_user_rates as (
    select
        'cost' as rate_type,
        u.source_relation,
        'users/' || u.remote_id || '/cost_rate' as remote_id,
        pw.worker_id,
        u.cost_rate as amount,
        u.remote_updated_at
    from users as u
    left join psa_worker as pw on pw.source_relation = u.source_relation and pw.remote_id = u.remote_id
    where u.cost_rate is not null
    union all
    select
        'bill',
        u.source_relation,
        'users/' || u.remote_id || '/default_hourly_rate',
        pw.worker_id,
        u.default_bill_rate,
        u.remote_updated_at
    from users as u
    left join psa_worker as pw on pw.source_relation = u.source_relation and pw.remote_id = u.remote_id
    where u.default_bill_rate is not null
),

harvest_rates as (
    select
        r.rate_type,
        'worker' as scope,
        r.worker_id,
        cast(null as {{ dbt.type_string() }}) as project_id,
        cast(null as {{ dbt.type_string() }}) as task_id,
        cast(null as {{ dbt.type_string() }}) as assignment_id,
        r.amount,
        -- A worker's cost is in their employer's currency; a default bill rate has none.
        case when r.rate_type = 'cost' then le.currency end as currency,
        'hour' as rate_unit,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to,
        'harvest' as source_system,
        r.source_relation,
        r.remote_id,
        r.remote_updated_at
    from psa_user_rates as r
    left join workers as w on w.worker_id = r.worker_id
    left join legal_entities as le on le.legal_entity_id = w.legal_entity_id
    union all
    select
        'bill',
        'assignment',
        pw.worker_id,
        p.project_id,
        null,
        {{ canonical_id('harvest', 'a.source_relation', 'a.remote_id') }},
        a.bill_rate,
        p.currency,
        'hour',
        null,
        null,
        'harvest',
        a.source_relation,
        'user_assignments/' || a.remote_id || '/hourly_rate',
        a.remote_updated_at
    from {{ ref('stg_harvest__user_assignments') }} as a
    left join psa_worker as pw
        on pw.source_relation = a.source_relation and pw.remote_id = {{ remote_id('a.user_id') }}
    left join projects as p
        on p.psa_project_id = {{ canonical_id('harvest', 'a.source_relation', remote_id('a.project_id')) }}
    where not a.is_deleted and a.bill_rate is not null and not coalesce(a.use_default_rates, false)
    union all
    select
        'bill',
        'project_task',
        null,
        p.project_id,
        {{ canonical_id('harvest', 't.source_relation', remote_id('t.task_id')) }},
        null,
        t.bill_rate,
        p.currency,
        'hour',
        null,
        null,
        'harvest',
        t.source_relation,
        'task_assignments/' || t.remote_id || '/hourly_rate',
        t.remote_updated_at
    from {{ ref('stg_harvest__task_assignments') }} as t
    left join projects as p
        on p.psa_project_id = {{ canonical_id('harvest', 't.source_relation', remote_id('t.project_id')) }}
    where not t.is_deleted and t.bill_rate is not null
),

netsuite_rates as (
    select
        'cost' as rate_type,
        'worker' as scope,
        ew.worker_id,
        cast(null as {{ dbt.type_string() }}) as project_id,
        cast(null as {{ dbt.type_string() }}) as task_id,
        cast(null as {{ dbt.type_string() }}) as assignment_id,
        e.labor_cost as amount,
        le.currency,
        'hour' as rate_unit,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to,
        'netsuite' as source_system,
        e.source_relation,
        'employees/' || e.remote_id || '/laborcost' as remote_id,
        e.remote_updated_at
    from {{ ref('stg_netsuite__employees') }} as e
    left join erp_worker as ew on ew.source_relation = e.source_relation and ew.remote_id = e.remote_id
    left join legal_entities as le on le.erp_subsidiary_id = e.subsidiary_id
    where not e.is_deleted and e.labor_cost is not null
),

hcm_compensation as (
    select
        c.*,
        lead(c.effective_date) over (
            partition by c.source_relation, c.employee_id
            order by c.effective_date, c.compensation_id
        ) as next_effective_date
    from {{ ref('stg_bamboohr__compensation') }} as c
    where not c.is_deleted
),

payroll_compensation as (
    select
        c.*,
        lead(c.effective_date) over (
            partition by c.source_relation, c.job_uuid order by c.effective_date, c.remote_id
        ) as next_effective_date
    from {{ ref('stg_gusto__compensations') }} as c
    where not c.is_deleted
),

compensation_rates as (
    select
        'compensation' as rate_type,
        'worker' as scope,
        {{ canonical_id('bamboohr', 'c.source_relation', remote_id('c.employee_id')) }} as worker_id,
        cast(null as {{ dbt.type_string() }}) as project_id,
        cast(null as {{ dbt.type_string() }}) as task_id,
        cast(null as {{ dbt.type_string() }}) as assignment_id,
        c.rate_amount as amount,
        c.currency,
        lower(c.paid_per) as rate_unit,
        c.effective_date as valid_from,
        c.next_effective_date as valid_to,
        'bamboohr' as source_system,
        c.source_relation,
        'compensation/' || c.remote_id as remote_id,
        c.remote_updated_at
    from hcm_compensation as c
    inner join workers as w
        on w.worker_id = {{ canonical_id('bamboohr', 'c.source_relation', remote_id('c.employee_id')) }}
    union all
    select
        'compensation',
        'worker',
        gw.worker_id,
        null,
        null,
        null,
        c.rate,
        le.currency,
        lower(c.payment_unit),
        c.effective_date,
        c.next_effective_date,
        'gusto',
        c.source_relation,
        'compensations/' || c.remote_id,
        cast(null as {{ dbt.type_timestamp() }})
    from payroll_compensation as c
    left join payroll_worker as gw
        on gw.source_relation = c.source_relation and gw.remote_id = c.employee_uuid
    left join {{ ref('map_payroll_company') }} as pc on pc.payroll_source_relation = c.source_relation
    left join legal_entities as le on le.legal_entity_code = pc.hcm_legal_entity
),

rates as (
    select * from harvest_rates
    union all
    select * from netsuite_rates
    union all
    select * from compensation_rates
)

select
    {{ surrogate_key(['source_system', 'source_relation', 'remote_id']) }} as rate_id,
    rate_type,
    scope,
    worker_id,
    project_id,
    task_id,
    assignment_id,
    amount,
    currency,
    rate_unit,
    valid_from,
    valid_to,
    -- In force on the business date; a current-only rate is in force.
    (valid_from is null or valid_from <= {{ business_today() }})
        and (valid_to is null or valid_to > {{ business_today() }}) as is_current,
    source_system,
    source_relation,
    remote_id,
    remote_updated_at,
    false as is_deleted
from rates
