"""A circuit per target tenant, shared by every push run through the ops store.

pybreaker decides (closed → open after `fail_max` consecutive failures → half-open after the
cool-down → closed on a success); its state lives in the ops store's `circuit_state` table, so a
run started while a target's circuit is open does not spend its own `fail_max` requests finding
out again. Throttling (a 429, or a throttle code: `TransientFailure.throttled`) is the vendor
pacing us, not failing: it never opens a circuit.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path

import pybreaker

from orchestration.push.store import BUSY_TIMEOUT_SECONDS, ops_transaction
from orchestration.push.types import PermanentFailure, TransientFailure

CircuitOpen = pybreaker.CircuitBreakerError

_SCHEMA = """
create table if not exists circuit_state (
    name text primary key,
    state text not null,
    fail_counter integer not null default 0,
    success_counter integer not null default 0,
    opened_at text
)
"""


class SqliteCircuitStorage(pybreaker.CircuitBreakerStorage):
    """pybreaker's state for one circuit, in a SQLite table many processes share."""

    def __init__(self, path: Path, name: str) -> None:
        super().__init__(name)
        self._key = name
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("pragma journal_mode = wal")
        self._conn.execute(_SCHEMA)
        self._conn.execute(
            "insert or ignore into circuit_state (name, state) values (?, ?)",
            (name, pybreaker.STATE_CLOSED),
        )

    def _get(self, column: str) -> object:
        with self._lock:
            row = self._conn.execute(
                f"select {column} from circuit_state where name = ?", (self._key,)
            ).fetchone()
        return row[0]

    def _set(self, assignment: str, *params: object) -> None:
        with self._lock:
            self._conn.execute(
                f"update circuit_state set {assignment} where name = ?", (*params, self._key)
            )

    @property
    def state(self) -> str:
        return str(self._get("state"))

    @state.setter
    def state(self, state: str) -> None:
        self._set("state = ?", state)

    def increment_counter(self) -> None:
        self._set("fail_counter = fail_counter + 1")

    def reset_counter(self) -> None:
        self._set("fail_counter = 0")

    def increment_success_counter(self) -> None:
        self._set("success_counter = success_counter + 1")

    def reset_success_counter(self) -> None:
        self._set("success_counter = 0")

    @property
    def counter(self) -> int:
        return int(self._get("fail_counter"))  # type: ignore[call-overload]

    @property
    def success_counter(self) -> int:
        return int(self._get("success_counter"))  # type: ignore[call-overload]

    @property
    def opened_at(self) -> datetime | None:
        value = self._get("opened_at")
        return datetime.fromisoformat(str(value)) if value else None

    @opened_at.setter
    def opened_at(self, value: datetime) -> None:
        self._set("opened_at = ?", value.isoformat())

    def close(self) -> None:
        self._conn.close()


def _is_throttling(error: BaseException) -> bool:
    return isinstance(error, TransientFailure) and error.throttled


def circuit_for(
    instance: str, store_path: Path, *, fail_max: int, reset_seconds: float
) -> pybreaker.CircuitBreaker:
    """The circuit of one target tenant (by its source_relation)."""
    storage = SqliteCircuitStorage(store_path, instance)
    return pybreaker.CircuitBreaker(
        fail_max=fail_max,
        reset_timeout=reset_seconds,
        exclude=[PermanentFailure, _is_throttling],
        state_storage=storage,
        name=instance,
    )


def circuit_states(store_path: Path) -> dict[str, str]:
    """Each known target's circuit state (for the push report and the UI)."""
    if not store_path.exists():
        return {}
    with ops_transaction(store_path) as conn:
        conn.execute(_SCHEMA)
        return dict(conn.execute("select name, state from circuit_state").fetchall())
