-- An active, billable HCM worker that no PSA user / no ERP employee resolves to. An ERP employee
-- the write-back may not create yet (an externalId held back) waits for the HCM instance's
-- mapping (details.waits_for: not auto-fixable meanwhile).
{% for target in ['harvest', 'netsuite'] %}
select
    'worker' as entity_type,
    h.worker_entity_id as entity_id,
    'bamboohr,{{ target }}' as systems,
    {% if target == 'netsuite' -%}
    case
        when h.is_erp_create_held_back
            then {{ json_object_text([
                ('hire_date', 'h.hire_date'), ('waits_for', "'hcm_instance'"),
            ]) }}
        else {{ json_object_text([('hire_date', 'h.hire_date')]) }}
    end as details
    {%- else -%}
    {{ json_object_text([('hire_date', 'h.hire_date')]) }} as details
    {%- endif %}
from {{ ref('rec_hcm_workers') }} as h
where h.is_active and h.is_billable
    and not exists (
        select 1 from {{ ref('rec_resolved_records') }} as r
        where r.system = '{{ target }}' and r.worker_id = h.worker_id
    )
{% if not loop.last %}union all{% endif %}
{% endfor %}
