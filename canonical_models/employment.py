"""The canonical employment: the shape of a row of `canonical.employment`.

A worker's employment over time: one row per worker and date something changed, in force from
valid_from until the day before valid_to. Merged from the HCM's own effective-dated history
(job_info: department, location, title, manager; employment_status: hire, status, termination).
Macros employment_on() and department_on() read it.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord

SourceSystem = Literal["bamboohr"]


class Employment(CanonicalRecord):
    """One row of canonical.employment."""

    relation: ClassVar[str] = "canonical.employment"

    employment_id: str
    worker_id: str
    valid_from: date
    valid_to: date | None
    is_current: bool | None
    employment_status: str | None
    is_employed: bool
    termination_reason: str | None
    department: str | None
    org_unit_id: str | None
    erp_department_id: int | None
    cost_center_code: str | None
    location: str | None
    job_title: str | None
    manager_worker_id: str | None
    job_info_remote_id: str | None
    employment_status_remote_id: str | None
    source_system: SourceSystem
