{#- Rows of `model` for which `expression` (a SQL boolean over its columns) is not true: an
    arithmetic or ordering invariant that must hold on every row (null counts as a failure unless
    the expression handles it). -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce({{ expression }}, false)
{% endtest %}
