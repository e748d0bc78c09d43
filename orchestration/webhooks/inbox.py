"""The durable webhook inbox, the webhook secrets and the refused deliveries, in the ops store.

One SQLite file with the push engine's ops store (CROSSWALK_OPS_DB), its own tables:
- `webhook_inbox`: one row per accepted delivery, unique by `delivery_key` (BambooHR: the
  SHA-256 of the body, which carries each change's own timestamp, so a retry of one delivery is
  the same key; Gusto: the event uuid). A duplicate is acknowledged and not appended again, so a
  vendor's retry and an attacker's replay change nothing twice. `subject_ids` names the records
  the delivery is about, for the sensor that ingests just those.
- `webhook_secret`: the keys deliveries are checked against. A BambooHR key is stored by the
  registration that received it; a Gusto verification token arrives in an unsigned handshake and
  stays `pending` (never trusted) until the vendor confirms it through its API (`verified`).
- `webhook_refusal`: deliveries refused, with the reason and the first 64 KiB of the body.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from orchestration.push.store import BUSY_TIMEOUT_SECONDS, ops_store_path

REFUSED_BODY_BYTES = 64 * 1024

SCHEMA = """
create table if not exists webhook_inbox (
    inbox_id integer primary key autoincrement,
    system text not null,
    delivery_key text not null unique,
    event_type text not null,
    subject_ids text not null,
    occurred_at text,
    received_at text not null,
    body text not null
);
create table if not exists webhook_secret (
    system text not null,
    subscription_id text not null,
    secret text not null,
    status text not null check (status in ('pending', 'verified')),
    created_at text not null,
    primary key (system, subscription_id)
);
create table if not exists webhook_refusal (
    refusal_id integer primary key autoincrement,
    system text not null,
    status integer not null,
    reason text not null,
    received_at text not null,
    body_sha256 text not null,
    body_head blob not null
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class InboxEvent:
    system: str
    delivery_key: str
    event_type: str
    subject_ids: list[str]
    occurred_at: str | None
    body: bytes


@dataclass(frozen=True)
class InboxRow:
    inbox_id: int
    system: str
    event_type: str
    subject_ids: list[str]
    occurred_at: str | None
    received_at: str


def body_key(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class WebhookInbox:
    """One connection to the inbox tables; open one per thread."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        self._conn.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        if create:
            self._conn.execute("pragma journal_mode = wal")
            self._conn.executescript(SCHEMA)

    @classmethod
    @contextmanager
    def open(cls, path: Path | None = None, *, create: bool = True) -> Iterator[WebhookInbox]:
        inbox = cls(path or ops_store_path(), create=create)
        try:
            yield inbox
        finally:
            inbox.close()

    def close(self) -> None:
        self._conn.close()

    # Inbox -------------------------------------------------------------------------------------

    def append(self, event: InboxEvent) -> int | None:
        """Append `event`; its inbox id, or None when its delivery key is already in."""
        cursor = self._conn.execute(
            "insert into webhook_inbox (system, delivery_key, event_type, subject_ids, "
            "occurred_at, received_at, body) values (?, ?, ?, ?, ?, ?, ?) "
            "on conflict (delivery_key) do nothing",
            (
                event.system,
                event.delivery_key,
                event.event_type,
                orjson.dumps(event.subject_ids).decode(),
                event.occurred_at,
                _now(),
                event.body.decode(),
            ),
        )
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def events_after(self, inbox_id: int, limit: int = 1000) -> list[InboxRow]:
        """Accepted events after `inbox_id`, oldest first (a sensor's cursor is the last id)."""
        rows = self._conn.execute(
            "select inbox_id, system, event_type, subject_ids, occurred_at, received_at "
            "from webhook_inbox where inbox_id > ? order by inbox_id limit ?",
            (inbox_id, limit),
        ).fetchall()
        return [InboxRow(r[0], r[1], r[2], orjson.loads(r[3]), r[4], r[5]) for r in rows]

    # Secrets -----------------------------------------------------------------------------------

    def add_verified_secret(self, system: str, subscription_id: str, secret: str) -> None:
        """A key the vendor itself handed over (registration through its API)."""
        self._conn.execute(
            "insert into webhook_secret (system, subscription_id, secret, status, created_at) "
            "values (?, ?, ?, 'verified', ?) on conflict (system, subscription_id) do update "
            "set secret = excluded.secret, status = 'verified'",
            (system, subscription_id, secret, _now()),
        )

    def add_pending_secret(self, system: str, subscription_id: str, secret: str) -> bool:
        """A token from an unsigned handshake: kept, never trusted, never over a verified one."""
        cursor = self._conn.execute(
            "insert into webhook_secret (system, subscription_id, secret, status, created_at) "
            "values (?, ?, ?, 'pending', ?) on conflict (system, subscription_id) do update "
            "set secret = excluded.secret where webhook_secret.status = 'pending'",
            (system, subscription_id, secret, _now()),
        )
        return cursor.rowcount == 1

    def pending_secret(self, system: str, subscription_id: str) -> str | None:
        row = self._conn.execute(
            "select secret from webhook_secret where system = ? and subscription_id = ? "
            "and status = 'pending'",
            (system, subscription_id),
        ).fetchone()
        return row[0] if row else None

    def mark_verified(self, system: str, subscription_id: str) -> None:
        self._conn.execute(
            "update webhook_secret set status = 'verified' "
            "where system = ? and subscription_id = ?",
            (system, subscription_id),
        )

    def verified_subscriptions(self, system: str) -> list[str]:
        rows = self._conn.execute(
            "select subscription_id from webhook_secret where system = ? and status = 'verified'",
            (system,),
        ).fetchall()
        return [r[0] for r in rows]

    def verified_secrets(self, system: str) -> list[str]:
        rows = self._conn.execute(
            "select secret from webhook_secret where system = ? and status = 'verified'",
            (system,),
        ).fetchall()
        return [r[0] for r in rows]

    # Refusals ----------------------------------------------------------------------------------

    def refuse(self, system: str, status: int, reason: str, body: bytes) -> None:
        self._conn.execute(
            "insert into webhook_refusal (system, status, reason, received_at, body_sha256, "
            "body_head) values (?, ?, ?, ?, ?, ?)",
            (system, status, reason, _now(), body_key(body), body[:REFUSED_BODY_BYTES]),
        )

    def refusals(self) -> list[tuple[str, int, str]]:
        return self._conn.execute(
            "select system, status, reason from webhook_refusal order by refusal_id"
        ).fetchall()
