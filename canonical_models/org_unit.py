"""The canonical org unit: the shape of a row of `canonical.org_unit`.

One row per HCM department (org unit) per HCM instance. BambooHR has no department records: a unit
exists while an employee or job history row names it; remote_id is its name. Unmapped units keep
null ERP ids (`mapping_missing`).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord

SourceSystem = Literal["bamboohr"]


class OrgUnit(CanonicalRecord):
    """One row of canonical.org_unit."""

    relation: ClassVar[str] = "canonical.org_unit"

    org_unit_id: str
    name: str
    erp_department_id: int | None
    cost_center_code: str | None
    cost_center_id: str | None
    is_mapped: bool
    is_active: bool
    source_system: SourceSystem
