{#- `column_name` with source_relation is the record's key: both present, and unique together (ids of
    two tenants may collide). One test where three (two not_null and a uniqueness) would each cost
    a dbt node on every build; a failing row names what is wrong. -#}
{% test record_key(model, column_name) %}
select source_relation, {{ column_name }}, count(*) as n
from {{ model }}
group by source_relation, {{ column_name }}
having source_relation is null or {{ column_name }} is null or count(*) > 1
{% endtest %}
