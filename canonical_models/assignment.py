"""The canonical assignment: the shape of a row of `canonical.assignment`.

Who is staffed on which project: one row per PSA user assignment (membership, no dates) and per
Forecast booking (dated, hours per day). Bookings come from the Forecast API beside Harvest
(source_system forecast, own id space).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord, Numeric

AssignmentType = Literal["user_assignment", "booking"]
SourceSystem = Literal["harvest", "forecast"]


class Assignment(CanonicalRecord):
    """One row of canonical.assignment."""

    relation: ClassVar[str] = "canonical.assignment"

    assignment_id: str
    assignment_type: AssignmentType
    worker_id: str | None
    psa_user_id: str | None
    project_id: str | None
    psa_project_id: str
    start_date: date | None
    end_date: date | None
    hours_per_day: Numeric | None
    bill_rate: Numeric | None
    use_default_rates: bool | None
    is_project_manager: bool | None
    is_active: bool | None
    erp_allocation_remote_id: str | None
    source_system: SourceSystem
