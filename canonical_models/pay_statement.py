"""The canonical pay statement: the shape of a row of `canonical.pay_statement`.

One row per pay statement: what one employee is paid in one pay run, with the HCM worker the
payroll employee resolves to. Compensation: marts expose it only in aggregate.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord, Numeric

SourceSystem = Literal["gusto"]


class PayStatement(CanonicalRecord):
    """One row of canonical.pay_statement."""

    relation: ClassVar[str] = "canonical.pay_statement"

    pay_statement_id: str
    pay_run_id: str
    worker_id: str | None
    payroll_employee_id: str
    check_date: date | None
    gross_pay: Numeric | None
    net_pay: Numeric | None
    check_amount: Numeric | None
    regular_hours: Numeric | None
    hourly_hours: Numeric | None
    is_excluded: bool | None
    payment_method: str | None
    remote_version: str | None
    source_system: SourceSystem
