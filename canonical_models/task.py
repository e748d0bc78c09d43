"""The canonical task: the shape of a row of `canonical.task`.

One row per PSA task (charge code), with the GL account its labour cost posts to (seed map_task);
unmapped tasks keep null account ids (`mapping_missing`).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord

SourceSystem = Literal["harvest"]


class Task(CanonicalRecord):
    """One row of canonical.task."""

    relation: ClassVar[str] = "canonical.task"

    task_id: str
    charge_code: str
    erp_account_id: int | None
    gl_account_id: str | None
    is_billable_by_default: bool | None
    is_default: bool | None
    is_active: bool | None
    source_system: SourceSystem
