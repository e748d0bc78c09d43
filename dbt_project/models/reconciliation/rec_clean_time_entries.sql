{{ config(materialized='ephemeral') }}
-- Time entries the rules may judge: not deleted and not held back by a record check.
select *
from {{ ref('stg_harvest__time_entries') }}
where not is_deleted and quarantine_reason is null
