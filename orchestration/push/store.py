"""The ops store: outbox, attempt ledger, dead letters, quarantine and payroll approvals (SQLite).

docs/write-back.md §3. SQLite in WAL mode with a busy timeout, because push runs of several
processes write it at once while the warehouse (a single-writer DuckDB file) stays free for
ingestion and dbt. Every write is its own short transaction: a process killed at any point leaves
the store consistent, and a `sent` attempt with no completion is the evidence of an unknown
outcome that the engine resolves with a lookup before it resends a create.

Nothing here knows HTTP or secrets: callers pass errors already redacted.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orchestration.push.types import Delta

OPS_DB_ENV = "CROSSWALK_OPS_DB"
DEFAULT_OPS_DB = Path("data/ops.sqlite")
BUSY_TIMEOUT_SECONDS = 30.0
LEDGER_STATUSES = ("planned", "sent", "succeeded", "failed", "dead", "skipped_duplicate")

SCHEMA = f"""
create table if not exists outbox (
    delta_id text primary key,
    flow text not null,
    target_system text not null,
    target_instance text not null,
    operation text not null,
    entity_type text not null,
    entity_id text not null,
    target_remote_id text,
    natural_key text,
    payload text not null,
    observed_at text not null,
    state text not null default 'pending'
        check (state in ('pending', 'done', 'dead', 'quarantined', 'superseded')),
    target_record_id text,
    enqueued_at text not null,
    -- The push run sending the delta now: no other run may send it until the claim lapses or
    -- its process is gone (a run killed mid-batch leaves a claim a rerun on the host takes over).
    claimed_by text,
    claimed_pid integer,
    claimed_host text,
    claimed_until text
);
create index if not exists outbox_pending on outbox (state, target_instance);

-- ARCHITECTURE §7: one row per attempt.
create table if not exists sync_ledger (
    ledger_id integer primary key autoincrement,
    flow text not null,
    target_system text not null,
    entity_id text not null,
    operation text not null,
    idempotency_key text not null,
    correlation_id text not null,
    status text not null check (status in ({", ".join(f"'{s}'" for s in LEDGER_STATUSES)})),
    attempt integer not null,
    http_status integer,
    error text,
    requested_at text not null,
    completed_at text
);
create index if not exists sync_ledger_key on sync_ledger (idempotency_key, ledger_id);
create index if not exists sync_ledger_completed on sync_ledger (completed_at);

create table if not exists dead_letter (
    delta_id text primary key references outbox (delta_id),
    flow text not null,
    target_system text not null,
    entity_id text not null,
    error text not null,
    dead_at text not null,
    replayed_at text,
    cause text not null default 'permanent',  -- transient | permanent
    auto_retries integer not null default 0  -- later pushes that re-sent it by themselves
);

create table if not exists sync_quarantine (
    delta_id text primary key references outbox (delta_id),
    flow text not null,
    target_system text not null,
    entity_id text not null,
    reason text not null,
    quarantined_at text not null
);

