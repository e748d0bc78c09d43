"""The canonical location: the shape of a row of `canonical.location`.

One row per work location: an ERP location, with its legal entity. HCM names locations by the same
name.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord

SourceSystem = Literal["netsuite"]


class Location(CanonicalRecord):
    """One row of canonical.location."""

    relation: ClassVar[str] = "canonical.location"

    location_id: str
    name: str | None
    country: str | None
    erp_location_id: int
    legal_entity_id: str | None
    is_active: bool | None
    source_system: SourceSystem
