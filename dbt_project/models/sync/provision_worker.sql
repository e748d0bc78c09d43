-- One row per (active HCM worker, target tenant) where no record of that tenant is the worker:
-- create a PSA user and an ERP employee for active billable workers (the worker_not_provisioned
-- rule), and a payroll employee in the worker's payroll company when none resolves to them.
-- Identity is the rules' (canonical.identity_map), so a delta is gone once the created record is
-- ingested and resolves to the worker.
with workers as (
    select
        h.worker_id,
        h.hcm_employee_id,
        h.worker_entity_id,
        h.first_name,
        h.last_name,
        w.work_email,
        h.email_key,
        h.legal_entity_code,
        h.erp_external_id,
        h.supervisor_erp_external_id,
        h.is_erp_create_held_back,
        h.hire_date,
        h.is_billable,
        w.erp_department_id,
        w.erp_subsidiary_id,
        w.erp_class_id
    from {{ ref('rec_hcm_workers') }} as h
    inner join {{ ref('worker') }} as w on w.worker_id = h.worker_id
    where h.is_active
),

resolved as (
    select system, source_relation, worker_id from {{ ref('rec_resolved_records') }}
),

-- The tenants of each target (one per system today; each gets its own delta).
psa_tenants as (
    select distinct source_relation from {{ ref('stg_harvest__users') }}
),

erp_tenants as (
    select distinct source_relation from {{ ref('stg_netsuite__employees') }}
),

psa_creates as (
    select
        'harvest' as target_system,
        t.source_relation as target_instance,
        w.worker_entity_id as entity_id,
        w.email_key as natural_key,
        {{ json_object_text([
            ('first_name', 'w.first_name'),
            ('last_name', 'w.last_name'),
            ('email', 'w.email_key'),
        ]) }} as payload
    from workers as w
    cross join psa_tenants as t
    where w.is_billable
        and not exists (
            select 1 from resolved as r
            where r.system = 'harvest' and r.source_relation = t.source_relation
                and r.worker_id = w.worker_id
        )
),

-- By externalId (the HCM id after the instance's prefix), so the write is an upsert that a resend
-- cannot duplicate. None for a worker whose externalId, or whose supervisor's, is held back
-- (hcm_erp_external_ids: the instance not configured, or the id another instance's worker's
-- too), as the upsert could land on another person's ERP employee; worker_not_provisioned stays
-- open and the instance is a mapping_missing finding (docs/transformation.md).
erp_creates as (
    select
        'netsuite' as target_system,
        t.source_relation as target_instance,
        w.worker_entity_id as entity_id,
        w.erp_external_id as natural_key,
        {{ json_object_text([
            ('hcm_employee_id', 'w.hcm_employee_id'),
            ('erp_external_id', 'w.erp_external_id'),
            ('first_name', 'w.first_name'),
            ('last_name', 'w.last_name'),
            ('email', 'w.email_key'),
            ('subsidiary_id', 'w.erp_subsidiary_id'),
            ('department_id', 'w.erp_department_id'),
            ('class_id', 'w.erp_class_id'),
            ('supervisor_erp_external_id', 'w.supervisor_erp_external_id'),
            ('hire_date', 'w.hire_date'),
        ]) }} as payload
    from workers as w
    cross join erp_tenants as t
    where w.is_billable
        and not exists (
            select 1 from resolved as r
            where r.system = 'netsuite' and r.source_relation = t.source_relation
                and r.worker_id = w.worker_id
        )
        and not w.is_erp_create_held_back
),

-- The period start of each company's latest processed regular payroll: a worker hired on or
-- before it and not paid is payroll's business (payroll_population_mismatch), not a create.
latest_payroll_start as (
    select c.hcm_legal_entity, max(p.period_start_date) as period_start_date
    from {{ ref('stg_gusto__payrolls') }} as p
    inner join {{ ref('map_payroll_company') }} as c
        on c.payroll_source_relation = p.source_relation
    where p.is_processed and not p.is_off_cycle
    group by c.hcm_legal_entity
),

-- Payroll: the worker's own company (legal employer -> Gusto instance), created if absent for a
-- worker hired since that company's last processed payroll began: a new hire, whether or not
-- the PSA and ERP creates have landed yet (a payroll create that failed is proposed again).
-- Gusto takes no employee code on create: the work email is what resolves the new record.
payroll_creates as (
    select
        'gusto' as target_system,
        c.payroll_source_relation as target_instance,
        w.worker_entity_id as entity_id,
        w.email_key as natural_key,
        {{ json_object_text([
            ('first_name', 'w.first_name'),
            ('last_name', 'w.last_name'),
            ('work_email', 'w.email_key'),
        ]) }} as payload
    from workers as w
    inner join {{ ref('map_payroll_company') }} as c on c.hcm_legal_entity = w.legal_entity_code
    left join latest_payroll_start as l on l.hcm_legal_entity = w.legal_entity_code
    where w.is_billable
        and not exists (
            select 1 from resolved as r where r.system = 'gusto' and r.worker_id = w.worker_id
        )
        and (l.period_start_date is null or w.hire_date > l.period_start_date)
),

deltas as (
    select * from psa_creates
    union all
    select * from erp_creates
    union all
    select * from payroll_creates
)

select
    {{ surrogate_key([
        "'provision_worker'", 'target_instance', "'create'", 'entity_id', 'payload',
    ]) }} as delta_id,
    cast('provision_worker' as {{ dbt.type_string() }}) as flow,
    cast(target_system as {{ dbt.type_string() }}) as target_system,
    cast(target_instance as {{ dbt.type_string() }}) as target_instance,
    cast('create' as {{ dbt.type_string() }}) as operation,
    cast('worker' as {{ dbt.type_string() }}) as entity_type,
    cast(entity_id as {{ dbt.type_string() }}) as entity_id,
    cast(null as {{ dbt.type_string() }}) as target_remote_id,
    cast(natural_key as {{ dbt.type_string() }}) as natural_key,
    cast(payload as {{ dbt.type_string() }}) as payload,
    {{ business_now() }} as observed_at
from deltas
