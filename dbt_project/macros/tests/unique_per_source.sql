{#- A remote id is unique within its source_relation (ids of two tenants may collide). -#}
{% test unique_per_source(model, column_name) %}
select source_relation, {{ column_name }}, count(*) as n
from {{ model }}
where {{ column_name }} is not null
group by source_relation, {{ column_name }}
having count(*) > 1
{% endtest %}
