-- Billable workers HCM has active whom PSA or ERP does not know yet, for BI: one row per HCM
-- employee with an open `worker_not_provisioned` finding (reconciliation.drift_findings), the
-- systems it is missing from, how long (business now - first seen), and where its provisioning
-- stands in the write-back: the state of the newest `provision_worker` delta per target in the
-- outbox (pending, done, dead, quarantined, superseded; null when none was ever enqueued). A `done`
-- delta with the finding still open waits for the target's next ingestion. No names or emails.
with findings as (
    select
        entity_id,
        max(case when systems like '%harvest%' then 1 else 0 end) = 1 as is_missing_in_psa,
        max(case when systems like '%netsuite%' then 1 else 0 end) = 1 as is_missing_in_erp,
        min(first_seen_at) as first_seen_at
    from {{ ref('drift_findings') }}
    where rule = 'worker_not_provisioned' and status = 'open'
    group by entity_id
),

outbox as (
    {{ optional_source('ops', 'outbox', {
        'delta_id': dbt.type_string(),
        'flow': dbt.type_string(),
        'target_system': dbt.type_string(),
        'entity_id': dbt.type_string(),
        'state': dbt.type_string(),
        'enqueued_at': dbt.type_string(),
    }) }}
),

provisioning as (
    select
        entity_id,
        target_system,
        state,
        row_number() over (
            partition by entity_id, target_system order by enqueued_at desc, delta_id desc
        ) as recency
    from outbox
    where flow = 'provision_worker'
),

-- The finding names the worker as findings and deltas do (rec_hcm_workers.worker_entity_id).
workers as (
    select
        h.worker_entity_id,
        h.hcm_employee_id,
        w.worker_id,
        w.employee_number,
        w.department,
        w.legal_entity_code
    from {{ ref('rec_hcm_workers') }} as h
    inner join {{ ref('worker') }} as w on w.worker_id = h.worker_id
)

select
    f.entity_id as worker_entity_id,
    w.hcm_employee_id,
    w.worker_id,
    w.employee_number,
    w.department,
    w.legal_entity_code,
    f.is_missing_in_psa,
    f.is_missing_in_erp,
    psa.state as psa_push_state,
    erp.state as erp_push_state,
    cast(
        {{ dbt.datediff('f.first_seen_at', business_now(), 'hour') }} / 24.0
        as {{ dbt.type_numeric() }}
    ) as age_days,
    f.first_seen_at
from findings as f
left join workers as w on w.worker_entity_id = f.entity_id
left join provisioning as psa
    on psa.entity_id = f.entity_id and psa.target_system = 'harvest' and psa.recency = 1
left join provisioning as erp
    on erp.entity_id = f.entity_id and erp.target_system = 'netsuite' and erp.recency = 1
