"""BambooHR permissioned webhooks: subscriptions made through the API, and field-based payloads.

A webhook watches `monitorFields` and posts `postFields` (a map of field name to the name the
payload uses). Events are BambooHR's field-based ones (`employee_with_fields.created|updated|
deleted`, the default set); an `Updated` delivery goes only to webhooks monitoring a changed
field, while `Created` and `Deleted` go to every webhook subscribed to that event and, as
BambooHR documents, carry empty `fields` and `changedFields`. The JSON body is
`{"employees": [{"id", "action", "timestamp", "fields", "changedFields"}]}`, signed by the shared
deliverer with the webhook's private key (X-BambooHR-Timestamp / X-BambooHR-Signature).

Sandbox choices: BambooHR only posts to https URLs; the emulator also accepts http for loopback
hosts so a local receiver can listen. Only the `json` format is served (BambooHR also offers
`form-encoded`). `changedFields` lists field names (`department`), not display labels.
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import UTC, datetime
from urllib.parse import urlsplit

import orjson

from vendor_sandbox.bamboohr.errors import BambooHRError
from vendor_sandbox.bamboohr.fields import KNOWN, EmployeeReader, canonical
from vendor_sandbox.clock import iso_z, parse_ts

SYSTEM = "bamboohr"
FIELD_EVENTS = (
    "employee_with_fields.created",
    "employee_with_fields.updated",
    "employee_with_fields.deleted",
)
ACTION_EVENT = {
    "Created": "employee_with_fields.created",
    "Updated": "employee_with_fields.updated",
    "Deleted": "employee_with_fields.deleted",
}
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def subscription_id(webhook_id: int) -> str:
    """The webhook's row in the shared sandbox_webhook_subscription table."""
    return f"bamboohr-webhook-{webhook_id}"


def _bad_request(issues: list[str]) -> BambooHRError:
    return BambooHRError(
        400,
        "Invalid request body",
        json_errors=[{"error": "Invalid request body", "issues": issues}],
    )


def _validate(body: object) -> tuple[str, str, list[str], dict[str, str], list[str]]:
    if not isinstance(body, dict):
        raise _bad_request(["the body must be a JSON object"])
    issues: list[str] = []
    name, url, fmt = body.get("name"), body.get("url"), body.get("format")
    if not isinstance(name, str) or not name.strip():
        issues.append("name is required")
    if not isinstance(url, str) or not url:
        issues.append("url is required")
    else:
        parts = urlsplit(url)
        loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
        if parts.scheme != "https" and not loopback:
            issues.append("url must begin with https://")
    if fmt is None:
        issues.append("format is required")
    elif fmt != "json":
        issues.append("format must be json (the sandbox does not send form-encoded payloads)")
    events = body.get("events") or list(FIELD_EVENTS)
    if not isinstance(events, list) or any(e not in FIELD_EVENTS for e in events):
        issues.append(f"events must be a subset of {list(FIELD_EVENTS)}")
        events = []
    monitor = body.get("monitorFields") or []
    if not isinstance(monitor, list) or not all(isinstance(f, str) for f in monitor):
        issues.append("monitorFields must be a list of field names")
        monitor = []
    if "employee_with_fields.updated" in events and not monitor:
        issues.append("monitorFields needs at least one field when employee updates are monitored")
    post = body.get("postFields") or {}
    if isinstance(post, list):  # a plain list of names posts each under its own name
        post = {str(f): str(f) for f in post}
    if not isinstance(post, dict):
        issues.append("postFields must be an object of field name to payload name")
        post = {}
    if issues:
        raise _bad_request(issues)
    unknown = sorted({f for f in [*monitor, *post] if f not in KNOWN and f not in ("id",)})
    if unknown:
        raise BambooHRError(
            403,
            "Unknown fields",
            json_errors=[{"error": f"Unknown or inaccessible fields: {', '.join(unknown)}"}],
        )
    return name.strip(), url, monitor, {str(k): str(v) for k, v in post.items()}, events


def create_webhook(conn: sqlite3.Connection, body: object, now_iso: str) -> dict[str, object]:
    """Store a webhook in bamboohr_webhooks and in the shared subscription table."""
    name, url, monitor, post, events = _validate(body)
    private_key = secrets.token_hex(32)
    created = parse_ts(now_iso).strftime("%Y-%m-%d %H:%M:%S")
    # Ids are never reused (a deleted webhook keeps its subscription row, status 'deleted').
    webhook_id = conn.execute(
        "select 1 + max((select coalesce(max(id), 0) from bamboohr_webhooks), "
        "(select count(*) from sandbox_webhook_subscription where system = ?))",
        (SYSTEM,),
    ).fetchone()[0]
    conn.execute(
        "insert into bamboohr_webhooks (id, name, url, privateKey, monitorFields, postFields, "
        "created, events) values (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            webhook_id,
            name,
            url,
            private_key,
            orjson.dumps(monitor).decode(),
            orjson.dumps(post).decode(),
            created,
            orjson.dumps(events).decode(),
        ),
    )
    conn.execute(
        "insert into sandbox_webhook_subscription (subscription_id, system, url, secret, "
        "event_types, status, created_at) values (?, ?, ?, ?, ?, 'active', ?)",
        (subscription_id(webhook_id), SYSTEM, url, private_key, '["employee"]', now_iso),
    )
    return {
        "id": str(webhook_id),
        "name": name,
        "created": created,
        "lastSent": None,
        "monitorFields": monitor,
        "postFields": post,
        "url": url,
        "format": "json",
        "privateKey": private_key,
        "includeCompanyDomain": False,
        "events": events,
    }


