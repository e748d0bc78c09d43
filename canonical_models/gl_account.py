"""The canonical gl account: the shape of a row of `canonical.gl_account`.

One row per account of the ERP's chart of accounts.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord

SourceSystem = Literal["netsuite"]


class GlAccount(CanonicalRecord):
    """One row of canonical.gl_account."""

    relation: ClassVar[str] = "canonical.gl_account"

    gl_account_id: str
    erp_account_id: int
    account_number: str | None
    name: str | None
    account_type: str | None
    is_active: bool | None
    source_system: SourceSystem
