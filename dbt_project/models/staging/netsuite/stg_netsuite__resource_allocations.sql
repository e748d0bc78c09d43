-- Resource allocations (staffing costed in the ERP).
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as resource_allocation_id,
    allocationresource as employee_id,
    project as job_id,
    startdate as start_date,
    enddate as end_date,
    cast(allocationamount as {{ dbt.type_numeric() }}) as allocation_amount,
    allocationunit as allocation_unit,
    {{ utc('datecreated') }} as remote_created_at,
    externalid as external_id,
    {{ utc('lastmodifieddate') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('netsuite', 'resource_allocations') }}