create table if not exists payroll_approval (
    pay_run_id text primary key,
    approved_by text not null,
    approved_at text not null
);
"""


# Columns added after the first release: (table, column, definition), added to older stores.
ADDED_COLUMNS = (
    ("dead_letter", "cause", "text not null default 'permanent'"),
    ("dead_letter", "auto_retries", "integer not null default 0"),
)


def add_missing_columns(conn: sqlite3.Connection, columns: Iterable[tuple[str, str, str]]) -> None:
    """Add each (table, column, definition) its table lacks: a store from an earlier version.

    Two processes may do it at once; the second finds the column there.
    """
    for table, column, definition in columns:
        present = {row[1] for row in conn.execute(f"pragma table_info({table})")}
        if column in present:
            continue
        try:
            conn.execute(f"alter table {table} add column {column} {definition}")
        except sqlite3.OperationalError as error:
            if "duplicate column" not in str(error):  # another process added it just now
                raise


def _requeue_dead(conn: sqlite3.Connection, keys: Iterable[str], *, automatic: bool) -> None:
    """Put dead letters back in the queue, marked replayed (by a push itself: `automatic`).

    Nobody is sending a dead letter, so the claim of the run it died in goes.
    """
    now = _now()
    for key in keys:
        conn.execute(
            "update outbox set state = 'pending', claimed_by = null, claimed_pid = null, "
            "claimed_host = null, claimed_until = null where delta_id = ? and state = 'dead'",
            (key,),
        )
        conn.execute(
            "update dead_letter set replayed_at = ?, auto_retries = auto_retries + ? "
            "where delta_id = ?",
            (now, int(automatic), key),
        )


def ops_store_path() -> Path:
    """The ops store file (env CROSSWALK_OPS_DB, default data/ops.sqlite)."""
    return Path(os.environ.get(OPS_DB_ENV, str(DEFAULT_OPS_DB)))


@contextmanager
def ops_transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """One transaction on the SQLite file at `path`: committed (rolled back on error), then closed.

    `with sqlite3.connect(...)` alone commits but leaves the connection open until it is
    collected.
    """
    with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)) as conn, conn:
        yield conn


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Claimant:
    """A push run: its correlation id, and the process that runs it."""

    run: str
    pid: int
    host: str

    @classmethod
    def this_process(cls, run: str) -> Claimant:
        return cls(run, os.getpid(), socket.gethostname())


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


@dataclass(frozen=True)
class Attempt:
    """The latest ledger row of an idempotency key."""

    ledger_id: int
    status: str
    attempt: int
    completed_at: str | None

    @property
    def outcome_unknown(self) -> bool:
        """Sent and never completed: the process died or the reply was lost."""
        return self.status == "sent" and self.completed_at is None


@dataclass(frozen=True)
class Write:
    """A write crosswalk made that succeeded: the target's record, what was done, and when."""

    record_id: str
    operation: str
    requested_at: str
    completed_at: str


