"""The fields of each Harvest raw table the canonical layer relies on, as pydantic models.

Rows that break them go to `<table>__quarantine` with the model's reason. The models check only
what canonical joins and sums need (keys, dates, hours), so a new vendor field never quarantines.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class _Row(BaseModel):
    id: int
    updated_at: datetime


class User(_Row):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_active: bool


class Client(_Row):
    name: str


class Project(_Row):
    name: str
    code: str | None = None
    client_id: int | None = None
    is_active: bool


class Task(_Row):
    name: str


class UserAssignment(_Row):
    project_id: int
    user_id: int
    is_active: bool


class TaskAssignment(_Row):
    project_id: int
    task_id: int
    is_active: bool


class TimeEntry(_Row):
    """A time entry: hours within a day, a real date, a user Harvest knows."""

    spent_date: date
    # A user Harvest no longer knows leaves the nested user null, hence no user_id.
    user_id: int = Field(description="unknown user when missing")
    hours: float = Field(ge=0, le=24)


class ForecastAssignment(BaseModel):
    id: int
    person_id: int | None = None
    project_id: int
    start_date: date
    end_date: date
    allocation: int | None = None
    updated_at: datetime


MODELS: dict[str, type[BaseModel]] = {
    "users": User,
    "clients": Client,
    "projects": Project,
    "tasks": Task,
    "user_assignments": UserAssignment,
    "task_assignments": TaskAssignment,
    "time_entries": TimeEntry,
    "forecast_assignments": ForecastAssignment,
}
