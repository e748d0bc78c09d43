-- One row per PSA user / ERP employee of an active HCM worker that must change to agree with HCM:
-- an active record whose HCM-owned attributes differ (worker_attribute_mismatch), or, when none
-- of the worker's records in a tenant is active (worker_status_mismatch with HCM active), the
-- newest of them, reactivated. The payload is the record's whole HCM-owned state, so a resend is
-- harmless; the delta id carries the record's observed version (docs/write-back.md §1).
with workers as (
    select
        h.worker_id,
        h.worker_entity_id,
        h.erp_external_id,
        h.first_name,
        h.last_name,
        h.email_key,
        h.supervisor_erp_external_id,
        h.is_supervisor_known_in_erp,
        h.is_erp_update_held_back,
        w.erp_department_id,
        w.erp_subsidiary_id,
        w.erp_class_id
    from {{ ref('rec_hcm_workers') }} as h
    inner join {{ ref('worker') }} as w on w.worker_id = h.worker_id
    where h.is_active
),

resolved as (
    select system, source_relation, remote_id, worker_id from {{ ref('rec_resolved_records') }}
),

psa_users as (
    select
        w.*,
        u.source_relation,
        u.remote_id,
        u.remote_updated_at,
        u.is_active as target_active,
        u.first_name is distinct from w.first_name
            or u.last_name is distinct from w.last_name as is_different,
        -- The record to reactivate when none is active: the newest.
        row_number() over (
            partition by w.worker_id, u.source_relation
            order by u.remote_updated_at desc, u.remote_id desc
        ) as recency,
        bool_or(u.is_active) over (partition by w.worker_id, u.source_relation) as any_active
    from workers as w
    inner join resolved as r on r.worker_id = w.worker_id and r.system = 'harvest'
    inner join {{ ref('stg_harvest__users') }} as u
        on u.source_relation = r.source_relation and u.remote_id = r.remote_id
),

erp_employees as (
    select
        w.*,
        n.source_relation,
        n.remote_id,
        n.remote_updated_at,
        n.is_active as target_active,
        (
            n.first_name is distinct from w.first_name
            or n.last_name is distinct from w.last_name
            or n.email_key is distinct from w.email_key
            or (w.erp_department_id is not null and n.department_id is distinct from w.erp_department_id)
            or (w.erp_subsidiary_id is not null and n.subsidiary_id is distinct from w.erp_subsidiary_id)
            or (w.erp_class_id is not null and n.class_id is distinct from w.erp_class_id)
            or (
                w.is_supervisor_known_in_erp
                and boss.external_id is distinct from w.supervisor_erp_external_id
            )
        ) as is_different,
        row_number() over (
            partition by w.worker_id, n.source_relation
            order by n.remote_updated_at desc, n.remote_id desc
        ) as recency,
        bool_or(n.is_active) over (partition by w.worker_id, n.source_relation) as any_active
    from workers as w
    inner join resolved as r on r.worker_id = w.worker_id and r.system = 'netsuite'
    inner join {{ ref('stg_netsuite__employees') }} as n
        on n.source_relation = r.source_relation and n.remote_id = r.remote_id
    left join {{ ref('stg_netsuite__employees') }} as boss
        on boss.source_relation = n.source_relation and boss.employee_id = n.supervisor_id
),

psa_updates as (
    select
        'harvest' as target_system,
        source_relation as target_instance,
        worker_entity_id as entity_id,
        remote_id as target_remote_id,
        email_key as natural_key,
        remote_updated_at,
        {{ json_object_text([
            ('first_name', 'first_name'),
            ('last_name', 'last_name'),
            ('is_active', 'true'),
        ]) }} as payload
    from psa_users
    where (target_active and is_different) or (not any_active and recency = 1)
),

-- Department, subsidiary and class only where HCM's code is mapped (else null: left as is);
-- the supervisor by their ERP externalId (their HCM id after the instance's prefix). None while
-- the supervisor's externalId is held back (hcm_erp_external_ids): the payload names the whole
-- HCM-owned state, and a null supervisor there would clear the ERP's.
erp_updates as (
    select
        'netsuite' as target_system,
        source_relation as target_instance,
        worker_entity_id as entity_id,
        remote_id as target_remote_id,
        erp_external_id as natural_key,
        remote_updated_at,
        {{ json_object_text([
            ('first_name', 'first_name'),
            ('last_name', 'last_name'),
            ('email', 'email_key'),
            ('subsidiary_id', 'erp_subsidiary_id'),
            ('department_id', 'erp_department_id'),
            ('class_id', 'erp_class_id'),
            ('supervisor_erp_external_id', 'supervisor_erp_external_id'),
            ('is_active', 'true'),
        ]) }} as payload
    from erp_employees
    where ((target_active and is_different) or (not any_active and recency = 1))
        and not is_erp_update_held_back
),

deltas as (
    select * from psa_updates
    union all
    select * from erp_updates
)

select
    {{ surrogate_key([
        "'update_worker'", 'target_instance', "'update'", 'entity_id', 'payload',
        'target_remote_id', 'remote_updated_at',
    ]) }} as delta_id,
    cast('update_worker' as {{ dbt.type_string() }}) as flow,
    cast(target_system as {{ dbt.type_string() }}) as target_system,
    cast(target_instance as {{ dbt.type_string() }}) as target_instance,
    cast('update' as {{ dbt.type_string() }}) as operation,
    cast('worker' as {{ dbt.type_string() }}) as entity_type,
    cast(entity_id as {{ dbt.type_string() }}) as entity_id,
    cast(target_remote_id as {{ dbt.type_string() }}) as target_remote_id,
    cast(natural_key as {{ dbt.type_string() }}) as natural_key,
    cast(payload as {{ dbt.type_string() }}) as payload,
    {{ business_now() }} as observed_at
from deltas
