-- One row per processed pay run with no ERP GL journal (no line carries its pay run id): the
-- payroll journal to post, gross pay and employer taxes to expense, their sum to payroll
-- liabilities. The engine holds each row until a person approves its pay run
-- (`crosswalk approve-payroll`), so entity_id is the pay run's id, stable across builds.
-- The journal's externalId is `payroll-<pay run id>`, the firm's own convention, so a journal
-- posted by hand before crosswalk ran is found instead of duplicated.
with runs as (
    select * from {{ ref('pay_run') }}
    where is_processed and not is_deleted
),

posted as (
    select distinct pay_run_remote_id
    from {{ ref('stg_netsuite__transaction_lines') }}
    where pay_run_remote_id is not null and not is_deleted
),

-- Employer taxes are a pay run total only (no statement carries them).
totals as (
    select
        source_relation,
        coalesce(payroll_uuid, uuid) as remote_id,
        max(cast({{ json_text('totals', 'gross_pay') }} as {{ dbt.type_numeric() }})) as gross_pay,
        max(cast({{ json_text('totals', 'employer_taxes') }} as {{ dbt.type_numeric() }}))
            as employer_taxes
    from {{ source('gusto', 'payrolls') }}
    group by 1, 2
),

erp_instances as (
    select distinct source_relation as target_instance from {{ ref('stg_netsuite__jobs') }}
),

subsidiaries as (
    select c.payroll_source_relation, min(e.erp_subsidiary_id) as subsidiary_id
    from {{ ref('map_payroll_company') }} as c
    inner join {{ ref('map_legal_entity') }} as e on e.hcm_legal_entity = c.hcm_legal_entity
    group by c.payroll_source_relation
),

journals as (
    select
        i.target_instance,
        r.remote_id as entity_id,
        'payroll-' || r.remote_id as natural_key,
        {{ json_object_text([
            ('pay_run_id', 'r.remote_id'),
            ('subsidiary_id', 's.subsidiary_id'),
            ('posting_date', 'coalesce(r.check_date, r.period_end_date)'),
            ('period_start_date', 'r.period_start_date'),
            ('period_end_date', 'r.period_end_date'),
            ('gross_pay', 't.gross_pay'),
            ('employer_taxes', 't.employer_taxes'),
            ('salaries_account_id', var('payroll_salaries_account_id', 6000)),
            ('employer_tax_account_id', var('payroll_employer_tax_account_id', 6100)),
            ('liability_account_id', var('payroll_liability_account_id', 2200)),
        ]) }} as payload
    from runs as r
    cross join erp_instances as i
    left join totals as t on t.source_relation = r.source_relation and t.remote_id = r.remote_id
    left join subsidiaries as s on s.payroll_source_relation = r.source_relation
    where not exists (select 1 from posted as p where p.pay_run_remote_id = r.remote_id)
)

select
    {{ surrogate_key(["'post_payroll_journal'", 'target_instance', "'post'", 'entity_id',
                      'payload']) }} as delta_id,
    'post_payroll_journal' as flow,
    'netsuite' as target_system,
    target_instance,
    'post' as operation,
    'pay_run' as entity_type,
    entity_id,
    cast(null as {{ dbt.type_string() }}) as target_remote_id,
    natural_key,
    payload,
    {{ business_now() }} as observed_at
from journals
