-- One row per PSA booking in force (it ends today or later) with no ERP resource allocation
-- (none carries the booking id as its externalId): the allocation that costs it. Needs the
-- booked worker's ERP employee and the project's ERP job; a booking missing either is left out
-- (its worker or project is another rule's finding: orphan, not provisioned, not in the ERP).
with bookings as (
    select * from {{ ref('assignment') }}
    where assignment_type = 'booking' and is_active and not is_deleted
        and erp_allocation_remote_id is null
),

erp_instances as (
    select distinct source_relation as target_instance from {{ ref('stg_netsuite__jobs') }}
),

erp_employees as (
    select
        worker_id,
        coalesce(min(case when is_active then remote_id end), min(remote_id)) as employee_id
    from {{ ref('identity_map') }}
    where system = 'netsuite' and worker_id is not null
    group by worker_id
),

allocations as (
    select
        i.target_instance,
        b.remote_id as entity_id,
        {{ json_object_text([
            ('booking_id', 'b.remote_id'),
            ('erp_employee_id', 'e.employee_id'),
            ('erp_job_id', 'p.erp_job_id'),
            ('start_date', 'b.start_date'),
            ('end_date', 'b.end_date'),
            ('hours_per_day', 'b.hours_per_day'),
        ]) }} as payload
    from bookings as b
    cross join erp_instances as i
    inner join erp_employees as e on e.worker_id = b.worker_id
    inner join {{ ref('project') }} as p on p.project_id = b.project_id
    where p.erp_job_id is not null
)

select
    {{ surrogate_key(["'confirm_assignment'", 'target_instance', "'create'", 'entity_id',
                      'payload']) }} as delta_id,
    'confirm_assignment' as flow,
    'netsuite' as target_system,
    target_instance,
    'create' as operation,
    'assignment' as entity_type,
    entity_id,
    cast(null as {{ dbt.type_string() }}) as target_remote_id,
    entity_id as natural_key,
    payload,
    {{ business_now() }} as observed_at
from allocations
