"""The SLA table of ARCHITECTURE §1, one entry per business domain, configurable by env.

A domain is the ingestion of its system of record (one Dagster asset group). Polled domains have
a time window: WARN once half of it has passed since the domain's oldest asset was last
refreshed, FAIL once all of it has. Payroll is due by its cut-off, a business-calendar deadline:
FAIL when the domain has not been refreshed since the latest cut-off, WARN in the hours before a
cut-off when it has not been refreshed that day.
Overrides: CROSSWALK_SLA_<DOMAIN>_MINUTES (e.g. CROSSWALK_SLA_WORKER_MASTER_MINUTES=5) and
CROSSWALK_PAYROLL_CUTOFF_CRON (UTC; default Tuesdays 17:00 for a Friday pay date).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

DEFAULT_PAYROLL_CUTOFF_CRON = "0 17 * * 2"
PAYROLL_WARN_BEFORE_CUTOFF = timedelta(hours=4)


@dataclass(frozen=True)
class Domain:
    name: str
    group: str  # the Dagster asset group of its system of record's ingestion
    description: str
    window: timedelta | None = None  # polled domains
    cutoff_cron: str | None = None  # deadline domains

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
        Domain(
            "payroll",
            "gusto",
            "payroll postings (by payroll cut-off)",
            cutoff_cron=os.environ.get(
                "CROSSWALK_PAYROLL_CUTOFF_CRON", DEFAULT_PAYROLL_CUTOFF_CRON
            ),
        ),
    ]
