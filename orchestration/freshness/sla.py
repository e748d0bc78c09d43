"""The SLA table of ARCHITECTURE §1: a window per polled domain, deadlines per legal entity.

A domain is the ingestion of its system of record (one Dagster asset group). Polled domains have
a time window: WARN once half of it has passed since the domain's oldest asset was last
refreshed, FAIL once all of it has (override: CROSSWALK_SLA_<DOMAIN>_MINUTES, e.g.
CROSSWALK_SLA_WORKER_MASTER_MINUTES=5).

Business-calendar deadlines are judged per legal entity, from its calendar
(orchestration/freshness/calendar.py): each entity's payroll cut-off against the payroll
ingestion, and each entity's month-end close against the assets that carry a month's time and
payroll to the ERP. A deadline is met when all of its assets were refreshed inside its window
(deadlines.py); WARN when the next deadline is near and its window holds no refresh yet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from orchestration.freshness.calendar import BusinessCalendars, load_calendars
from orchestration.freshness.deadlines import CloseSchedule, CutoffSchedule


@dataclass(frozen=True)
class Domain:
    name: str
    group: str  # the Dagster asset group of its system of record's ingestion
    description: str
    window: timedelta | None = None  # polled domains; None: judged by its deadlines

    @property
    def warn_after(self) -> timedelta | None:
        return self.window / 2 if self.window is not None else None


def _minutes(name: str, default: float) -> timedelta:
    value = os.environ.get(f"CROSSWALK_SLA_{name.upper()}_MINUTES")
    return timedelta(minutes=float(value) if value else default)


def domains() -> list[Domain]:
    """The domains with their SLAs as configured now (env read at each call)."""
    return [
        Domain(
            "worker_master",
            "bamboohr",
            "worker master and org hierarchy (HCM)",
            window=_minutes("worker_master", 15),
        ),
        Domain(
            "financial_dimensions",
            "netsuite",
            "projects and financial dimensions (ERP)",
            window=_minutes("financial_dimensions", 60),
        ),
        Domain(
            "delivery",
            "harvest",
            "time entries, assignments and bookings (PSA)",
            window=_minutes("delivery", 60),
        ),
        Domain("payroll", "gusto", "payroll postings (by each entity's payroll cut-off)"),
    ]


@dataclass(frozen=True)
class Deadline:
    """A kind of business-calendar deadline and the assets that must be fresh for it."""

    name: str  # payroll_cutoff | month_end_close
    domain: str  # the `domain` of its alerts
    groups: tuple[str, ...]  # asset groups whose every asset counts
    assets: tuple[str, ...] = ()  # further asset keys, "a/b" form


PAYROLL_CUTOFF = Deadline("payroll_cutoff", "payroll", groups=("gusto",))
# A month reaches the ERP's books through: the PSA's approved time read (harvest), posted as
# labour journals (push/post_approved_time), the payroll journals posted after their approval
# (push/post_payroll_journal), and the ERP read back (netsuite) so reconciliation sees them.
MONTH_END_CLOSE = Deadline(
    "month_end_close",
    "financial_close",
    groups=("harvest", "netsuite"),
    assets=("push/post_approved_time", "push/post_payroll_journal"),
)


@dataclass(frozen=True)
class DeadlineCheck:
    """One (deadline, legal entity) pair the alert sensor judges."""

    deadline: Deadline
    legal_entity: str
    schedule: CutoffSchedule | CloseSchedule


def deadline_checks(calendars: BusinessCalendars | None = None) -> list[DeadlineCheck]:
    """Every entity's payroll cut-off and month-end close, in the calendar file's order."""
    calendars = calendars or load_calendars()
    checks = []
    for code, entity in calendars.entities.items():
        cutoff, close = entity.cutoff_schedule(), entity.close_schedule()
        if cutoff is not None:
            checks.append(DeadlineCheck(PAYROLL_CUTOFF, code, cutoff))
        if close is not None:
            checks.append(DeadlineCheck(MONTH_END_CLOSE, code, close))
    return checks
