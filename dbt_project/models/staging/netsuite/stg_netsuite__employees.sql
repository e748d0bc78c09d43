-- ERP employees; externalId carries the HCM id (after its HCM instance's prefix, seed
-- map_hcm_instance) when crosswalk provisioned them.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as employee_id,
    entityid as entity_id,
    firstname as first_name,
    lastname as last_name,
    email,
    {{ email_key('email') }} as email_key,
    title,
    subsidiary as subsidiary_id,
    department as department_id,
    class as class_id,
    location as location_id,
    supervisor as supervisor_id,
    cast(laborcost as {{ dbt.type_numeric() }}) as labor_cost,
    hiredate as hire_date,
    releasedate as release_date,
    {{ utc('datecreated') }} as remote_created_at,
    externalid as external_id,
    not isinactive as is_active,
    {{ utc('lastmodifieddate') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('netsuite', 'employees') }}
