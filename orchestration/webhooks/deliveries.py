"""What a verified delivery says, as an inbox event: its key, its type and the records it names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from orchestration.webhooks.inbox import InboxEvent, body_key
from orchestration.webhooks.signatures import Rejected


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Rejected(400, f"body is not JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise Rejected(400, "body is not a JSON object")
    return parsed


def bamboohr_event(body: bytes) -> InboxEvent:
    """`{"employees": [{"id", "action", "timestamp", ...}]}`: one event naming every employee."""
    changes = _json_object(body).get("employees")
    if not isinstance(changes, list) or not changes:
        raise Rejected(400, "BambooHR delivery without an `employees` list")
    if not all(isinstance(c, dict) and c.get("id") is not None for c in changes):
        raise Rejected(400, "BambooHR delivery with an employee change that has no id")
    actions = sorted({str(c.get("action", "")).lower() for c in changes})
    stamps = [str(c["timestamp"]) for c in changes if c.get("timestamp")]
    return InboxEvent(
        system="bamboohr",
        # The body carries each change's own timestamp: a retry of a delivery is the same body.
        delivery_key=f"bamboohr:{body_key(body)}",
        event_type="employee." + ("|".join(actions) or "changed"),
        subject_ids=sorted({str(c["id"]) for c in changes}),
        occurred_at=max(stamps) if stamps else None,
        body=body,
    )


def gusto_handshake(payload: dict[str, Any]) -> tuple[str, str] | None:
    """(subscription uuid, verification token) when the delivery is Gusto's handshake."""
    token = payload.get("verification_token")
    subscription = payload.get("webhook_subscription_uuid")
    if isinstance(token, str) and isinstance(subscription, str) and token and subscription:
        return subscription, token
    return None


def gusto_event(payload: dict[str, Any], body: bytes) -> InboxEvent:
    """`{uuid, event_type, entity_type, entity_uuid, timestamp, ...}`: keyed by the event uuid."""
    missing = [k for k in ("uuid", "event_type", "entity_uuid") if not payload.get(k)]
    if missing:
        raise Rejected(400, f"Gusto event without {', '.join(missing)}")
    stamp = payload.get("timestamp")
    occurred = (
        datetime.fromtimestamp(stamp, UTC).isoformat() if isinstance(stamp, int | float) else None
    )
    return InboxEvent(
        system="gusto",
        delivery_key=f"gusto:{payload['uuid']}",
        event_type=str(payload["event_type"]),
        subject_ids=[str(payload["entity_uuid"])],
        occurred_at=occurred,
        body=body,
    )


def parse_gusto(body: bytes) -> dict[str, Any]:
    return _json_object(body)
