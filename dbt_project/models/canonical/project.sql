-- One row per project: an ERP job (the ERP owns projects as accounting objects) joined to the PSA
-- project whose code equals the job's entity id (docs/drift-rules.md, "Identity"). A job not yet
-- in the PSA, or a PSA project with no job, keeps its row with the other side null; its system
-- of record is then the one system that has it. time_entry and assignment name projects by
-- project_id whichever side it came from.
with jobs as (
    select *, {{ canonical_id('netsuite') }} as erp_project_id
    from {{ ref('stg_netsuite__jobs') }}
    where not is_deleted
),

psa_projects as (
    select
        *,
        {{ canonical_id('harvest') }} as psa_project_id,
        {{ canonical_id('harvest', 'source_relation', remote_id('client_id')) }} as psa_client_id
    from {{ ref('stg_harvest__projects') }}
    where not is_deleted
),

-- Name matching can pair one PSA client with two customers of the same name: look each side up
-- once.
erp_clients as (
    select erp_customer_id, min(client_id) as client_id
    from {{ ref('client') }}
    where erp_customer_id is not null
    group by erp_customer_id
),

psa_clients as (
    select psa_client_id, min(client_id) as client_id
    from {{ ref('client') }}
    where psa_client_id is not null
    group by psa_client_id
),

legal_entities as (
    select legal_entity_id, erp_subsidiary_id from {{ ref('legal_entity') }}
)

select
    coalesce(j.erp_project_id, p.psa_project_id) as project_id,
    coalesce(j.project_code, p.project_code) as project_code,
    coalesce(j.project_name, p.name) as name,
    coalesce(erp_client.client_id, psa_client.client_id) as client_id,
    le.legal_entity_id,
    j.job_id as erp_job_id,
    j.status as erp_status,
    j.billing_type as erp_billing_type,
    -- What the drift rules call open: In Progress and not inactive.
    coalesce(j.is_open, false) as is_erp_open,
    p.psa_project_id,
    p.remote_id as psa_project_remote_id,
    p.is_active as psa_is_active,
    p.is_billable,
    p.is_fixed_fee,
    p.currency,
    coalesce(j.start_date, p.starts_on) as start_date,
    coalesce(j.end_date, p.ends_on) as end_date,
    case when j.remote_id is not null then 'netsuite' else 'harvest' end as source_system,
    coalesce(j.source_relation, p.source_relation) as source_relation,
    coalesce(j.remote_id, p.remote_id) as remote_id,
    case when j.remote_id is not null then j.remote_updated_at else p.remote_updated_at end
        as remote_updated_at,
    false as is_deleted
from jobs as j
full outer join psa_projects as p on p.project_code = j.project_code
left join erp_clients as erp_client on erp_client.erp_customer_id = j.customer_id
left join psa_clients as psa_client on psa_client.psa_client_id = p.psa_client_id
left join legal_entities as le on le.erp_subsidiary_id = j.subsidiary_id
