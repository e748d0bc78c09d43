-- One pay statement per employee per pay run (Gusto's employee_compensations of a payroll).
select
    source_relation,
    payroll_uuid || ':' || employee_uuid as remote_id,
    payroll_uuid,
    employee_uuid,
    cast(check_date as date) as check_date,
    cast(gross_pay as {{ dbt.type_numeric() }}) as gross_pay,
    cast(net_pay as {{ dbt.type_numeric() }}) as net_pay,
    cast(check_amount as {{ dbt.type_numeric() }}) as check_amount,
    cast(regular_hours as {{ dbt.type_numeric() }}) as regular_hours,
    cast(hourly_hours as {{ dbt.type_numeric() }}) as hourly_hours,
    excluded as is_excluded,
    payment_method,
    lines_json,
    version,
    _dlt_load_id as load_id
from {{ source('gusto', 'payroll_employee_compensations') }}
