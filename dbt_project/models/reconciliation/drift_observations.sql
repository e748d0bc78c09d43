-- Every disagreement standing in this build: one row per (rule, entity, systems), with the rule's
-- severity, owner and fix flow, and whether the write-back fixes it (the rule's auto_fixable, less
-- the findings that wait for a person). drift_findings keeps the history across builds.
{% set rules = [
    'worker_not_provisioned', 'worker_status_mismatch', 'worker_attribute_mismatch',
    'orphan_target_worker', 'booking_after_termination', 'booking_during_leave',
    'project_not_in_psa', 'project_status_mismatch', 'time_on_inactive_project',
    'assignment_missing_cost_rate', 'approved_time_not_posted', 'posting_amount_variance',
    'payroll_hours_variance', 'payroll_population_mismatch', 'mapping_missing',
    'duplicate_identity',
] %}
with observed as (
    {% for rule in rules %}
    select
        '{{ rule }}' as rule,
        entity_type,
        entity_id,
        systems,
        details
    from {{ ref(rule) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- A rule may reach one finding by two paths (e.g. a worker resolving twice): report it once.
deduplicated as (
    select rule, entity_type, entity_id, systems, min(details) as details
    from observed
    group by rule, entity_type, entity_id, systems
)

select
    {{ surrogate_key(['o.rule', 'o.entity_type', 'o.entity_id', 'o.systems']) }} as finding_id,
    o.rule,
    r.severity,
    o.entity_type,
    o.entity_id,
    o.systems,
    o.details,
    -- Not while the finding waits for a person: approved time nobody can cost, or a write the
    -- write-back holds back until a mapping is added (details.waits_for).
    r.auto_fixable
    and coalesce({{ json_text('o.details', 'costable') }}, 'true') <> 'false'
    and {{ json_text('o.details', 'waits_for') }} is null as auto_fixable,
    case
        -- A status mismatch offboards a worker HCM has let go, and updates one HCM has active.
        when o.rule = 'worker_status_mismatch' and o.details like '%"hcm_active":true%'
            then 'update_worker'
        else nullif(r.fix_flow, '')
    end as fix_flow,
    r.owner,
    {{ business_now() }} as observed_at
from deduplicated as o
inner join {{ ref('reconciliation_rules') }} as r on r.rule = o.rule
