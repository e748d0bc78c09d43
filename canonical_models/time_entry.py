"""The canonical time entry: the shape of a row of `canonical.time_entry`.

One row per PSA time entry that passed every record check (quarantine.checked_time_entries), at
its latest version: remote_updated_at is the entry's version (approved time posts to the ERP once
per version). Incremental: new, changed and deleted entries are rewritten; a deleted entry stays
with is_deleted = true. Notes are not carried.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord, Numeric

SourceSystem = Literal["harvest"]


class TimeEntry(CanonicalRecord):
    """One row of canonical.time_entry."""

    relation: ClassVar[str] = "canonical.time_entry"

    time_entry_id: str
    worker_id: str | None
    psa_user_id: str
    project_id: str
    psa_project_id: str
    task_id: str
    assignment_id: str | None
    spent_date: date
    hours: Numeric
    is_approved: bool
    is_billable: bool | None
    is_billed: bool | None
    is_locked: bool | None
    cost_rate: Numeric | None
    bill_rate: Numeric | None
    cost_amount: Numeric | None
    bill_amount: Numeric | None
    external_reference_id: str | None
    remote_created_at: datetime | None
    source_system: SourceSystem
    remote_updated_at: datetime
