-- The worker's HCM status differs from "any of their records in the target is active". An ERP
-- employee to reactivate waits while the worker's supervisor's externalId is held back (the
-- update names the supervisor; details.waits_for).
select
    'worker' as entity_type,
    h.worker_entity_id as entity_id,
    'bamboohr,' || r.system as systems,
    {{ details_waiting_for(
        [('hcm_active', 'h.is_active'), ('target_active', 'bool_or(r.is_active)')],
        "r.system = 'netsuite' and h.is_active and h.is_erp_update_held_back",
        'hcm_instance',
    ) }} as details
from {{ ref('rec_hcm_workers') }} as h
inner join {{ ref('rec_resolved_records') }} as r on r.worker_id = h.worker_id
where r.system in ('harvest', 'netsuite')
group by h.worker_id, h.worker_entity_id, h.is_active, h.is_erp_update_held_back, r.system
having h.is_active <> bool_or(r.is_active)
