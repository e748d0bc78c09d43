"""The canonical pay line: the shape of a row of `canonical.pay_line`.

One row per line of a pay statement: earnings (fixed, hourly, paid time off), reimbursements,
deductions, taxes, benefits. Gusto gives lines no id: a line is keyed by statement, type, name and
job. Incremental: a statement's version is its lines' version; a line gone from its statement
stays with is_deleted = true.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord, Numeric

LineType = Literal[
    "fixed", "hourly", "paid_time_off", "reimbursement", "deduction", "tax", "benefit"
]
SourceSystem = Literal["gusto"]


class PayLine(CanonicalRecord):
    """One row of canonical.pay_line."""

    relation: ClassVar[str] = "canonical.pay_line"

    pay_line_id: str
    pay_statement_id: str
    pay_run_id: str
    worker_id: str | None
    payroll_employee_id: str
    line_type: LineType
    line_name: str | None
    hours: Numeric | None
    amount: Numeric | None
    is_employer_paid: bool | None
    job_remote_id: str | None
    remote_version: str
    source_system: SourceSystem
