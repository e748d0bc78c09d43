-- An active project assignment of an active user on an active project, with no cost rate to cost
-- the time it will log.
select
    'user_assignment' as entity_type,
    a.remote_id as entity_id,
    'harvest' as systems,
    {{ json_object_text([('user_id', 'a.user_id'), ('project_id', 'a.project_id')]) }} as details
from {{ ref('stg_harvest__user_assignments') }} as a
inner join {{ ref('stg_harvest__users') }} as u
    on u.source_relation = a.source_relation and u.user_id = a.user_id
inner join {{ ref('stg_harvest__projects') }} as p
    on p.source_relation = a.source_relation and p.project_id = a.project_id
where a.is_active and u.is_active and p.is_active and u.cost_rate is null
    and not a.is_deleted and not u.is_deleted and not p.is_deleted
