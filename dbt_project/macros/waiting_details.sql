{#- A finding's details (json_object_text of `pairs`), with `waits_for` = `reason` added while
    `condition` holds: the finding then waits for a person (a mapping, a settlement), not for the
    write-back, and drift_observations does not count it auto-fixable. With no pairs, null while
    it does not wait. -#}
{% macro details_waiting_for(pairs, condition, reason) -%}
    case
        when {{ condition }}
            then {{ json_object_text(pairs + [('waits_for', "'" ~ reason ~ "'")]) }}
        {%- if pairs %}
        else {{ json_object_text(pairs) }}
        {%- endif %}
    end
{%- endmacro %}
