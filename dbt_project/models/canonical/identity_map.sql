-- Which HCM worker each system's person record is (docs/drift-rules.md, "Identity"):
--   PSA user        -> the HCM worker with the same email key;
--   ERP employee    -> the HCM worker whose ERP externalId (hcm_erp_external_ids: the HCM id
--                      after its instance's prefix) is its externalId, else the same email key;
--   payroll employee-> the HCM worker whose employee number is its employee_code, else the same
--                      work (or personal) email key.
-- An HCM id or employee number is the firm's own only within one HCM instance (a second BambooHR
-- numbers its people from 1 too): an employee number that workers of two HCM instances hold
-- matches no one, nor does a worker whose externalId is held back (hcm_erp_external_ids); the
-- record falls back to its email.
-- One row per (record, worker it resolves to); a record that resolves to no worker has one row
-- with a null worker_id and match_rule 'unmatched' (an orphan). HCM workers map to themselves.
with hcm as (
    select
        {{ canonical_id('bamboohr', 'e.source_relation', 'e.remote_id') }} as worker_id,
        e.source_relation,
        e.remote_id as hcm_employee_id,
        e.employee_number,
        x.erp_external_id,
        e.email_key
    from {{ ref('stg_bamboohr__employees') }} as e
    inner join {{ ref('hcm_erp_external_ids') }} as x
        on x.source_relation = e.source_relation and x.hcm_employee_id = e.remote_id
    where not e.is_deleted
),

psa as (
    select u.source_relation, u.remote_id, u.is_active, h.worker_id, h.hcm_employee_id
    from {{ ref('stg_harvest__users') }} as u
    left join hcm as h on h.email_key = u.email_key
    where not u.is_deleted
),

erp_by_external_id as (
    select e.source_relation, e.remote_id, h.worker_id, h.hcm_employee_id
    from {{ ref('stg_netsuite__employees') }} as e
    inner join hcm as h on h.erp_external_id = e.external_id
    where not e.is_deleted
),

erp as (
    select
        e.source_relation,
        e.remote_id,
        e.is_active,
        coalesce(x.worker_id, m.worker_id) as worker_id,
        coalesce(x.hcm_employee_id, m.hcm_employee_id) as hcm_employee_id,
        case
            when x.worker_id is not null then 'external_id'
            when m.worker_id is not null then 'email'
            else 'unmatched'
        end as match_rule
    from {{ ref('stg_netsuite__employees') }} as e
    left join erp_by_external_id as x
        on x.source_relation = e.source_relation and x.remote_id = e.remote_id
    left join hcm as m on x.worker_id is null and m.email_key = e.email_key
    where not e.is_deleted
),

payroll_by_code as (
    select g.source_relation, g.remote_id, h.worker_id, h.hcm_employee_id
    from {{ ref('stg_gusto__employees') }} as g
    inner join hcm as h on h.employee_number = g.employee_code
    where not g.is_deleted
        and g.employee_code not in ({{ ids_of_several_instances('hcm', 'employee_number') }})
),

payroll as (
    select
        g.source_relation,
        g.remote_id,
        g.is_active,
        coalesce(c.worker_id, m.worker_id) as worker_id,
        coalesce(c.hcm_employee_id, m.hcm_employee_id) as hcm_employee_id,
        case
            when c.worker_id is not null then 'employee_code'
            when m.worker_id is not null then 'email'
            else 'unmatched'
        end as match_rule
    from {{ ref('stg_gusto__employees') }} as g
    left join payroll_by_code as c
        on c.source_relation = g.source_relation and c.remote_id = g.remote_id
    left join hcm as m on c.worker_id is null and m.email_key = g.email_key
    where not g.is_deleted
),

matched as (
    select
        worker_id, hcm_employee_id, 'bamboohr' as system, s.source_relation, s.remote_id,
        s.is_active, 'system_of_record' as match_rule
    from {{ ref('stg_bamboohr__employees') }} as s
    inner join hcm on hcm.source_relation = s.source_relation and hcm.hcm_employee_id = s.remote_id
    where not s.is_deleted
    union all
    select
        worker_id, hcm_employee_id, 'harvest', source_relation, remote_id, is_active,
        case when worker_id is null then 'unmatched' else 'email' end
    from psa
    union all
    select worker_id, hcm_employee_id, 'netsuite', source_relation, remote_id, is_active, match_rule
    from erp
    union all
    select worker_id, hcm_employee_id, 'gusto', source_relation, remote_id, is_active, match_rule
    from payroll
)

select
    {{ surrogate_key(['system', 'source_relation', 'remote_id', 'worker_id']) }} as identity_id,
    worker_id,
    hcm_employee_id,
    system,
    source_relation,
    remote_id,
    -- The canonical id of the system's record (what canonical_id('<system>') gives).
    {{ surrogate_key(['system', 'source_relation', 'remote_id']) }} as record_id,
    is_active,
    match_rule,
    -- Ids the firm controls (externalId, employee code) are certain; an email match is strong
    -- but can be wrong (a reused address); no match is no identity.
    case match_rule
        when 'system_of_record' then 1.0
        when 'external_id' then 1.0
        when 'employee_code' then 1.0
        when 'email' then 0.9
        else 0.0
    end as confidence
from matched
