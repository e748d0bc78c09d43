"""NetSuite's concurrency governance: a cap on requests in flight per account, not per window.

A request over the cap is refused at once with 429 (or the fault profile's
`netsuite_throttle_status`; CONCURRENCY_LIMIT_EXCEEDED either way) and nothing it asked for is
done. The cap applies only while `settings.rate_limits` is on; NetSuite gives
developer and sandbox accounts 5 concurrent requests (production tiers 15 and more).
"""

from __future__ import annotations

import threading

ACCOUNT_CONCURRENCY_LIMIT = 5
RETRY_AFTER_SECONDS = 1


class ConcurrencyGovernor:
    """Counts the account's requests in flight."""

    def __init__(self, limit: int = ACCOUNT_CONCURRENCY_LIMIT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._in_flight = 0
        self.refused = 0

    def try_enter(self) -> bool:
        """Take a slot; False when the account is at its limit (the request must be refused)."""
        with self._lock:
            if self._in_flight >= self.limit:
                self.refused += 1
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def limits(self, enforced: bool) -> dict[str, object]:
        """The body of GET /system/v1/governanceLimits."""
        return {
            "accountConcurrencyLimit": self.limit,
            "integrationConcurrencyLimit": self.limit,
            "currentConcurrentRequests": self._in_flight,
            "rejectedRequests": self.refused,
            "enforced": enforced,
        }
