-- One row per target record to retire for a worker HCM no longer has active: each active PSA
-- user and ERP employee resolving to them (worker_status_mismatch with HCM inactive) is
-- deactivated, and each PSA (Forecast) booking that ends after their termination date
-- (booking_after_termination) is released: cut back to end on that date, or removed when it
-- starts after it. The delta id carries the record's observed version (docs/write-back.md §1).
with leavers as (
    select
        worker_id, hcm_employee_id, worker_entity_id, erp_external_id, email_key,
        termination_date
    from {{ ref('rec_hcm_workers') }}
    where not is_active
),

resolved as (
    select system, source_relation, remote_id, worker_id from {{ ref('rec_resolved_records') }}
),

psa_deactivations as (
    select
        'harvest' as target_system,
        u.source_relation as target_instance,
        'worker' as entity_type,
        l.worker_entity_id as entity_id,
        u.remote_id as target_remote_id,
        l.email_key as natural_key,
        u.remote_updated_at,
        {{ json_object_text([('termination_date', 'l.termination_date')]) }} as payload
    from leavers as l
    inner join resolved as r on r.worker_id = l.worker_id and r.system = 'harvest'
    inner join {{ ref('stg_harvest__users') }} as u
        on u.source_relation = r.source_relation and u.remote_id = r.remote_id
    where u.is_active
),

erp_deactivations as (
    select
        'netsuite' as target_system,
        n.source_relation as target_instance,
        'worker' as entity_type,
        l.worker_entity_id as entity_id,
        n.remote_id as target_remote_id,
        l.erp_external_id as natural_key,
        n.remote_updated_at,
        {{ json_object_text([('termination_date', 'l.termination_date')]) }} as payload
    from leavers as l
    inner join resolved as r on r.worker_id = l.worker_id and r.system = 'netsuite'
    inner join {{ ref('stg_netsuite__employees') }} as n
        on n.source_relation = r.source_relation and n.remote_id = r.remote_id
    where n.is_active
),

booking_releases as (
    select distinct
        'harvest' as target_system,
        b.source_relation as target_instance,
        'assignment' as entity_type,
        b.remote_id as entity_id,
        b.remote_id as target_remote_id,
        cast(null as {{ dbt.type_string() }}) as natural_key,
        b.remote_updated_at,
        {{ json_object_text([
            ('hcm_employee_id', 'l.hcm_employee_id'),
            ('released_after', 'l.termination_date'),
        ]) }} as payload
    from {{ ref('stg_harvest__forecast_assignments') }} as b
    inner join resolved as r
        on r.system = 'harvest' and r.source_relation = b.source_relation
        and r.remote_id = {{ remote_id('b.user_id') }}
    inner join leavers as l on l.worker_id = r.worker_id
    where not b.is_deleted and l.termination_date is not null
        and b.end_date > l.termination_date
),

deltas as (
    select * from psa_deactivations
    union all
    select * from erp_deactivations
    union all
    select * from booking_releases
)

select
    {{ surrogate_key([
        "'offboard_worker'", 'target_instance', "'deactivate'", 'entity_id', 'payload',
        'target_remote_id', 'remote_updated_at',
    ]) }} as delta_id,
    cast('offboard_worker' as {{ dbt.type_string() }}) as flow,
    cast(target_system as {{ dbt.type_string() }}) as target_system,
    cast(target_instance as {{ dbt.type_string() }}) as target_instance,
    cast('deactivate' as {{ dbt.type_string() }}) as operation,
    cast(entity_type as {{ dbt.type_string() }}) as entity_type,
    cast(entity_id as {{ dbt.type_string() }}) as entity_id,
    cast(target_remote_id as {{ dbt.type_string() }}) as target_remote_id,
    cast(natural_key as {{ dbt.type_string() }}) as natural_key,
    cast(payload as {{ dbt.type_string() }}) as payload,
    {{ business_now() }} as observed_at
from deltas
