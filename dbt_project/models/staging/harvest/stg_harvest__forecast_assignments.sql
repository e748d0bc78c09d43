-- Forecast bookings: a person scheduled on a project between two dates.
select
    source_relation,
    {{ remote_id('id') }} as remote_id,
    id as booking_id,
    person_id as user_id,
    project_id,
    placeholder_id,
    cast(start_date as date) as start_date,
    cast(end_date as date) as end_date,
    -- Forecast allocates seconds per day.
    cast(allocation as {{ dbt.type_numeric() }}) / 3600 as hours_per_day,
    active_on_days_off,
    notes,
    {{ utc('updated_at') }} as remote_updated_at,
    coalesce(_deleted, false) as is_deleted
from {{ source('harvest', 'forecast_assignments') }}
