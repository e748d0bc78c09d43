"""The canonical rate: the shape of a row of `canonical.rate`.

Cost, bill and pay rates: one row per rate a system holds, effective-dated where the system keeps
history. cost: PSA user cost rate, ERP employee labour cost (current only); bill: PSA user
default, user assignment and project task rates (current only); compensation: HCM compensation
history and payroll compensations (effective-dated). Compensation data: marts never expose rows of
it.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord, Numeric

RateType = Literal["cost", "bill", "compensation"]
Scope = Literal["worker", "assignment", "project_task"]
SourceSystem = Literal["harvest", "netsuite", "bamboohr", "gusto"]


class Rate(CanonicalRecord):
    """One row of canonical.rate."""

    relation: ClassVar[str] = "canonical.rate"

    rate_id: str
    rate_type: RateType
    scope: Scope
    worker_id: str | None
    project_id: str | None
    task_id: str | None
    assignment_id: str | None
    amount: Numeric
    currency: str | None
    rate_unit: str
    valid_from: date | None
    valid_to: date | None
    is_current: bool | None
    source_system: SourceSystem
