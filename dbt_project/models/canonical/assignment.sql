-- Who is staffed on which project: one row per PSA user assignment (membership that lets a user
-- log time on a project; no dates) and per Forecast booking (a person scheduled on a project
-- between two dates, hours per day). assignment_type tells them apart; bookings come from the
-- Forecast API beside Harvest, whose person and project ids equal Harvest's, and have their own
-- id space (source_system 'forecast'). worker_id is the HCM worker the PSA user resolves to
-- (identity_map), null for an orphan user.
with user_assignments as (
    select * from {{ ref('stg_harvest__user_assignments') }} where not is_deleted
),

bookings as (
    select * from {{ ref('stg_harvest__forecast_assignments') }} where not is_deleted
),

user_worker as (
    {{ record_worker('harvest') }}
),

-- One project per PSA shell (two ERP jobs sharing a code would otherwise fan rows out).
projects as (
    select psa_project_id, min(project_id) as project_id
    from {{ ref('project') }}
    where psa_project_id is not null
    group by psa_project_id
),

-- ERP resource allocations carry the booking they cost as their externalId.
allocations as (
    select external_id, min(remote_id) as remote_id
    from {{ ref('stg_netsuite__resource_allocations') }}
    where not is_deleted and external_id is not null
    group by external_id
),

unioned as (
    select
        {{ canonical_id('harvest', 'a.source_relation', 'a.remote_id') }} as assignment_id,
        'user_assignment' as assignment_type,
        a.source_relation,
        {{ remote_id('a.user_id') }} as user_remote_id,
        {{ remote_id('a.project_id') }} as project_remote_id,
        cast(null as date) as start_date,
        cast(null as date) as end_date,
        cast(null as {{ dbt.type_numeric() }}) as hours_per_day,
        a.bill_rate,
        a.use_default_rates,
        a.is_project_manager,
        a.is_active,
        cast(null as {{ dbt.type_string() }}) as erp_allocation_remote_id,
        'harvest' as source_system,
        a.remote_id,
        a.remote_updated_at,
        a.is_deleted
    from user_assignments as a
    union all
    select
        {{ canonical_id('forecast', 'b.source_relation', 'b.remote_id') }},
        'booking',
        b.source_relation,
        {{ remote_id('b.user_id') }},
        {{ remote_id('b.project_id') }},
        b.start_date,
        b.end_date,
        cast(b.hours_per_day as {{ dbt.type_numeric() }}),
        cast(null as {{ dbt.type_numeric() }}),
        cast(null as boolean),
        cast(null as boolean),
        -- A booking is in force until its last day.
        b.end_date >= {{ business_today() }},
        al.remote_id,
        'forecast',
        b.remote_id,
        b.remote_updated_at,
        b.is_deleted
    from bookings as b
    left join allocations as al on al.external_id = b.remote_id
)

select
    u.assignment_id,
    u.assignment_type,
    w.worker_id,
    case
        when u.user_remote_id is not null
            then {{ canonical_id('harvest', 'u.source_relation', 'u.user_remote_id') }}
    end as psa_user_id,
    p.project_id,
    {{ canonical_id('harvest', 'u.source_relation', 'u.project_remote_id') }} as psa_project_id,
    u.start_date,
    u.end_date,
    u.hours_per_day,
    u.bill_rate,
    u.use_default_rates,
    u.is_project_manager,
    u.is_active,
    u.erp_allocation_remote_id,
    u.source_system,
    u.source_relation,
    u.remote_id,
    u.remote_updated_at,
    u.is_deleted
from unioned as u
left join user_worker as w
    on w.source_relation = u.source_relation and w.remote_id = u.user_remote_id
left join projects as p
    on p.psa_project_id = {{ canonical_id('harvest', 'u.source_relation', 'u.project_remote_id') }}