class OpsStore:
    """One connection to the ops store; safe to use from one thread (open one per thread)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: each statement (or explicit `with self._transaction()`) commits at once.
        self._conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("pragma journal_mode = wal")
        self._conn.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        self._conn.execute("pragma foreign_keys = on")
        # executescript commits as it goes; every statement is `if not exists`, so two processes
        # opening a new store at once both succeed.
        self._conn.executescript(SCHEMA)
        add_missing_columns(self._conn, ADDED_COLUMNS)
        self.path = path

    @classmethod
    @contextmanager
    def open(cls, path: Path | None = None) -> Iterator[OpsStore]:
        store = cls(path or ops_store_path())
        try:
            yield store
        finally:
            store.close()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout
        # instead of one failing on a lock upgrade halfway through.
        self._conn.execute("begin immediate")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("rollback")
            raise
        self._conn.execute("commit")

    # Outbox ----------------------------------------------------------------------------------

    def enqueue(self, deltas: Iterable[Delta]) -> int:
        """Add deltas not seen before (by delta_id); return how many were new."""
        rows = [
            (
                d.delta_id,
                d.flow,
                d.target_system,
                d.target_instance,
                d.operation,
                d.entity_type,
                d.entity_id,
                d.target_remote_id,
                d.natural_key,
                json.dumps(dict(d.payload), sort_keys=True, default=str),
                d.observed_at.isoformat(),
                _now(),
            )
            for d in deltas
        ]
        with self._transaction() as conn:
            before = conn.total_changes
            conn.executemany(
                "insert or ignore into outbox (delta_id, flow, target_system, target_instance, "
                "operation, entity_type, entity_id, target_remote_id, natural_key, payload, "
                "observed_at, enqueued_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            return conn.total_changes - before

    def pending(
        self, *, flows: Iterable[str] | None = None, target_instance: str | None = None
    ) -> list[Delta]:
        """Deltas still to send, oldest first."""
        sql, params = "select * from outbox where state = 'pending'", []
        if flows is not None:
            names = list(flows)
            sql += f" and flow in ({', '.join('?' for _ in names)})"
            params += names
        if target_instance is not None:
            sql += " and target_instance = ?"
            params.append(target_instance)
        rows = self._conn.execute(sql + " order by enqueued_at, delta_id", params).fetchall()
        return [_delta(row) for row in rows]

    def state_of(self, delta_id: str) -> str | None:
        row = self._conn.execute(
            "select state from outbox where delta_id = ?", (delta_id,)
        ).fetchone()
        return row["state"] if row else None

    def claim(self, delta_id: str, claimant: Claimant, lease_seconds: float) -> bool:
        """Take a pending delta for `claimant` to send; False if it is done or another run's.

        Another run's claim lapses at its deadline, or at once when that run's process on this
        host is gone (killed mid-batch): the rerun then resolves the unknown outcome itself.
        """
        now = datetime.now(UTC)
        with self._transaction() as conn:
            row = conn.execute(
                "select state, claimed_by, claimed_pid, claimed_host, claimed_until from outbox "
                "where delta_id = ?",
                (delta_id,),
            ).fetchone()
            if row is None or row["state"] != "pending":
                return False
            held = row["claimed_by"] is not None and row["claimed_by"] != claimant.run
            if held:
                lapsed = datetime.fromisoformat(row["claimed_until"]) <= now
                orphaned = row["claimed_host"] == claimant.host and not _process_alive(
                    int(row["claimed_pid"])
                )
                if not (lapsed or orphaned):
                    return False
            conn.execute(
                "update outbox set claimed_by = ?, claimed_pid = ?, claimed_host = ?, "
                "claimed_until = ? where delta_id = ?",
                (
                    claimant.run,
                    claimant.pid,
                    claimant.host,
                    (now + timedelta(seconds=lease_seconds)).isoformat(),
                    delta_id,
                ),
            )
            return True

    def release(self, delta_id: str, claimant: Claimant) -> None:
        """Give a claimed delta back (not sent this run: circuit open, awaiting approval)."""
        self._conn.execute(
            "update outbox set claimed_by = null, claimed_pid = null, claimed_host = null, "
            "claimed_until = null where delta_id = ? and claimed_by = ?",
            (delta_id, claimant.run),
        )

    def supersede(self, delta_id: str) -> None:
        """A pending delta the latest build no longer proposes: never sent (call after claim)."""
        self._conn.execute(
            "update outbox set state = 'superseded' where delta_id = ? and state = 'pending'",
            (delta_id,),
        )

    def mark_done(self, delta_id: str, target_record_id: str | None) -> None:
        self._conn.execute(
            "update outbox set state = 'done', target_record_id = ? where delta_id = ?",
            (target_record_id, delta_id),
        )

    # Ledger ----------------------------------------------------------------------------------

    def latest_attempt(self, idempotency_key: str) -> Attempt | None:
        row = self._conn.execute(
            "select ledger_id, status, attempt, completed_at from sync_ledger "
            "where idempotency_key = ? order by ledger_id desc limit 1",
            (idempotency_key,),
        ).fetchone()
        return Attempt(**dict(row)) if row else None

    def ever_attempted(self, idempotency_key: str) -> bool:
        """Whether any request was ever started for this key (planned rows do not count)."""
        row = self._conn.execute(
            "select 1 from sync_ledger where idempotency_key = ? and attempt > 0 limit 1",
            (idempotency_key,),
        ).fetchone()
        return row is not None

    def has_succeeded(self, idempotency_key: str) -> bool:
        row = self._conn.execute(
            "select 1 from sync_ledger where idempotency_key = ? and status = 'succeeded' limit 1",
            (idempotency_key,),
        ).fetchone()
        return row is not None

    def begin_attempt(self, delta: Delta, correlation_id: str) -> int:
        """Write the `sent` row before the request goes out; return its ledger_id."""
        with self._transaction() as conn:
            (attempts,) = conn.execute(
                "select count(*) from sync_ledger where idempotency_key = ? and attempt > 0",
                (delta.delta_id,),
            ).fetchone()
            cursor = conn.execute(
                "insert into sync_ledger (flow, target_system, entity_id, operation, "
                "idempotency_key, correlation_id, status, attempt, requested_at) "
                "values (?, ?, ?, ?, ?, ?, 'sent', ?, ?)",
                (
                    delta.flow,
                    delta.target_system,
                    delta.entity_id,
                    delta.operation,
                    delta.delta_id,
                    correlation_id,
                    attempts + 1,
                    _now(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def complete_attempt(
        self,
        ledger_id: int,
        status: str,
        *,
        http_status: int | None = None,
        error: str | None = None,
    ) -> None:
        """Close a `sent` row with what came back.

        `skipped_duplicate` closes an attempt that found the record already in the target (a
        lost reply's create, adopted) and so sent no write.
        """
        if status not in ("succeeded", "failed", "dead", "skipped_duplicate"):
            raise ValueError(
                f"an attempt completes as succeeded, failed, dead or skipped_duplicate, "
                f"not {status!r}"
            )
        self._conn.execute(
            "update sync_ledger set status = ?, http_status = ?, error = ?, completed_at = ? "
            "where ledger_id = ? and completed_at is null",
            (status, http_status, error, _now(), ledger_id),
        )

    def record(
        self, delta: Delta, status: str, correlation_id: str, note: str | None = None
    ) -> int:
        """A ledger row that sends nothing (`planned`, `skipped_duplicate`), complete at once."""
        if status not in ("planned", "skipped_duplicate"):
            raise ValueError(f"record() writes planned or skipped_duplicate rows, not {status!r}")
        now = _now()
        cursor = self._conn.execute(
            "insert into sync_ledger (flow, target_system, entity_id, operation, "
            "idempotency_key, correlation_id, status, attempt, error, requested_at, completed_at) "
            "values (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
            (
                delta.flow,
                delta.target_system,
                delta.entity_id,
                delta.operation,
                delta.delta_id,
                correlation_id,
                status,
                note,
                now,
                now,
            ),
        )
        return int(cursor.lastrowid or 0)

    def writes_completed_since(self, target_system: str, since: str) -> list[Write]:
        """The writes to `target_system` that succeeded at or after `since` (ISO, UTC)."""
        rows = self._conn.execute(
            "select coalesce(o.target_record_id, o.target_remote_id) as record_id, o.operation, "
            "l.requested_at, l.completed_at from sync_ledger l "
            "join outbox o on o.delta_id = l.idempotency_key "
            "where l.completed_at >= ? and l.status = 'succeeded' and l.target_system = ?",
            (since, target_system),
        ).fetchall()
        return [Write(**dict(row)) for row in rows if row["record_id"] is not None]

    def ledger(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._conn.execute("select * from sync_ledger order by ledger_id")]

    # Dead letters, quarantine, approvals -----------------------------------------------------

    def dead_letter(self, delta: Delta, error: str, *, transient: bool = False) -> None:
        """The last retry failed: keep the delta, out of the pending queue, until a replay.

        `transient`: it died of failures that may pass (5xx, throttling, no reply), so a later
        push may send it again by itself (`retry_transient`); a permanent one waits for a person.
        """
        cause = "transient" if transient else "permanent"
        with self._transaction() as conn:
            conn.execute("update outbox set state = 'dead' where delta_id = ?", (delta.delta_id,))
            conn.execute(
                "insert into dead_letter (delta_id, flow, target_system, entity_id, error, "
                "dead_at, cause) values (?, ?, ?, ?, ?, ?, ?) on conflict (delta_id) do update "
                "set error = excluded.error, dead_at = excluded.dead_at, replayed_at = null, "
                "cause = excluded.cause",
                (
                    delta.delta_id,
                    delta.flow,
                    delta.target_system,
                    delta.entity_id,
                    error,
                    _now(),
                    cause,
                ),
            )

    def retry_transient(self, ids: Iterable[str], max_retries: int) -> list[str]:
        """Re-queue those of `ids` that died of transient failures, at most `max_retries` times.

        Returns the ids re-queued; each counts one more automatic retry.
        """
        chosen = list(ids)
        if not chosen or max_retries <= 0:
            return []
        marks = ", ".join("?" for _ in chosen)
        with self._transaction() as conn:
            keys = [
                row["delta_id"]
                for row in conn.execute(
                    f"select delta_id from dead_letter where delta_id in ({marks}) "
                    "and replayed_at is null and cause = 'transient' and auto_retries < ? "
                    "order by delta_id",
                    (*chosen, max_retries),
                ).fetchall()
            ]
            _requeue_dead(conn, keys, automatic=True)
        return keys

    def dead_letters(self, *, include_replayed: bool = False) -> list[dict[str, Any]]:
        sql = "select * from dead_letter"
        if not include_replayed:
            sql += " where replayed_at is null"
        return [dict(r) for r in self._conn.execute(sql + " order by dead_at, delta_id")]

    def replay(self, *, flow: str | None = None, ids: Iterable[str] | None = None) -> int:
        """Put chosen dead letters back in the queue (the next push sends them); how many."""
        sql, params = "select delta_id from dead_letter where replayed_at is null", []
        if flow is not None:
            sql += " and flow = ?"
            params.append(flow)
        if ids is not None:
            chosen = list(ids)
            sql += f" and delta_id in ({', '.join('?' for _ in chosen)})"
            params += chosen
        with self._transaction() as conn:
            keys = [row["delta_id"] for row in conn.execute(sql, params).fetchall()]
            _requeue_dead(conn, keys, automatic=False)
        return len(keys)

    def quarantine(self, delta: Delta, reason: str) -> None:
        """An invalid payload: never sent, kept with the reason."""
        with self._transaction() as conn:
            conn.execute(
                "update outbox set state = 'quarantined' where delta_id = ?", (delta.delta_id,)
            )
            conn.execute(
                "insert or replace into sync_quarantine (delta_id, flow, target_system, "
                "entity_id, reason, quarantined_at) values (?, ?, ?, ?, ?, ?)",
                (delta.delta_id, delta.flow, delta.target_system, delta.entity_id, reason, _now()),
            )

    def quarantined(self) -> list[dict[str, Any]]:
        rows = self._conn.execute("select * from sync_quarantine order by quarantined_at")
        return [dict(r) for r in rows]

    def approve_payroll(self, pay_run_id: str, approved_by: str) -> bool:
        """Record the audit checkpoint for a pay run; False if it was approved already."""
        cursor = self._conn.execute(
            "insert or ignore into payroll_approval (pay_run_id, approved_by, approved_at) "
            "values (?, ?, ?)",
            (pay_run_id, approved_by, _now()),
        )
        return cursor.rowcount == 1

    def payroll_approval(self, pay_run_id: str) -> dict[str, Any] | None:
        row = self._conn.execute(
            "select * from payroll_approval where pay_run_id = ?", (pay_run_id,)
        ).fetchone()
        return dict(row) if row else None


def _delta(row: sqlite3.Row) -> Delta:
    return Delta(
        delta_id=row["delta_id"],
        flow=row["flow"],
        target_system=row["target_system"],
        target_instance=row["target_instance"],
        operation=row["operation"],
        entity_type=row["entity_type"],
        entity_id=row["entity_id"],
        target_remote_id=row["target_remote_id"],
        natural_key=row["natural_key"],
        payload=json.loads(row["payload"]),
        observed_at=datetime.fromisoformat(row["observed_at"]),
    )
