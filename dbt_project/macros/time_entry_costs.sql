{#- Each row of `entries` (time entries of rec_clean_time_entries) with what its ERP labour line
    costs, as crosswalk posts it (sync.post_approved_time): `line_cost_rate` is the entry's PSA
    cost rate, else the labour cost of the ERP employee its worker has (an active one first, the
    rate NetSuite's own project costing uses); `gl_account_id` the labour account its task maps
    to (seed map_task). `is_costable`: both are known. An entry that is not waits for a person
    (a cost rate, a match, a mapping), not for the write-back: its line is refused, and its
    `approved_time_not_posted` finding is not auto-fixable. One definition for the rule and the
    flow, applied to the few entries each judges. -#}
{% macro costed_time_entries(entries) -%}
select
    t.*,
    pw.worker_id,
    e.employee_id as erp_employee_id,
    coalesce(t.cost_rate, e.labor_cost) as line_cost_rate,
    m.gl_account_id,
    coalesce(t.cost_rate, e.labor_cost) is not null and m.gl_account_id is not null as is_costable
from {{ entries }} as t
left join ({{ record_worker('harvest') }}) as pw
    on pw.source_relation = t.source_relation and pw.remote_id = {{ remote_id('t.user_id') }}
left join (
    select
        i.worker_id,
        i.remote_id as employee_id,
        n.labor_cost,
        row_number() over (
            partition by i.worker_id
            order by case when i.is_active then 0 else 1 end, i.remote_id
        ) as rank_in_worker
    from {{ ref('identity_map') }} as i
    left join {{ ref('stg_netsuite__employees') }} as n
        on n.source_relation = i.source_relation and n.remote_id = i.remote_id
    where i.system = 'netsuite' and i.worker_id is not null
) as e
    on e.worker_id = pw.worker_id and e.rank_in_worker = 1
left join {{ ref('map_task') }} as m on m.psa_task = t.task_name
{%- endmacro %}
