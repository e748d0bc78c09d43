-- One row per account of the ERP's chart of accounts.
select
    {{ canonical_id('netsuite') }} as gl_account_id,
    account_id as erp_account_id,
    account_number,
    account_name as name,
    account_type,
    is_active,
    'netsuite' as source_system,
    source_relation,
    remote_id,
    remote_updated_at,
    is_deleted
from {{ ref('stg_netsuite__accounts') }}
where not is_deleted