def _last_sent(conn: sqlite3.Connection, webhook_id: int) -> str | None:
    row = conn.execute(
        "select max(created_at) from sandbox_webhook_outbox where subscription_id = ? "
        "and status = 'delivered'",
        (subscription_id(webhook_id),),
    ).fetchone()
    return parse_ts(row[0]).strftime("%Y-%m-%d %H:%M:%S") if row and row[0] else None


def list_webhooks(conn: sqlite3.Connection) -> dict[str, list[dict[str, object]]]:
    rows = conn.execute("select id, name, created, url from bamboohr_webhooks order by id")
    return {
        "webhooks": [
            {
                "id": str(r["id"]),
                "name": r["name"],
                "created": r["created"],
                "lastSent": _last_sent(conn, r["id"]),
                "url": r["url"],
            }
            for r in rows.fetchall()
        ]
    }


def get_webhook(conn: sqlite3.Connection, webhook_id: int) -> dict[str, object]:
    row = conn.execute("select * from bamboohr_webhooks where id = ?", (webhook_id,)).fetchone()
    if row is None:
        raise BambooHRError(
            404,
            "Webhook not found",
            json_errors=[{"error": f"No webhook was found with ID: {webhook_id}."}],
        )
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "created": row["created"],
        "lastSent": _last_sent(conn, webhook_id),
        "monitorFields": orjson.loads(row["monitorFields"]),
        "postFields": orjson.loads(row["postFields"]),
        "url": row["url"],
        "format": "json",
        "includeCompanyDomain": False,
        "events": orjson.loads(row["events"]),
    }


def delete_webhook(conn: sqlite3.Connection, webhook_id: int) -> None:
    """Remove the webhook; its subscription stops and undelivered payloads are dropped."""
    get_webhook(conn, webhook_id)
    conn.execute("delete from bamboohr_webhooks where id = ?", (webhook_id,))
    sub = subscription_id(webhook_id)
    conn.execute(
        "update sandbox_webhook_subscription set status = 'deleted' where subscription_id = ?",
        (sub,),
    )
    conn.execute(
        "update sandbox_webhook_outbox set status = 'canceled' where subscription_id = ? "
        "and status = 'pending'",
        (sub,),
    )


def as_moment(now: str | datetime) -> datetime:
    """A business-time moment given as an ISO 8601 string (Z or offset) or an aware datetime."""
    return parse_ts(now) if isinstance(now, str) else now.astimezone(UTC)


def bamboohr_timestamp(now: str | datetime) -> str:
    """BambooHR's webhook timestamp: '2026-01-31T18:42:00+0000'."""
    return as_moment(now).strftime("%Y-%m-%dT%H:%M:%S+0000")


def queue_employee_event(
    conn: sqlite3.Connection,
    *,
    employee_id: int,
    action: str,
    changed_fields: list[str],
    now: str | datetime,
) -> int:
    """Queue one delivery per webhook interested in this change; returns how many were queued."""
    event = ACTION_EVENT[action]
    changed = {canonical(f) for f in changed_fields}
    hooks = conn.execute(
        "select w.id, w.monitorFields, w.postFields, w.events from bamboohr_webhooks w "
        "join sandbox_webhook_subscription s on s.subscription_id = 'bamboohr-webhook-' || w.id "
        "where s.status = 'active' order by w.id"
    ).fetchall()
    employee = conn.execute(
        "select * from bamboohr_employees where id = ?", (employee_id,)
    ).fetchone()
    reader = EmployeeReader(conn)
    stamp = bamboohr_timestamp(now)
    created_at = iso_z(as_moment(now))
    queued = 0
    for hook in hooks:
        if event not in orjson.loads(hook["events"]):
            continue
        monitored = [f for f in orjson.loads(hook["monitorFields"]) if canonical(f) in changed]
        if action == "Updated" and not monitored:
            continue
        fields: dict[str, object] = {}
        if action == "Updated" and employee is not None:
            for field, alias in orjson.loads(hook["postFields"]).items():
                fields[alias] = reader.value(employee, field)
        entry = {
            "id": str(employee_id),
            "action": action,
            "timestamp": stamp,
            "fields": fields,
            "changedFields": monitored if action == "Updated" else [],
        }
        conn.execute(
            "insert into sandbox_webhook_outbox (subscription_id, system, body, created_at) "
            "values (?, ?, ?, ?)",
            (subscription_id(hook["id"]), SYSTEM, orjson.dumps({"employees": [entry]}), created_at),
        )
        queued += 1
    return queued
