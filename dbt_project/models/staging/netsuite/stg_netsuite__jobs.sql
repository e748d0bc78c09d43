-- Projects as accounting objects; the entity id is the project code the PSA shares.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as job_id,
    entityid as project_code,
    companyname as project_name,
    parent as customer_id,
    subsidiary as subsidiary_id,
    entitystatus as status,
    jobbillingtype as billing_type,
    startdate as start_date,
    projectedenddate as projected_end_date,
    enddate as end_date,
    entitystatus = 'In Progress' and not isinactive as is_open,
    {{ utc('datecreated') }} as remote_created_at,
    externalid as external_id,
    not isinactive as is_active,
    {{ utc('lastmodifieddate') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('netsuite', 'jobs') }}
