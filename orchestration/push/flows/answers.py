"""A vendor's answer in a flow handler: a 2xx goes on, anything else is the failure it means."""

from __future__ import annotations

import requests

from orchestration.push.types import TRANSIENT_STATUSES, PermanentFailure, TransientFailure

ERROR_TEXT_LIMIT = 300  # enough of a vendor's error body to say why, not a whole page


def failure(response: requests.Response, what: str) -> Exception:
    """The failure a non-2xx answer means: transient for 408/429/5xx, permanent otherwise."""
    status = response.status_code
    # The vendor's own message says why; it carries no credential of ours.
    message = f"{what}: HTTP {status}: {response.text[:ERROR_TEXT_LIMIT]}"
    if status in TRANSIENT_STATUSES or status >= 500:
        return TransientFailure(message, status=status)
    return PermanentFailure(message, status=status)


def ok(response: requests.Response, what: str) -> requests.Response:
    """`response` when it is a 2xx, else raises the failure it means."""
    if response.ok:
        return response
    raise failure(response, what)
