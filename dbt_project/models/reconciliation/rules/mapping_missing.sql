-- A code in use with no row in the firm's mappings (seeds): never a silent null downstream.
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
-- An HCM instance whose workers' ERP externalIds another HCM instance's workers hold too: it
-- needs a prefix of its own in seed map_hcm_instance (its people's ids collide, as a second
-- BambooHR's do); until then those ids are held back (identity_map, sync.provision_worker).
select distinct
    'hcm_instance',
    h.source_relation,
    'bamboohr,netsuite',
    {{ json_object_text([('erp_external_id_prefix', "coalesce(m.erp_external_id_prefix, '')")]) }}
from {{ ref('rec_hcm_workers') }} as h
left join {{ ref('map_hcm_instance') }} as m on m.hcm_source_relation = h.source_relation
where h.erp_external_id in (
    {{ ids_of_several_instances(ref('rec_hcm_workers'), 'erp_external_id') }}
)
union all
select distinct
    'task',
    t.name,
    'harvest,netsuite',
    cast(null as {{ dbt.type_string() }})
from {{ ref('stg_harvest__tasks') }} as t
where t.is_active and not t.is_deleted
    and not exists (select 1 from {{ ref('map_task') }} as m where m.psa_task = t.name)
