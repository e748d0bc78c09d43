"""HTTP sessions that retry like the vendors ask: 429 and 503 honouring Retry-After, 5xx backoff."""

from __future__ import annotations

import requests
from dlt.sources.helpers import requests as dlt_requests

RETRY_STATUSES = (429, 500, 502, 503, 504)


def retrying_session(
    *,
    max_attempts: int = 8,
    backoff_factor: float = 0.5,
    max_delay_seconds: float = 60,
    timeout_seconds: float = 60,
) -> requests.Session:
    """A requests session (dlt's client) that retries transient failures and throttling.

    Retry-After is honoured on 429 (Harvest, Gusto, NetSuite) and on 503 (BambooHR throttles with
    503). Connection errors and broken answers are retried too. A 4xx other than 429 is final.
    """
    client = dlt_requests.Client(
        request_timeout=timeout_seconds,
        raise_for_status=False,
        status_codes=RETRY_STATUSES,
        request_max_attempts=max_attempts,
        request_backoff_factor=backoff_factor,
        request_max_retry_delay=max_delay_seconds,
        respect_retry_after_header=True,
    )
    return client.session
