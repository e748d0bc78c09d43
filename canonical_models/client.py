"""The canonical client: the shape of a row of `canonical.client`.

One row per client: an ERP customer joined to the PSA client of the same name (trimmed, case-
insensitive; the systems share no id). A client in only one system keeps its row; source_system is
then that system.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord

SourceSystem = Literal["netsuite", "harvest"]


class Client(CanonicalRecord):
    """One row of canonical.client."""

    relation: ClassVar[str] = "canonical.client"

    client_id: str
    name: str | None
    customer_code: str | None
    erp_customer_id: int | None
    psa_client_id: str | None
    psa_client_remote_id: str | None
    legal_entity_id: str | None
    currency: str | None
    is_active: bool | None
    psa_is_active: bool | None
    source_system: SourceSystem
