-- One row per PSA task (charge code), with the GL account its labour cost posts to (seed
-- map_task). A task with no mapping keeps null erp_account_id / gl_account_id: reconciliation
-- reports it as `mapping_missing`.
with tasks as (
    select * from {{ ref('stg_harvest__tasks') }} where not is_deleted
),

task_map as (
    select psa_task, gl_account_id as erp_account_id from {{ ref('map_task') }}
),

accounts as (
    select gl_account_id, erp_account_id from {{ ref('gl_account') }}
)

select
    {{ canonical_id('harvest', 't.source_relation', 't.remote_id') }} as task_id,
    t.name as charge_code,
    m.erp_account_id,
    a.gl_account_id,
    t.is_billable_by_default,
    t.is_default,
    t.is_active,
    'harvest' as source_system,
    t.source_relation,
    t.remote_id,
    t.remote_updated_at,
    t.is_deleted
from tasks as t
left join task_map as m on m.psa_task = t.name
left join accounts as a on a.erp_account_id = m.erp_account_id
