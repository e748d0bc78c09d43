"""Payload models of the delivery and finance flows (docs/write-back.md §2).

One model per (flow, target_system). Fields are crosswalk's names; the flow handlers in
`orchestration/push/flows/delivery.py` map them to Harvest's and NetSuite's. A labour journal
line without a cost rate, with hours <= 0 or an amount that is not hours × cost rate fails
here, so it is quarantined with the reason instead of posting a wrong cost.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Id = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
AMOUNT_TOLERANCE = Decimal("0.01")  # the posting_amount_variance rule's tolerance


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PsaProjectCreate(_Payload):
    """activate_project → harvest, create: the project, its charge codes and user access."""

    project_code: Id
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    psa_client_id: Id
    is_active: Literal[True]
    is_billable: bool
    is_fixed_fee: bool
    start_date: date | None = None
    end_date: date | None = None
    task_ids: list[int] = Field(min_length=1)  # charge codes: a project needs one to take time
    user_ids: list[int] = Field(default_factory=list)


class ActivateProject(_Payload):
    """activate_project → harvest: either a create or a status change (by the fields given)."""

    project_code: Id
    is_active: bool
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    psa_client_id: Id | None = None
    is_billable: bool | None = None
    is_fixed_fee: bool | None = None
    start_date: date | None = None
    end_date: date | None = None
    task_ids: list[int] | None = None
    user_ids: list[int] | None = None

    @property
    def is_create(self) -> bool:
        return self.name is not None

    @model_validator(mode="after")
    def _create_is_complete(self) -> ActivateProject:
        if self.is_create:
            PsaProjectCreate.model_validate(self.model_dump(exclude_none=True))
        return self


class ResourceAllocation(_Payload):
    """confirm_assignment → netsuite: the ERP allocation costing one PSA booking."""

    booking_id: Id
    erp_employee_id: Id
    erp_job_id: int
    start_date: date
    end_date: date
    hours_per_day: Annotated[Decimal, Field(gt=0, le=24)]

    @model_validator(mode="after")
    def _dates_in_order(self) -> ResourceAllocation:
        if self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self


class LabourLine(_Payload):
    """One approved time entry version: hours × its cost rate to the task's labour account."""

    time_entry_id: Id
    entry_version: datetime  # the entry's updated_at: which version this line posts
    hours: Annotated[Decimal, Field(gt=0)]
    cost_rate: Annotated[Decimal, Field(ge=0)]
    amount: Money
    gl_account_id: int
    erp_employee_id: Id | None = None
    erp_job_id: int | None = None

    @model_validator(mode="after")
    def _amount_is_hours_times_rate(self) -> LabourLine:
        expected = (self.hours * self.cost_rate).quantize(Decimal("0.01"))
        if abs(self.amount - expected) > AMOUNT_TOLERANCE:
            raise ValueError(
                f"amount {self.amount} of time entry {self.time_entry_id} is not "
                f"hours × cost_rate = {expected}"
            )
        return self


class LabourJournal(_Payload):
    """post_approved_time → netsuite: one journal of a subsidiary's labour for one day."""

    subsidiary_id: int
    posting_date: date
    memo: str
    credit_account_id: int  # accrued labour: the balancing credit
    lines: list[LabourLine] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_line_per_version(self) -> LabourJournal:
        versions = [(line.time_entry_id, line.entry_version) for line in self.lines]
        if len(set(versions)) != len(versions):
            raise ValueError("a time entry version appears on two lines of one journal")
        return self

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))


class PayrollJournal(_Payload):
    """post_payroll_journal → netsuite: a processed pay run's GL journal."""

    pay_run_id: Id
    subsidiary_id: int
    posting_date: date
    period_start_date: date
    period_end_date: date
    gross_pay: Money
    employer_taxes: Money
    salaries_account_id: int
    employer_tax_account_id: int
    liability_account_id: int


PAYLOADS: dict[tuple[str, str], type[BaseModel]] = {
    ("activate_project", "harvest"): ActivateProject,
    ("confirm_assignment", "netsuite"): ResourceAllocation,
    ("post_approved_time", "netsuite"): LabourJournal,
    ("post_payroll_journal", "netsuite"): PayrollJournal,
}
