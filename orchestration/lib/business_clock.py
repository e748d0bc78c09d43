"""The business "now" every dbt build runs at (env CROSSWALK_BUSINESS_NOW, ISO-8601 UTC).

Against the sandbox, time is the sandbox's business clock, moved only by `/_sandbox/advance`:
reconciliation ages, SLA deadlines ("approved time posted by 06:00 next day") and effective dates
must be judged at that time, not at the machine's. So in the sandbox profile the clock is read
from `GET {sandbox_url}/_sandbox/clock` on every build, and a clock that cannot be read fails the
build: silently falling back to the wall clock would judge a March 2026 firm in another year and
flood reconciliation with false findings. Against real tenants the wall clock is the business
clock.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from dlt_sources.common.config import PROFILE_ENV, profile
from orchestration.environment import sandbox_url

SANDBOX_PROFILE = "sandbox"
CLOCK_TIMEOUT_SECONDS = 10.0


class BusinessClockUnavailable(RuntimeError):
    """The sandbox profile is active but the sandbox's business clock could not be read."""


def in_sandbox_profile() -> bool:
    """Whether crosswalk runs against the vendor sandbox (the default profile)."""
    return profile() == SANDBOX_PROFILE


def iso_utc(moment: datetime) -> str:
    """`2026-03-06T00:00:00Z`: the form the dbt macro `business_now()` expects."""
    if moment.tzinfo is None:
        raise ValueError("business time must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sandbox_business_now(url: str | None = None) -> str:
    """The sandbox's business clock, normalised to ISO-8601 UTC with a Z.

    Raises:
        BusinessClockUnavailable: the sandbox did not answer, answered an error, or gave no
            parseable `business_now`.
    """
    clock_url = f"{url or sandbox_url()}/_sandbox/clock"
    try:
        response = httpx.get(clock_url, timeout=CLOCK_TIMEOUT_SECONDS)
        response.raise_for_status()
        value = response.json()["business_now"]
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
        raise BusinessClockUnavailable(
            f"cannot read the sandbox's business clock at {clock_url} ({error}); "
            f"in the {SANDBOX_PROFILE!r} profile dbt must run at business time, so the build "
            "stops here. Start the sandbox (or set CROSSWALK_SANDBOX_URL to where it listens), "
            f"or set {PROFILE_ENV} to your tenant's profile to use the wall clock."
        ) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso_utc(moment)


def business_now() -> str:
    """The business "now" for this build: the sandbox's clock, or the wall clock for tenants."""
    if in_sandbox_profile():
        return sandbox_business_now()
    return iso_utc(datetime.now(UTC))
