{{ config(materialized='view') }}
-- HCM time-off requests with the verdict of dbt's record checks, one row per request. Ingest
-- already quarantined requests that end before they start or carry an unknown type
-- (raw_bamboohr.time_off_requests__quarantine); here a request must name an existing employee.
-- `reject_reason` null = the request may enter canonical.leave.
with requests as (
    select * from {{ ref('stg_bamboohr__time_off_requests') }} where not is_deleted
),

employees as (
    select source_relation, employee_id
    from {{ ref('stg_bamboohr__employees') }}
    where not is_deleted
)

select
    r.*,
    case
        when e.employee_id is null
            then 'unknown_employee: HCM employee ' || coalesce(cast(r.employee_id as {{ dbt.type_string() }}), 'null') || ' does not exist'
    end as reject_reason
from requests as r
left join employees as e
    on e.source_relation = r.source_relation and e.employee_id = r.employee_id
