"""The canonical cost center: the shape of a row of `canonical.cost_center`.

One row per cost center: an ERP department, with its cost center code and the HCM department
mapped to it (seed map_department).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord

SourceSystem = Literal["netsuite"]


class CostCenter(CanonicalRecord):
    """One row of canonical.cost_center."""

    relation: ClassVar[str] = "canonical.cost_center"

    cost_center_id: str
    cost_center_code: str | None
    name: str | None
    erp_department_id: int
    hcm_department: str | None
    legal_entity_id: str | None
    is_active: bool | None
    source_system: SourceSystem
