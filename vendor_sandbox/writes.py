"""Bookkeeping shared by every vendor's write endpoints: the create log and webhook enqueueing.

A create through a vendor API is logged with its natural key (the key a person would say makes
two records "the same": a user's normalised email, a project's code, a time entry's external
reference). A create whose natural key already names a live record is a duplicate; write-back is
judged by `/_sandbox/truth/duplicates` being empty.
"""

from __future__ import annotations

import sqlite3

import orjson


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def log_create(
    conn: sqlite3.Connection,
    *,
    system: str,
    entity: str,
    natural_key: str,
    remote_id: str | int,
    now_iso: str,
    existing_remote_id: str | int | None,
) -> None:
    """Record a create made through a vendor API.

    Args:
        existing_remote_id: the id of a live record that already had this natural key before the
            create, or None. When set, the create is a duplicate.
    """
    conn.execute(
        "insert into sandbox_write_log (system, entity, natural_key, remote_id, created_at, "
        "duplicate_of) values (?, ?, ?, ?, ?, ?)",
        (
            system,
            entity,
            natural_key,
            str(remote_id),
            now_iso,
            None if existing_remote_id is None else str(existing_remote_id),
        ),
    )


def enqueue_webhooks(
    conn: sqlite3.Connection,
    *,
    system: str,
    event_type: str,
    payload: dict[str, object],
    now_iso: str,
) -> int:
    """Queue one delivery of `payload` to every active subscription of `system` for `event_type`.

    The delivery worker signs each body in the vendor's scheme when it sends it. Returns the
    number of deliveries queued.
    """
    subs = conn.execute(
        "select subscription_id, event_types from sandbox_webhook_subscription "
        "where system = ? and status = 'active'",
        (system,),
    ).fetchall()
    body = orjson.dumps(payload)
    queued = 0
    for sub in subs:
        types = orjson.loads(sub["event_types"])
        if types and not any(event_type.startswith(t.rstrip("*")) for t in types):
            continue
        conn.execute(
            "insert into sandbox_webhook_outbox (subscription_id, system, body, created_at) "
            "values (?, ?, ?, ?)",
            (sub["subscription_id"], system, body, now_iso),
        )
        queued += 1
    return queued
