-- An active worker whose active PSA / ERP record disagrees with HCM on an attribute HCM owns.
-- Department, legal entity and labor category compare only where the HCM code is mapped (an
-- unmapped code is a mapping_missing finding instead). The ERP ids the codes map to are the
-- golden record's (canonical.worker applies the firm's mapping seeds once for everyone).
with hcm as (
    select
        h.*,
        w.erp_department_id,
        w.erp_subsidiary_id,
        w.erp_class_id
    from {{ ref('rec_hcm_workers') }} as h
    inner join {{ ref('worker') }} as w on w.worker_id = h.worker_id
    where h.is_active
),

psa as (
    select distinct h.worker_entity_id
    from hcm as h
    inner join {{ ref('rec_resolved_records') }} as r
        on r.worker_id = h.worker_id and r.system = 'harvest'
    inner join {{ ref('stg_harvest__users') }} as u
        on u.source_relation = r.source_relation and u.remote_id = r.remote_id
    where u.is_active
        and (u.first_name is distinct from h.first_name or u.last_name is distinct from h.last_name)
),

erp as (
    select distinct h.worker_entity_id, h.is_erp_update_held_back
    from hcm as h
    inner join {{ ref('rec_resolved_records') }} as r
        on r.worker_id = h.worker_id and r.system = 'netsuite'
    inner join {{ ref('stg_netsuite__employees') }} as n
        on n.source_relation = r.source_relation and n.remote_id = r.remote_id
    left join {{ ref('stg_netsuite__employees') }} as boss
        on boss.source_relation = n.source_relation and boss.employee_id = n.supervisor_id
    where n.is_active and (
        n.first_name is distinct from h.first_name
        or n.last_name is distinct from h.last_name
        or n.email_key is distinct from h.email_key
        or (h.erp_department_id is not null and n.department_id is distinct from h.erp_department_id)
        or (h.erp_subsidiary_id is not null and n.subsidiary_id is distinct from h.erp_subsidiary_id)
        or (h.erp_class_id is not null and n.class_id is distinct from h.erp_class_id)
        -- The supervisor only where their ERP externalId is known (hcm_erp_external_ids).
        or (h.is_supervisor_known_in_erp
            and boss.external_id is distinct from h.supervisor_erp_external_id)
    )
)

select
    'worker' as entity_type, worker_entity_id as entity_id, 'bamboohr,harvest' as systems,
    cast(null as {{ dbt.type_string() }}) as details
from psa
union all
select
    'worker',
    worker_entity_id,
    'bamboohr,netsuite',
    -- The ERP update names the supervisor: not sent while their externalId is held back.
    {{ details_waiting_for([], 'is_erp_update_held_back', 'hcm_instance') }}
from erp
