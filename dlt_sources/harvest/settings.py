"""Harvest API v2 and Forecast endpoints, page sizes and delete-sweep schedule."""

from __future__ import annotations

# Harvest's largest page (a larger per_page is a 422); fewer pages means fewer requests against
# the 100 requests / 15 s limit.
PER_PAGE = 2000

USER_AGENT = "crosswalk (ops@example.com)"

# Raw table -> Harvest list endpoint (also the envelope key of its answer).
HARVEST_ENDPOINTS: dict[str, str] = {
    "users": "users",
    "clients": "clients",
    "projects": "projects",
    "tasks": "tasks",
    "user_assignments": "user_assignments",
    "task_assignments": "task_assignments",
    "time_entries": "time_entries",
}

# Forecast's bookings list: not paginated, no updated_since filter.
FORECAST_ASSIGNMENTS = "assignments"

# Time entries are the one table too big to list in full on every run; their delete sweep runs
# when this many days have passed since the last one (or when the caller forces it).
TIME_ENTRIES_SWEEP_EVERY_DAYS = 7

# The Arrow columns of a time entry row (flattened), in table order.
TIME_ENTRY_COLUMNS: tuple[str, ...] = (
    "id",
    "spent_date",
    "user_id",
    "user_name",
    "client_id",
    "project_id",
    "project_code",
    "task_id",
    "task_name",
    "user_assignment_id",
    "task_assignment_id",
    "external_reference_id",
    "hours",
    "rounded_hours",
    "notes",
    "is_locked",
    "locked_reason",
    "is_closed",
    "is_billed",
    "billable",
    "billable_rate",
    "cost_rate",
    "created_at",
    "updated_at",
)
