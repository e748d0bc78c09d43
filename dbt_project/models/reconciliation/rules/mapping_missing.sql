-- A code in use with no row in the firm's mappings (seeds): never a silent null downstream; and an
-- HCM instance whose workers' ERP externalIds are held back for want of a row (below).
{% set hcm_codes = [
    ('department', 'department', 'map_department', 'hcm_department'),
    ('legal_entity', 'legal_entity_code', 'map_legal_entity', 'hcm_legal_entity'),
    ('labor_category', 'labor_category_code', 'map_labor_category', 'hcm_labor_category'),
] %}
{% for entity_type, column, seed, seed_column in hcm_codes %}
select distinct
    '{{ entity_type }}' as entity_type,
    h.{{ column }} as entity_id,
    'bamboohr,netsuite' as systems,
    cast(null as {{ dbt.type_string() }}) as details
from {{ ref('rec_hcm_workers') }} as h
where h.is_active and h.{{ column }} is not null
    and not exists (select 1 from {{ ref(seed) }} as m where m.{{ seed_column }} = h.{{ column }})
union all
{% endfor %}
-- An HCM instance whose ERP externalIds are held back (hcm_erp_external_ids): with several HCM
-- instances, one with no row in seed map_hcm_instance (give it one: a prefix of its own, or an
-- empty one for the instance whose ERP employees carry bare HCM ids), or one whose prefix
-- another instance has too (details: its prefix).
select distinct
    'hcm_instance',
    source_relation,
    'bamboohr,netsuite',
    {{ json_object_text([('erp_external_id_prefix', 'erp_external_id_prefix')]) }}
from {{ ref('hcm_erp_external_ids') }}
where erp_external_id_prefix is null or is_erp_external_id_shared
union all
select distinct
    'task',
    t.name,
    'harvest,netsuite',
    cast(null as {{ dbt.type_string() }})
from {{ ref('stg_harvest__tasks') }} as t
where t.is_active and not t.is_deleted
    and not exists (select 1 from {{ ref('map_task') }} as m where m.psa_task = t.name)
