"""The canonical project: the shape of a row of `canonical.project`.

One row per project: an ERP job (projects are accounting objects the ERP owns) joined to the PSA
project whose code equals the job's entity id. A job not yet in PSA, or a PSA project with no job,
keeps its row with the other side null.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord

SourceSystem = Literal["netsuite", "harvest"]


class Project(CanonicalRecord):
    """One row of canonical.project."""

    relation: ClassVar[str] = "canonical.project"

    project_id: str
    project_code: str
    name: str | None
    client_id: str | None
    legal_entity_id: str | None
    erp_job_id: int | None
    erp_status: str | None
    erp_billing_type: str | None
    is_erp_open: bool
    psa_project_id: str | None
    psa_project_remote_id: str | None
    psa_is_active: bool | None
    is_billable: bool | None
    is_fixed_fee: bool | None
    currency: str | None
    start_date: date | None
    end_date: date | None
    source_system: SourceSystem
