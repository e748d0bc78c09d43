"""The canonical worker: the shape of a row of `canonical.worker`.

The golden record of a worker: one row per HCM employee (HCM owns who a person is), with HR's
codes mapped to the ERP's ids through the seeds. A code with no mapping leaves its erp_* id (and
the canonical id it leads to) null: reconciliation reports `mapping_missing`.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord

Status = Literal["Active", "Inactive"]
SourceSystem = Literal["bamboohr"]


class Worker(CanonicalRecord):
    """One row of canonical.worker."""

    relation: ClassVar[str] = "canonical.worker"

    worker_id: str
    employee_number: str | None
    first_name: str | None
    last_name: str | None
    preferred_name: str | None
    work_email: str | None
    email_key: str | None
    job_title: str | None
    status: Status | None
    is_active: bool
    is_billable: bool | None
    pay_type: str | None
    hire_date: date | None
    termination_date: date | None
    department: str | None
    org_unit_id: str | None
    cost_center_code: str | None
    cost_center_id: str | None
    erp_department_id: int | None
    legal_entity_code: str | None
    legal_entity_id: str | None
    erp_subsidiary_id: int | None
    labor_category_code: str | None
    erp_class_id: int | None
    location: str | None
    location_id: str | None
    manager_worker_id: str | None
    source_system: SourceSystem
