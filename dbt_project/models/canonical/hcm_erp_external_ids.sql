{{ config(materialized='ephemeral') }}
-- The ERP externalId each HCM worker's employee carries, and their supervisor's: the HCM id after
-- the HCM instance's prefix (seed map_hcm_instance; an empty prefix: the bare id). One row per
-- HCM employee (not deleted). Null where the externalId cannot name this worker alone, so
-- nothing matches, creates or points at an ERP employee by it:
-- - the instance is not configured: several HCM instances and no row for this one (a second
--   BambooHR numbers its people from 1 too, so its bare ids would name the first company's
--   employees, and a prefix added later would orphan the employees created before it);
-- - another instance's worker would carry the same externalId (two instances with one prefix).
-- Both are mapping_missing findings (`hcm_instance`). With one HCM instance and no row, the
-- bare id (one company, nothing to collide with).
-- `worker_entity_id` names the worker in findings and deltas (their entity_id): the externalId,
-- one namespace for the firm's workers whatever instance they are in; where that is held back,
-- `<instance>:<HCM id>`, which no externalId can be (a prefix ends in `-`, an id has no `:`).
with employees as (
    select source_relation, remote_id, {{ remote_id('supervisor_employee_id') }} as supervisor_id
    from {{ ref('stg_bamboohr__employees') }}
    where not is_deleted
),

instances as (
    select distinct source_relation from employees
),

-- null: not configured.
instance_prefixes as (
    select
        i.source_relation,
        case
            when m.hcm_source_relation is not null then coalesce(m.erp_external_id_prefix, '')
            when (select count(*) from instances) = 1 then ''
        end as erp_external_id_prefix
    from instances as i
    left join {{ ref('map_hcm_instance') }} as m on m.hcm_source_relation = i.source_relation
),

candidates as (
    select
        e.source_relation,
        e.remote_id,
        e.supervisor_id,
        p.erp_external_id_prefix,
        p.erp_external_id_prefix || e.remote_id as erp_external_id,
        p.erp_external_id_prefix || e.supervisor_id as supervisor_erp_external_id
    from employees as e
    inner join instance_prefixes as p on p.source_relation = e.source_relation
),

shared as (
    {{ ids_of_several_instances('candidates', 'erp_external_id') }}
),

-- Null where the externalId is null (instance not configured).
flagged as (
    select
        *,
        erp_external_id in (select erp_external_id from shared) as is_shared,
        supervisor_erp_external_id in (select erp_external_id from shared) as is_supervisor_shared
    from candidates
)

select
    source_relation,
    remote_id as hcm_employee_id,
    erp_external_id_prefix,
    case when not is_shared then erp_external_id end as erp_external_id,
    coalesce(
        case when not is_shared then erp_external_id end, source_relation || ':' || remote_id
    ) as worker_entity_id,
    case when not is_supervisor_shared then supervisor_erp_external_id end
        as supervisor_erp_external_id,
    -- Whether the ERP supervisor HCM expects is known: none, or one their externalId names (not
    -- held back: the instance configured, and the id no other instance's).
    supervisor_id is null
    or coalesce(supervisor_erp_external_id is not null and not is_supervisor_shared, false)
        as is_supervisor_known_in_erp,
    coalesce(is_shared, false) as is_erp_external_id_shared
from flagged
