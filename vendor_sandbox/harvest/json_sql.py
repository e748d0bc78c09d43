"""Harvest objects as SQLite `json_object(...)` expressions, so rows are serialized in C.

Harvest's booleans are stored as 0/1; `iif(x, json('true'), json('false'))` turns them into JSON
booleans (SQLite hoists the two constants out of the row loop, so this costs one branch).
Nested objects (`user`, `client`, `project`, ...) come from LEFT JOINs and are null when the
referenced row is gone, so a dangling reference never hides a row that a count includes.
"""

from __future__ import annotations

from dataclasses import dataclass


def boolean(column: str) -> str:
    """A 0/1 column as a JSON boolean."""
    return f"iif({column}, json('true'), json('false'))"


def nested(alias: str, body: str) -> str:
    """A nested object, or null when the joined row does not exist."""
    return f"iif({alias}.id is null, null, json_object({body}))"


def user_name(alias: str) -> str:
    return f"{alias}.first_name || ' ' || {alias}.last_name"


USER = f"""json_object(
    'id', u.id, 'first_name', u.first_name, 'last_name', u.last_name, 'email', u.email,
    'telephone', u.telephone, 'timezone', u.timezone,
    'has_access_to_all_future_projects', {boolean("u.has_access_to_all_future_projects")},
    'is_contractor', {boolean("u.is_contractor")}, 'is_active', {boolean("u.is_active")},
    'weekly_capacity', u.weekly_capacity, 'default_hourly_rate', u.default_hourly_rate,
    'cost_rate', u.cost_rate, 'roles', json(u.roles), 'access_roles', json(u.access_roles),
    'avatar_url', 'https://cache.harvestapp.com/assets/profile_images/default.png',
    'created_at', u.created_at, 'updated_at', u.updated_at)"""

CLIENT = f"""json_object(
    'id', c.id, 'name', c.name, 'is_active', {boolean("c.is_active")}, 'address', c.address,
    'statement_key', c.statement_key, 'currency', c.currency,
    'created_at', c.created_at, 'updated_at', c.updated_at)"""

PROJECT = f"""json_object(
    'id', p.id,
    'client', {nested("c", "'id', c.id, 'name', c.name, 'currency', c.currency")},
    'name', p.name, 'code', p.code, 'is_active', {boolean("p.is_active")},
    'is_billable', {boolean("p.is_billable")}, 'is_fixed_fee', {boolean("p.is_fixed_fee")},
    'bill_by', p.bill_by, 'hourly_rate', p.hourly_rate, 'budget', p.budget,
    'budget_by', p.budget_by, 'budget_is_monthly', {boolean("p.budget_is_monthly")},
    'notify_when_over_budget', {boolean("p.notify_when_over_budget")},
    'over_budget_notification_percentage', p.over_budget_notification_percentage,
    'over_budget_notification_date', null,
    'show_budget_to_all', {boolean("p.show_budget_to_all")}, 'cost_budget', p.cost_budget,
    'cost_budget_include_expenses', {boolean("p.cost_budget_include_expenses")},
    'fee', p.fee, 'notes', p.notes, 'starts_on', p.starts_on, 'ends_on', p.ends_on,
    'created_at', p.created_at, 'updated_at', p.updated_at)"""

TASK = f"""json_object(
    'id', t.id, 'name', t.name, 'billable_by_default', {boolean("t.billable_by_default")},
    'default_hourly_rate', t.default_hourly_rate, 'is_default', {boolean("t.is_default")},
    'is_active', {boolean("t.is_active")},
    'created_at', t.created_at, 'updated_at', t.updated_at)"""

_UA_FIELDS = f"""'id', ua.id, 'is_project_manager', {boolean("ua.is_project_manager")},
    'is_active', {boolean("ua.is_active")}, 'use_default_rates', {boolean("ua.use_default_rates")},
    'budget', ua.budget, 'created_at', ua.created_at, 'updated_at', ua.updated_at,
    'hourly_rate', ua.hourly_rate"""

_TA_FIELDS = f"""'id', ta.id, 'billable', {boolean("ta.billable")},
    'is_active', {boolean("ta.is_active")}, 'created_at', ta.created_at,
    'updated_at', ta.updated_at, 'hourly_rate', ta.hourly_rate, 'budget', ta.budget"""

USER_ASSIGNMENT = f"""json_object({_UA_FIELDS},
    'project', {nested("p", "'id', p.id, 'name', p.name, 'code', p.code")},
    'user', {nested("u", f"'id', u.id, 'name', {user_name('u')}")})"""

