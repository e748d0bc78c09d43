"""The canonical leave: the shape of a row of `canonical.leave`.

One row per HCM time-off request that passed every record check
(quarantine.checked_time_off_requests), whatever its status; is_approved marks approved leave.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord, Numeric

Status = Literal["approved", "requested", "denied", "canceled", "superceded"]
SourceSystem = Literal["bamboohr"]


class Leave(CanonicalRecord):
    """One row of canonical.leave."""

    relation: ClassVar[str] = "canonical.leave"

    leave_id: str
    worker_id: str
    status: Status
    is_approved: bool
    leave_type: str | None
    start_date: date
    end_date: date
    amount: Numeric | None
    amount_unit: str | None
    requested_on: date | None
    status_changed_on: date | None
    source_system: SourceSystem
