"""The canonical legal entity: the shape of a row of `canonical.legal_entity`.

One row per legal entity: an ERP subsidiary (the ERP owns legal entities), with the HCM legal
employer code mapped to it.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord

SourceSystem = Literal["netsuite"]


class LegalEntity(CanonicalRecord):
    """One row of canonical.legal_entity."""

    relation: ClassVar[str] = "canonical.legal_entity"

    legal_entity_id: str
    legal_entity_code: str | None
    erp_subsidiary_id: int
    name: str | None
    country: str | None
    currency: str | None
    is_active: bool | None
    source_system: SourceSystem