TASK_ASSIGNMENT = f"""json_object({_TA_FIELDS},
    'project', {nested("p", "'id', p.id, 'name', p.name, 'code', p.code")},
    'task', {nested("t", "'id', t.id, 'name', t.name")})"""

# A time entry's own columns; list pages append the nested objects from `dims.py`'s cache.
_TIME_ENTRY_FIELDS = f"""'id', te.id, 'spent_date', te.spent_date,
    'hours', te.hours, 'hours_without_timer', te.hours, 'rounded_hours', te.rounded_hours,
    'notes', te.notes, 'created_at', te.created_at, 'updated_at', te.updated_at,
    'is_locked', {boolean("te.is_locked")}, 'locked_reason', te.locked_reason,
    'is_closed', {boolean("te.is_closed")}, 'is_billed', {boolean("te.is_billed")},
    'timer_started_at', te.timer_started_at, 'started_time', te.started_time,
    'ended_time', te.ended_time, 'is_running', {boolean("te.is_running")},
    'invoice', null, 'external_reference', json(te.external_reference),
    'billable', {boolean("te.billable")}, 'budgeted', {boolean("te.budgeted")},
    'billable_rate', te.billable_rate, 'cost_rate', te.cost_rate"""

TIME_ENTRY_SCALARS = f"json_object({_TIME_ENTRY_FIELDS})"

# The nested objects of a time entry, one fragment per referenced row (see dims.py).
TIME_ENTRY_USER = f"json_object('id', u.id, 'name', {user_name('u')})"
TIME_ENTRY_CLIENT = "json_object('id', c.id, 'name', c.name)"
TIME_ENTRY_PROJECT = "json_object('id', p.id, 'name', p.name)"
TIME_ENTRY_TASK = "json_object('id', t.id, 'name', t.name)"
TIME_ENTRY_USER_ASSIGNMENT = f"json_object({_UA_FIELDS})"
TIME_ENTRY_TASK_ASSIGNMENT = f"json_object({_TA_FIELDS})"

TIME_ENTRY = f"""json_object({_TIME_ENTRY_FIELDS},
    'user', iif(u.id is null, null, {TIME_ENTRY_USER}),
    'client', iif(c.id is null, null, {TIME_ENTRY_CLIENT}),
    'project', iif(p.id is null, null, {TIME_ENTRY_PROJECT}),
    'task', iif(t.id is null, null, {TIME_ENTRY_TASK}),
    'user_assignment', iif(ua.id is null, null, {TIME_ENTRY_USER_ASSIGNMENT}),
    'task_assignment', iif(ta.id is null, null, {TIME_ENTRY_TASK_ASSIGNMENT}))"""


@dataclass(frozen=True)
class Resource:
    """How one Harvest resource is read: its table, joins, JSON and default order."""

    key: str  # the envelope key and URL segment, e.g. "users"
    table: str  # "<table> <alias>"
    alias: str
    json: str
    joins: str = ""  # the LEFT JOINs the JSON needs
    # Sort columns of the alias, all descending; the last is the unique tie-breaker.
    order: tuple[str, ...] = ("created_at", "id")


USERS = Resource("users", "harvest_users u", "u", USER)
CLIENTS = Resource("clients", "harvest_clients c", "c", CLIENT)
PROJECTS = Resource(
    "projects",
    "harvest_projects p",
    "p",
    PROJECT,
    joins="left join harvest_clients c on c.id = p.client_id",
)
TASKS = Resource("tasks", "harvest_tasks t", "t", TASK)
USER_ASSIGNMENTS = Resource(
    "user_assignments",
    "harvest_user_assignments ua",
    "ua",
    USER_ASSIGNMENT,
    joins="""left join harvest_projects p on p.id = ua.project_id
    left join harvest_users u on u.id = ua.user_id""",
)
TASK_ASSIGNMENTS = Resource(
    "task_assignments",
    "harvest_task_assignments ta",
    "ta",
    TASK_ASSIGNMENT,
    joins="""left join harvest_projects p on p.id = ta.project_id
    left join harvest_tasks t on t.id = ta.task_id""",
)
# Harvest sorts time entries by spent_date (newest first); id breaks ties.
TIME_ENTRIES = Resource(
    "time_entries",
    "harvest_time_entries te",
    "te",
    TIME_ENTRY,
    joins="""left join harvest_users u on u.id = te.user_id
    left join harvest_clients c on c.id = te.client_id
    left join harvest_projects p on p.id = te.project_id
    left join harvest_tasks t on t.id = te.task_id
    left join harvest_user_assignments ua on ua.id = te.user_assignment_id
    left join harvest_task_assignments ta on ta.id = te.task_assignment_id""",
    order=("spent_date", "id"),
)
