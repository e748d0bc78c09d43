"""The canonical pay run: the shape of a row of `canonical.pay_run`.

One row per payroll run of a payroll company (one Gusto instance per legal entity; seed
map_payroll_company names the legal employer).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord

SourceSystem = Literal["gusto"]


class PayRun(CanonicalRecord):
    """One row of canonical.pay_run."""

    relation: ClassVar[str] = "canonical.pay_run"

    pay_run_id: str
    legal_entity_code: str | None
    legal_entity_id: str | None
    pay_frequency: str | None
    period_start_date: date | None
    period_end_date: date | None
    check_date: date | None
    is_processed: bool | None
    processed_date: date | None
    is_off_cycle: bool | None
    is_final_termination_payroll: bool | None
    payroll_deadline: datetime | None
    remote_created_at: datetime | None
    source_system: SourceSystem
