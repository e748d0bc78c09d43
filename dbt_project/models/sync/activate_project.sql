-- One row per PSA project to create or to (de)activate so the PSA follows the ERP, which owns
-- projects (docs/drift-rules.md: project_not_in_psa, project_status_mismatch).
--   create     an open ERP job (In Progress, not inactive) no PSA project carries the code of,
--              or only projects with no active charge code (a create that stopped after the
--              project: the handler adopts it and adds what is missing): the project, its
--              charge codes (task assignments) and the user access of the people the ERP
--              allocates to it;
--   update     a PSA project that is inactive while its ERP job is open: reactivate;
--   deactivate a PSA project that is active while its ERP job is not open.
-- The PSA tenant is the firm's one Harvest account (every PSA tenant the warehouse holds).
with jobs as (
    select * from {{ ref('stg_netsuite__jobs') }} where not is_deleted
),

psa_projects as (
    select * from {{ ref('stg_harvest__projects') }} where not is_deleted
),

psa_instances as (
    select distinct source_relation as target_instance from psa_projects
),

-- Charge codes: the active PSA tasks mapped to a GL account, billable ones for a billable project
-- and non-billable ones for an internal one (the firm's convention).
charge_codes as (
    select
        t.source_relation,
        t.is_billable_by_default,
        {{ remote_id('t.remote_id') }} as task_remote_id
    from {{ ref('stg_harvest__tasks') }} as t
    inner join {{ ref('map_task') }} as m on m.psa_task = t.name
    where t.is_active and not t.is_deleted
),

-- User access: the PSA users of the workers the ERP allocates to the job.
allocated_users as (
    select distinct
        a.job_id,
        psa.source_relation,
        psa.remote_id as user_remote_id
    from {{ ref('stg_netsuite__resource_allocations') }} as a
    inner join {{ ref('identity_map') }} as erp
        on erp.system = 'netsuite' and erp.remote_id = {{ remote_id('a.employee_id') }}
    inner join {{ ref('identity_map') }} as psa
        on psa.system = 'harvest' and psa.worker_id = erp.worker_id and psa.is_active
    where not a.is_deleted and erp.worker_id is not null
),

psa_clients as (
    select erp_customer_id, min(psa_client_remote_id) as psa_client_remote_id
    from {{ ref('client') }}
    where erp_customer_id is not null
    group by erp_customer_id
),

to_create as (
    select
        i.target_instance,
        j.project_code,
        j.project_name,
        c.psa_client_remote_id,
        j.billing_type <> 'NB' as is_billable,
        j.billing_type = 'FF' as is_fixed_fee,
        j.start_date,
        j.end_date,
        -- Id lists as JSON array text (string_agg and a json cast read the same on DuckDB and
        -- Postgres); ids are digits, so they go in unquoted.
        '[' || coalesce((
            select string_agg(c.task_remote_id, ',' order by c.task_remote_id)
            from charge_codes as c
            where c.source_relation = i.target_instance
                and c.is_billable_by_default = (j.billing_type <> 'NB')
        ), '') || ']' as task_ids,
        '[' || coalesce((
            select string_agg(u.user_remote_id, ',' order by u.user_remote_id)
            from allocated_users as u
            where u.source_relation = i.target_instance and u.job_id = j.job_id
        ), '') || ']' as user_ids
    from jobs as j
    cross join psa_instances as i
    left join psa_clients as c on c.erp_customer_id = j.customer_id
    where j.is_open
        and not exists (
            select 1 from psa_projects as p
            -- The project's own charge codes: project ids are per PSA instance.
            inner join {{ ref('stg_harvest__task_assignments') }} as ta
                on ta.source_relation = p.source_relation and ta.project_id = p.project_id
                and ta.is_active and not ta.is_deleted
            where p.project_code = j.project_code
        )
),

creates as (
    select
        'create' as operation,
        n.target_instance,
        n.project_code as entity_id,
        cast(null as {{ dbt.type_string() }}) as target_remote_id,
        cast(null as {{ dbt.type_timestamp() }}) as target_version_at,
        n.project_code as natural_key,
        {{ json_object_text([
            ('project_code', 'n.project_code'),
            ('name', 'n.project_name'),
            ('psa_client_id', 'n.psa_client_remote_id'),
            ('is_active', 'true'),
            ('is_billable', 'n.is_billable'),
            ('is_fixed_fee', 'n.is_fixed_fee'),
            ('start_date', 'cast(n.start_date as ' ~ dbt.type_string() ~ ')'),
            ('end_date', 'cast(n.end_date as ' ~ dbt.type_string() ~ ')'),
            ('task_ids', 'cast(n.task_ids as json)'),
            ('user_ids', 'cast(n.user_ids as json)'),
        ]) }} as payload
    from to_create as n
),

-- One row per PSA project whose active flag disagrees with its ERP job (a code on two jobs
-- counts as open if either is).
status_changes as (
    select
        case when bool_or(j.is_open) then 'update' else 'deactivate' end as operation,
        p.source_relation as target_instance,
        p.project_code as entity_id,
        p.remote_id as target_remote_id,
        p.remote_updated_at as target_version_at,
        p.project_code as natural_key,
        {{ json_object_text([
            ('project_code', 'p.project_code'),
            ('is_active', 'bool_or(j.is_open)'),
        ]) }} as payload
    from psa_projects as p
    inner join jobs as j on j.project_code = p.project_code
    group by p.source_relation, p.project_code, p.remote_id, p.remote_updated_at, p.is_active
    having p.is_active <> bool_or(j.is_open)
),

deltas as (
    select * from creates
    union all
    select * from status_changes
)

select
    {{ surrogate_key(["'activate_project'", 'target_instance', 'operation', 'entity_id',
                      'payload', 'target_version_at']) }} as delta_id,
    'activate_project' as flow,
    'harvest' as target_system,
    target_instance,
    operation,
    'project' as entity_type,
    entity_id,
    cast(target_remote_id as {{ dbt.type_string() }}) as target_remote_id,
    natural_key,
    payload,
    {{ business_now() }} as observed_at
from deltas
