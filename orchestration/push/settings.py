"""How hard the push engine tries: attempts, backoff, circuit, all overridable by env vars.

Defaults suit a vendor having a bad minute; an operator tightens or loosens them per
environment without code (`CROSSWALK_PUSH_MAX_ATTEMPTS=8`, ...).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class PushSettings:
    max_attempts: int = 5  # per delta, per push run; then the delta is a dead letter
    # Tries of one request that failed transiently where sending it again is harmless (a GET, a
    # PUT, a throttled one; orchestration/push/client.py); then the delta's attempt fails.
    request_attempts: int = 3
    backoff_seconds: float = 1.0  # first wait when the vendor gives no Retry-After
    max_backoff_seconds: float = 30.0  # longest wait between two attempts
    circuit_fail_max: int = 5  # consecutive failed requests that open a target's circuit
    circuit_reset_seconds: float = 60.0  # cool-down before an open circuit lets one request try
    request_timeout_seconds: float = 60.0
    claim_seconds: float = 900.0  # how long a run owns a delta it is sending
    warehouse_wait_seconds: float = 600.0  # how long to wait for the warehouse's writer
    # Later pushes that re-send, by themselves, a delta still proposed that died of transient
    # failures (5xx, throttling, no reply); 0 leaves every dead letter to `crosswalk replay`.
    dead_letter_retries: int = 5

    @classmethod
    def from_env(cls) -> PushSettings:
        """Each field from `CROSSWALK_PUSH_<FIELD>` when set."""
        values: dict[str, float | int] = {}
        for field in fields(cls):
            raw = os.environ.get(f"CROSSWALK_PUSH_{field.name.upper()}")
            if raw is not None:
                values[field.name] = int(raw) if field.type == "int" else float(raw)
        return cls(**values)  # type: ignore[arg-type]
