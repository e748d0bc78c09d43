-- Exception aging for BI: open reconciliation findings (reconciliation.drift_findings) counted by
-- rule, owner, severity and age bucket, where age = business now - first_seen_at.
with open_findings as (
    select
        rule,
        owner,
        severity,
        first_seen_at,
        {{ dbt.datediff('first_seen_at', business_now(), 'hour') }} as age_hours
    from {{ ref('drift_findings') }}
    where status = 'open'
),

bucketed as (
    select
        *,
        case
            when age_hours < 24 then '0-1d'
            when age_hours < 72 then '1-3d'
            when age_hours < 168 then '3-7d'
            when age_hours < 720 then '7-30d'
            else '30d+'
        end as age_bucket,
        case
            when age_hours < 24 then 1
            when age_hours < 72 then 2
            when age_hours < 168 then 3
            when age_hours < 720 then 4
            else 5
        end as age_bucket_order
    from open_findings
)

select
    {{ surrogate_key(['rule', 'owner', 'severity', 'age_bucket']) }} as exception_aging_id,
    rule,
    owner,
    severity,
    age_bucket,
    age_bucket_order,
    count(*) as open_findings,
    min(first_seen_at) as oldest_first_seen_at,
    cast(max(age_hours) / 24.0 as {{ dbt.type_numeric() }}) as max_age_days
from bucketed
group by rule, owner, severity, age_bucket, age_bucket_order
