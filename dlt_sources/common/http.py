"""HTTP sessions that retry like the vendors ask: 429 and 503 honouring Retry-After, 5xx backoff."""

from __future__ import annotations

from collections.abc import Callable

import dlt
import requests
from dlt.sources.helpers import requests as dlt_requests

RETRY_STATUSES = (429, 500, 502, 503, 504)


def _runtime_setting(name: str, default: float) -> float:
    """A retry setting from dlt config (`[runtime]` / env `RUNTIME__<NAME>`), else ours."""
    value = dlt.config.get(f"runtime.{name}")
    return default if value is None else float(value)


def retrying_session(
    *,
    retry_when: Callable[[requests.Response | None, BaseException | None], bool] | None = None,
    max_attempts: int | None = None,
    backoff_factor: float | None = None,
    max_delay_seconds: float | None = None,
    timeout_seconds: float | None = None,
) -> requests.Session:
    """A requests session (dlt's client) that retries transient failures and throttling.

    Retry-After is honoured on 429 (Harvest, Gusto, NetSuite) and on 503 (BambooHR throttles with
    503). Connection errors and broken answers are retried too. A 4xx other than 429 is final.
    Unless given, each setting comes from dlt's own runtime config keys (`request_max_attempts`,
    `request_backoff_factor`, `request_max_retry_delay`, `request_timeout`), so an operator tunes
    how long a down vendor is retried without code; our defaults are 8 attempts, backoff 0.5 s,
    at most 60 s between attempts and a 60 s timeout. `retry_when` retries more answers (a vendor
    that throttles with another status).
    """
    client = dlt_requests.Client(
        request_timeout=timeout_seconds or _runtime_setting("request_timeout", 60),
        raise_for_status=False,
        status_codes=RETRY_STATUSES,
        request_max_attempts=max_attempts or int(_runtime_setting("request_max_attempts", 8)),
        request_backoff_factor=backoff_factor or _runtime_setting("request_backoff_factor", 0.5),
        request_max_retry_delay=max_delay_seconds
        or _runtime_setting("request_max_retry_delay", 60),
        respect_retry_after_header=True,
        retry_condition=retry_when,
    )
    return client.session
