{{ config(materialized='ephemeral') }}
-- Time entries the rules may judge: live, and passed by every record check (a quarantined entry is
-- never reconciled: docs/drift-rules.md).
select *
from {{ ref('checked_time_entries') }}
where reject_reason is null
