"""Gusto's change feed (`GET /v1/events`) and the webhooks each event fans out to.

An event is `{uuid, event_type, resource_type, resource_uuid, entity_type, entity_uuid,
timestamp}`: the resource is the company (`resource_type` is always `Company`), the entity is what
changed (`Employee`, `Job`, `Compensation`, `Payroll`, ...), and `timestamp` is Unix seconds of
business time. Webhook deliveries carry the same object as their body.

Feed rules kept here:
- Order is the order events happened in (`seq`, which follows business time because events are
  only ever appended at the clock's "now"); `sort_order=desc` walks it backwards.
- `starting_after_uuid` is exclusive. A cursor Gusto never issued answers 422.
- Retention: only events of the last 30 days of business time are served; older rows stay in the
  table only so that an old cursor still has a position.
- `event_type` takes Gusto's wildcards (`employee.*`, `*.created`).
- A company token sees its company's events; a system token sees every company's, narrowed by
  `resource_uuid` if given.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass

from vendor_sandbox import writes
from vendor_sandbox.gusto.errors import unprocessable

RETENTION_SECONDS = 30 * 86_400
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
EVENT_FIELDS = (
    "uuid",
    "event_type",
    "resource_type",
    "resource_uuid",
    "entity_type",
    "entity_uuid",
    "timestamp",
)
_EVENT_NAMESPACE = uuid.UUID("6f1c2a4e-9b53-4d2e-8c47-3a5f0e9d1b72")


def event_uuid(company_uuid: str, seq: int) -> str:
    """A stable uuid for the seq-th event: same history, same ids."""
    return str(uuid.uuid5(_EVENT_NAMESPACE, f"{company_uuid}:{seq}"))


def append_event(
    conn: sqlite3.Connection,
    *,
    company_uuid: str,
    event_type: str,
    entity_type: str,
    entity_uuid: str,
    timestamp: int,
    now_iso: str,
    resource_type: str = "Company",
    resource_uuid: str | None = None,
) -> dict[str, object]:
    """Append one event and queue its webhook deliveries; returns the event as served.

    Runs inside the caller's write transaction, so the event and its deliveries commit (or roll
    back) with the change they describe.
    """
    seq = conn.execute("select coalesce(max(seq), 0) + 1 from gusto_events").fetchone()[0]
    event = {
        "uuid": event_uuid(company_uuid, seq),
        "event_type": event_type,
        "resource_type": resource_type,
        "resource_uuid": resource_uuid or company_uuid,
        "entity_type": entity_type,
        "entity_uuid": entity_uuid,
        "timestamp": int(timestamp),
    }
    conn.execute(
        "insert into gusto_events (seq, uuid, company_uuid, event_type, resource_type, "
        "resource_uuid, entity_type, entity_uuid, timestamp) values (?,?,?,?,?,?,?,?,?)",
        (
            seq,
            event["uuid"],
            company_uuid,
            event_type,
            event["resource_type"],
            event["resource_uuid"],
            entity_type,
            entity_uuid,
            event["timestamp"],
        ),
    )
    writes.enqueue_webhooks(
        conn, system="gusto", event_type=event_type, payload=event, now_iso=now_iso
    )
    return event


@dataclass(frozen=True)
class FeedPage:
    events: list[dict[str, object]]
    has_next: bool


def parse_limit(value: str | None) -> int:
    """Gusto takes `limit` as a string; 1..100, default 25."""
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError as exc:
        raise unprocessable("limit", "limit must be an integer between 1 and 100") from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise unprocessable("limit", "limit must be an integer between 1 and 100")
    return limit


def _glob(pattern: str) -> str:
    # SQLite GLOB treats ? and [ as wildcards too; Gusto's patterns only use *, so escape them.
    return pattern.replace("[", "[[]").replace("?", "[?]")


def list_events(
    conn: sqlite3.Connection,
    *,
    now_ts: int,
    company_uuid: str | None,
    resource_uuid: str | None = None,
    starting_after_uuid: str | None = None,
    limit: int = DEFAULT_LIMIT,
    event_type: str | None = None,
    descending: bool = False,
) -> FeedPage:
    """One page of the feed for a company token (`company_uuid`) or a system token (None)."""
    where = ["timestamp >= ?"]
    args: list[object] = [now_ts - RETENTION_SECONDS]
    if company_uuid is not None:
        where.append("company_uuid = ?")
        args.append(company_uuid)
    if resource_uuid:
        where.append("resource_uuid = ?")
        args.append(resource_uuid)
    if event_type:
        where.append("event_type glob ?")
        args.append(_glob(event_type))
    if starting_after_uuid:
        cursor = conn.execute(
            "select seq, company_uuid from gusto_events where uuid = ?", (starting_after_uuid,)
        ).fetchone()
        if cursor is None or company_uuid not in (None, cursor["company_uuid"]):
            raise unprocessable("starting_after_uuid", f"No event with uuid {starting_after_uuid}")
        where.append("seq < ?" if descending else "seq > ?")
        args.append(cursor[0])
    order = "desc" if descending else "asc"
    rows = conn.execute(
        f"select {', '.join(EVENT_FIELDS)} from gusto_events where {' and '.join(where)} "
        f"order by seq {order} limit ?",
        (*args, limit + 1),
    ).fetchall()
    return FeedPage([dict(row) for row in rows[:limit]], len(rows) > limit)
