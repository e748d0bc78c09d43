-- An active, billable HCM worker that no PSA user / no ERP employee resolves to. An ERP employee
-- the write-back may not create yet (an externalId held back) waits for the HCM instance's
-- mapping (details.waits_for: not auto-fixable meanwhile).
{% for target in ['harvest', 'netsuite'] %}
select
    'worker' as entity_type,
    h.worker_entity_id as entity_id,
    'bamboohr,{{ target }}' as systems,
    {{ details_waiting_for(
        [('hire_date', 'h.hire_date')],
        'h.is_erp_create_held_back' if target == 'netsuite' else 'false',
        'hcm_instance',
    ) }} as details
from {{ ref('rec_hcm_workers') }} as h
where h.is_active and h.is_billable
    and not exists (
        select 1 from {{ ref('rec_resolved_records') }} as r
        where r.system = '{{ target }}' and r.worker_id = h.worker_id
    )
{% if not loop.last %}union all{% endif %}
{% endfor %}
