-- Company work locations.
select
    source_relation,
    uuid as remote_id,
    uuid as location_uuid,
    company_uuid,
    street_1,
    city,
    state,
    zip,
    country,
    coalesce(active, not inactive) as is_active,
    {{ utc('created_at') }} as remote_created_at,
    {{ utc('updated_at') }} as remote_updated_at,
    version
from {{ source('gusto', 'locations') }}
