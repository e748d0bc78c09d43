"""The canonical gl posting: the shape of a row of `canonical.gl_posting`.

One row per ERP journal line with its header's date, currency and approval, and links to what it
posts: a labour line names the PSA time entry and version it costs, a payroll line its pay run.
Incremental: new, changed and deleted lines are rewritten; a deleted line stays with is_deleted =
true.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from canonical_models._base import CanonicalRecord, Numeric

PostingType = Literal["labour", "payroll", "other"]
SourceSystem = Literal["netsuite"]


class GlPosting(CanonicalRecord):
    """One row of canonical.gl_posting."""

    relation: ClassVar[str] = "canonical.gl_posting"

    gl_posting_id: str
    journal_id: str
    journal_number: str | None
    journal_type: str | None
    approval_status: str | None
    posting_date: date | None
    line_number: int | None
    posting_type: PostingType
    gl_account_id: str | None
    erp_account_id: int | None
    debit: Numeric | None
    credit: Numeric | None
    amount: Numeric
    currency: str | None
    legal_entity_id: str | None
    cost_center_id: str | None
    project_id: str | None
    worker_id: str | None
    erp_employee_id: int | None
    time_entry_remote_id: str | None
    time_entry_version_at: datetime | None
    time_entry_id: str | None
    hours: Numeric | None
    cost_rate: Numeric | None
    pay_run_remote_id: str | None
    pay_run_id: str | None
    source_system: SourceSystem
