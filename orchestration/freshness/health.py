"""A domain's state (PASS, WARN, FAIL, UNKNOWN) from when it was last refreshed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from croniter import croniter

from orchestration.freshness.sla import PAYROLL_WARN_BEFORE_CUTOFF, Domain


@dataclass(frozen=True)
class DomainHealth:
    domain: str
    state: str  # PASS | WARN | FAIL | UNKNOWN
    detail: str


def _age(last: datetime, now: datetime) -> str:
    minutes = (now - last).total_seconds() / 60
    return f"last refreshed {minutes:.1f} min ago"


def domain_health(domain: Domain, last_refreshed: datetime | None, now: datetime) -> DomainHealth:
    if last_refreshed is None:
        return DomainHealth(domain.name, "UNKNOWN", "never refreshed")
    if domain.window is not None and domain.warn_after is not None:
        age = now - last_refreshed
        sla = f"SLA {domain.window.total_seconds() / 60:g} min"
        if age > domain.window:
            return DomainHealth(domain.name, "FAIL", f"{_age(last_refreshed, now)}; {sla}")
        if age > domain.warn_after:
            return DomainHealth(domain.name, "WARN", f"{_age(last_refreshed, now)}; {sla}")
        return DomainHealth(domain.name, "PASS", f"{_age(last_refreshed, now)}; {sla}")
    assert domain.cutoff_cron is not None
    previous_cutoff = croniter(domain.cutoff_cron, now).get_prev(datetime)
    next_cutoff = croniter(domain.cutoff_cron, now).get_next(datetime)
    if last_refreshed < previous_cutoff:
        return DomainHealth(
            domain.name,
            "FAIL",
            f"not refreshed since the cut-off of {previous_cutoff:%Y-%m-%d %H:%M}",
        )
    if next_cutoff - now < PAYROLL_WARN_BEFORE_CUTOFF and now - last_refreshed > (
        PAYROLL_WARN_BEFORE_CUTOFF
    ):
        return DomainHealth(
            domain.name,
            "WARN",
            f"cut-off at {next_cutoff:%Y-%m-%d %H:%M}; {_age(last_refreshed, now)}",
        )
    return DomainHealth(domain.name, "PASS", _age(last_refreshed, now))
