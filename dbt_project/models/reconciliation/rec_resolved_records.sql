{{ config(materialized='ephemeral') }}
-- Target-system person records that resolve to an HCM worker (one row per record and worker).
select system, source_relation, remote_id, worker_id, hcm_employee_id, is_active
from {{ ref('identity_map') }}
where worker_id is not null and system <> 'bamboohr'
