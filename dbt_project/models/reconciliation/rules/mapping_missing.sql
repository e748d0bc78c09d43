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
select distinct
    'task',
    t.name,
    'harvest,netsuite',
    cast(null as {{ dbt.type_string() }})
from {{ ref('stg_harvest__tasks') }} as t
where t.is_active and not t.is_deleted
    and not exists (select 1 from {{ ref('map_task') }} as m where m.psa_task = t.name)
