"""A domain's or a deadline's state (PASS, WARN, FAIL, UNKNOWN) from when it was last refreshed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from orchestration.freshness.sla import DeadlineCheck, Domain


@dataclass(frozen=True)
class DomainHealth:
    domain: str
    state: str  # PASS | WARN | FAIL | UNKNOWN
    detail: str
    legal_entity: str | None = None  # deadlines only
    deadline: str | None = None  # payroll_cutoff | month_end_close; None: the domain's window

    @property
    def key(self) -> str:
        """Its name in the sensor's cursor: the domain, or `<deadline>:<legal entity>`."""
        return f"{self.deadline}:{self.legal_entity}" if self.deadline else self.domain


@dataclass(frozen=True)
class Refreshed:
    """When a set of assets was last refreshed: the time of its least recently refreshed one."""

    at: datetime
    oldest: str  # that asset's key, "a/b"


def _age(last: datetime, now: datetime) -> str:
    minutes = (now - last).total_seconds() / 60
    return f"last refreshed {minutes:.1f} min ago"


def domain_health(domain: Domain, last_refreshed: datetime | None, now: datetime) -> DomainHealth:
    """A polled domain against its window."""
    assert domain.window is not None and domain.warn_after is not None
    if last_refreshed is None:
        return DomainHealth(domain.name, "UNKNOWN", "never refreshed")
    age = now - last_refreshed
    sla = f"SLA {domain.window.total_seconds() / 60:g} min"
    if age > domain.window:
        return DomainHealth(domain.name, "FAIL", f"{_age(last_refreshed, now)}; {sla}")
    if age > domain.warn_after:
        return DomainHealth(domain.name, "WARN", f"{_age(last_refreshed, now)}; {sla}")
    return DomainHealth(domain.name, "PASS", f"{_age(last_refreshed, now)}; {sla}")


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def deadline_health(
    check: DeadlineCheck, refreshed: Refreshed | None, now: datetime
) -> DomainHealth:
    """An entity's deadline: met when its assets were all refreshed inside the deadline's window.

    FAIL from the latest deadline on, while its window holds no refresh of the oldest asset
    (a later refresh clears it); WARN while the next deadline's window is open, the deadline is
    less than its warn time away, and no refresh has landed in that window yet.
    """
    deadline = check.deadline

    def health(state: str, detail: str) -> DomainHealth:
        return DomainHealth(
            deadline.domain,
            state,
            f"{check.legal_entity}: {detail}",
            legal_entity=check.legal_entity,
            deadline=deadline.name,
        )

    if refreshed is None:
        return health("UNKNOWN", "never refreshed (or an asset it needs never was)")
    assets = f"{refreshed.oldest} last refreshed {_utc(refreshed.at)}"
    previous = check.schedule.previous(now)
    if refreshed.at < previous.window_start:
        return health(
            "FAIL",
            f"{previous.label} missed: {assets}, needed at or after {_utc(previous.window_start)}",
        )
    upcoming = check.schedule.next(now)
    if (
        upcoming.window_start <= now
        and upcoming.due - now <= check.schedule.warn_before
        and refreshed.at < upcoming.window_start
    ):
        return health(
            "WARN",
            f"{upcoming.label} is near: {assets}, needed at or after {_utc(upcoming.window_start)}",
        )
    met = "met" if refreshed.at <= previous.due else "passed, refreshed since"
    return health("PASS", f"{previous.label} {met}; {assets}; next: {upcoming.label}")
