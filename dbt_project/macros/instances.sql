{#- The values of `column` in `relation` (a ref or a CTE with a `source_relation` column) that
    records of two or more instances of one vendor hold: a select of one column, no nulls. Such
    a vendor id, reaching another system without its instance (an ERP externalId, a labour
    line's time entry id), names either record there, so it is held back, not guessed
    (docs/decisions.md, "An id two instances of a vendor hold is held back, not guessed"). -#}
{% macro ids_of_several_instances(relation, column) -%}
    select {{ column }}
    from {{ relation }}
    where {{ column }} is not null
    group by {{ column }}
    having count(distinct source_relation) > 1
{%- endmacro %}
