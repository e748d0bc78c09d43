"""The seams of the push layer (docs/write-back.md): a delta, a target client, a flow handler.

The engine owns pacing, retries, circuits, the outbox and the ledger; a flow handler owns only
what one flow sends to one target system. Handlers never sleep, retry or write the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import requests
from pydantic import BaseModel


@dataclass(frozen=True)
class Delta:
    """One row of a dbt `sync.<flow>` model: a desired change to one target record."""

    delta_id: str  # the idempotency key
    flow: str
    target_system: str  # harvest | netsuite | gusto
    target_instance: str  # the target tenant's source_relation, e.g. harvest_acme
    operation: str  # create | update | deactivate | post
    entity_type: str
    entity_id: str
    target_remote_id: str | None
    natural_key: str | None
    payload: Mapping[str, Any]  # JSON object, validated by the flow's payload model
    observed_at: datetime


# Statuses that say "try again later" whatever the vendor (besides 5xx).
TRANSIENT_STATUSES = frozenset({408, 429})


class TransientFailure(Exception):
    """A failure worth retrying (408, 429, 5xx, a throttle code, timeout, connection).

    `throttled`: the vendor refused for the rate (a 429, or a throttle code it sends with
    another status): it did nothing, and the circuit does not count it as the tenant failing.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        throttled: bool | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.throttled = status == 429 if throttled is None else throttled


class PermanentFailure(Exception):
    """A failure a retry cannot fix (a 4xx the vendor means): the delta goes to dead letters."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class TargetClient(Protocol):
    """One target tenant's HTTP API: base URL and auth applied, each request paced and guarded.

    `request` returns the response for 2xx-4xx statuses a handler may want to read (404 on a
    lookup, 409 on a stale Gusto version); it raises TransientFailure for 408/429/5xx, a throttle
    the vendor names by error code, timeouts and lost replies, and PermanentFailure is the
    handler's call. Paths are relative to the instance's base URL. A transient failure is retried
    inside `request` when sending again is harmless (429/503/a throttle, or an idempotent
    request: by method, or `idempotent=True` from a handler that knows).
    """

    instance: str

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response: ...


class FlowHandler(Protocol):
    """What one flow does to one target system (registered in orchestration/push/flows).

    A handler whose create takes several requests (a record, then what hangs on it) sets
    `completes_existing = True`: its `apply` adopts the record an earlier attempt made and adds
    what is missing, so after an unknown outcome the engine applies again instead of taking the
    record's existence as the whole write.
    """

    flow: str
    target_system: str

    def apply(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        """Make the request(s) for `delta`; return the target record's id (None if none)."""
        ...

    def find_existing(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        """The id of the record `delta` would create, found by its natural key, or None."""
        ...
