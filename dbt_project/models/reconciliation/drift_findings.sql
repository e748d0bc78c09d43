{{ config(
    materialized='incremental',
    unique_key='finding_id',
    incremental_strategy='delete+insert',
    full_refresh=false,
) }}
-- Every finding crosswalk has seen (ARCHITECTURE §6, contract): open while its rule still holds,
-- resolved once it no longer does. It is incremental and never fully refreshed, because it is the
-- only record of when a finding was first seen: a finding keeps `first_seen_at` across builds
-- (exception aging = now - first_seen_at), gets `resolved_at` when it disappears, and reopens
-- with a new `first_seen_at` if it comes back.
with observed as (
    select * from {{ ref('drift_observations') }}
)

{% if is_incremental() %}
, previous as (
    select * from {{ this }}
)

select
    coalesce(o.finding_id, p.finding_id) as finding_id,
    coalesce(o.rule, p.rule) as rule,
    coalesce(o.severity, p.severity) as severity,
    coalesce(o.entity_type, p.entity_type) as entity_type,
    coalesce(o.entity_id, p.entity_id) as entity_id,
    coalesce(o.systems, p.systems) as systems,
    -- What the rule says now (a null details included), else what it said last.
    case when o.finding_id is not null then o.details else p.details end as details,
    case
        when o.finding_id is null then p.first_seen_at
        when p.status = 'open' then p.first_seen_at
        else o.observed_at
    end as first_seen_at,
    coalesce(o.observed_at, p.last_seen_at) as last_seen_at,
    case
        when o.finding_id is not null then cast(null as {{ dbt.type_timestamp() }})
        when p.status = 'open' then {{ business_now() }}
        else p.resolved_at
    end as resolved_at,
    case when o.finding_id is not null then 'open' else 'resolved' end as status,
    coalesce(o.auto_fixable, p.auto_fixable) as auto_fixable,
    coalesce(o.fix_flow, p.fix_flow) as fix_flow,
    coalesce(o.owner, p.owner) as owner
from observed as o
full outer join previous as p on p.finding_id = o.finding_id
-- Rows that change: everything observed now, and findings open until now.
where o.finding_id is not null or p.status = 'open'

{% else %}

select
    finding_id,
    rule,
    severity,
    entity_type,
    entity_id,
    systems,
    details,
    observed_at as first_seen_at,
    observed_at as last_seen_at,
    cast(null as {{ dbt.type_timestamp() }}) as resolved_at,
    'open' as status,
    auto_fixable,
    fix_flow,
    owner
from observed

{% endif %}
