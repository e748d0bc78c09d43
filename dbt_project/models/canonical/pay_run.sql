-- One row per payroll run of a payroll company (one Gusto instance per legal entity; seed
-- map_payroll_company names the HCM legal employer each pays). Gusto has no update timestamp on a
-- payroll: remote_updated_at is its last calculation (calculated_at).
with payrolls as (
    select * from {{ ref('stg_gusto__payrolls') }}
),

schedules as (
    select source_relation, pay_schedule_uuid, frequency from {{ ref('stg_gusto__pay_schedules') }}
),

company_map as (
    select payroll_source_relation, hcm_legal_entity from {{ ref('map_payroll_company') }}
),

legal_entities as (
    select legal_entity_id, legal_entity_code from {{ ref('legal_entity') }}
)

select
    {{ canonical_id('gusto', 'p.source_relation', 'p.remote_id') }} as pay_run_id,
    m.hcm_legal_entity as legal_entity_code,
    le.legal_entity_id,
    s.frequency as pay_frequency,
    p.period_start_date,
    p.period_end_date,
    p.check_date,
    p.is_processed,
    p.processed_date,
    p.is_off_cycle,
    p.is_final_termination_payroll,
    p.payroll_deadline,
    p.remote_created_at,
    'gusto' as source_system,
    p.source_relation,
    p.remote_id,
    p.calculated_at as remote_updated_at,
    false as is_deleted
from payrolls as p
left join schedules as s
    on s.source_relation = p.source_relation and s.pay_schedule_uuid = p.pay_schedule_uuid
left join company_map as m on m.payroll_source_relation = p.source_relation
left join legal_entities as le on le.legal_entity_code = m.hcm_legal_entity
