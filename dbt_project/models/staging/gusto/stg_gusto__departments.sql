-- Payroll departments per company.
select
    source_relation,
    uuid as remote_id,
    uuid as department_uuid,
    company_uuid,
    title,
    version
from {{ source('gusto', 'departments') }}
