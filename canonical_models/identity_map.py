"""The canonical identity map: the shape of a row of `canonical.identity_map`.

Which HCM worker each system's person record is: one row per (record, worker it resolves to); an
unmatched record has one row with a null worker_id and match_rule 'unmatched'. Owned by the
identity model (dbt_project/models/canonical/identity_map.sql).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from canonical_models._base import BaseModelConfig, Confidence

System = Literal["bamboohr", "harvest", "netsuite", "gusto"]
MatchRule = Literal["system_of_record", "external_id", "employee_code", "email", "unmatched"]


class IdentityMap(BaseModelConfig):
    """One row of canonical.identity_map."""

    relation: ClassVar[str] = "canonical.identity_map"

    identity_id: str | None
    worker_id: str | None
    hcm_employee_id: str | None
    system: System | None
    source_relation: str | None
    remote_id: str | None
    record_id: str | None
    is_active: bool | None
    match_rule: MatchRule | None
    confidence: Confidence | None
