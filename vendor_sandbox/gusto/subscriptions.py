"""Gusto webhook subscriptions and their verification handshake.

- `POST /v1/webhook_subscriptions {url, subscription_types}` creates a subscription in status
  `pending` and at once POSTs `{"verification_token", "webhook_subscription_uuid"}` to the URL.
- `PUT /v1/webhook_subscriptions/{uuid}/verify {verification_token}` with that token makes it
  `verified`; from then on every event of its types is delivered, signed with
  `X-Gusto-Signature` = hex HMAC-SHA256(body, verification_token) (vendor_sandbox/webhooks.py).
  A pending subscription receives nothing but verification deliveries.
- `GET .../request_verification_token` sends the token again.

Storage is the shared `sandbox_webhook_subscription` table (system `gusto`): `secret` holds the
verification token, `status` is `pending` or `active` (shown as `verified`), and `event_types`
holds one `<snake_type>.*` prefix per subscription type (`EmployeeJobCompensation` ->
`employee_job_compensation.*`), which is how writes.enqueue_webhooks matches events.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import uuid

import orjson

from vendor_sandbox.gusto.errors import not_found, unprocessable

SUBSCRIPTION_TYPES = (
    "BankAccount",
    "Company",
    "CompanyBenefit",
    "Contractor",
    "ContractorPayment",
    "Employee",
    "EmployeeBenefit",
    "EmployeeJobCompensation",
    "ExternalPayroll",
    "Form",
    "Location",
    "Notification",
    "Payroll",
    "PaySchedule",
    "Signatory",
)
_STATUS_SHOWN = {"pending": "pending", "active": "verified"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


PREFIX_OF_TYPE = {name: f"{_snake(name)}.*" for name in SUBSCRIPTION_TYPES}
TYPE_OF_PREFIX = {prefix: name for name, prefix in PREFIX_OF_TYPE.items()}


def _check_types(types: object) -> list[str]:
    if not isinstance(types, list) or not types:
        raise unprocessable("subscription_types", "subscription_types must be a non-empty list")
    unknown = [t for t in types if t not in PREFIX_OF_TYPE]
    if unknown:
        raise unprocessable("subscription_types", f"Unknown subscription types: {unknown}")
    return list(dict.fromkeys(types))


def _check_url(url: object) -> str:
    if not isinstance(url, str) or not re.match(r"^https?://", url):
        raise unprocessable("url", "url must be an http(s) URL")
    return url


def render(row: sqlite3.Row) -> dict[str, object]:
    """A subscription as Gusto shows it."""
    prefixes = orjson.loads(row["event_types"])
    return {
        "uuid": row["subscription_id"],
        "url": row["url"],
        "status": _STATUS_SHOWN.get(row["status"], row["status"]),
        "subscription_types": [TYPE_OF_PREFIX[p] for p in prefixes if p in TYPE_OF_PREFIX],
    }


def _row(conn: sqlite3.Connection, subscription_uuid: str) -> sqlite3.Row:
    row = conn.execute(
        "select * from sandbox_webhook_subscription where subscription_id = ? and system = 'gusto'",
        (subscription_uuid,),
    ).fetchone()
    if row is None:
        raise not_found("Webhook subscription")
    return row


def _queue_verification(conn: sqlite3.Connection, row: sqlite3.Row, now_iso: str) -> None:
    # Straight into the outbox: writes.enqueue_webhooks only serves active subscriptions.
    body = orjson.dumps(
        {"verification_token": row["secret"], "webhook_subscription_uuid": row["subscription_id"]}
    )
    conn.execute(
        "insert into sandbox_webhook_outbox (subscription_id, system, body, created_at) "
        "values (?, 'gusto', ?, ?)",
        (row["subscription_id"], body, now_iso),
    )


def create(conn: sqlite3.Connection, body: dict[str, object], now_iso: str) -> dict[str, object]:
    """Create a pending subscription and queue its verification delivery."""
    url = _check_url(body.get("url"))
    types = _check_types(body.get("subscription_types"))
    subscription_uuid = str(uuid.uuid4())
    conn.execute(
        "insert into sandbox_webhook_subscription (subscription_id, system, url, secret, "
        "event_types, status, created_at) values (?, 'gusto', ?, ?, ?, 'pending', ?)",
        (
            subscription_uuid,
            url,
            secrets.token_hex(16),
            orjson.dumps([PREFIX_OF_TYPE[t] for t in types]).decode(),
            now_iso,
        ),
    )
    row = _row(conn, subscription_uuid)
    _queue_verification(conn, row, now_iso)
    return render(row)


def verify(
    conn: sqlite3.Connection, subscription_uuid: str, body: dict[str, object]
) -> dict[str, object]:
    """Activate a subscription when the token it was sent comes back."""
    row = _row(conn, subscription_uuid)
    token = body.get("verification_token")
    if not isinstance(token, str) or not secrets.compare_digest(token, row["secret"]):
        raise unprocessable("verification_token", "The verification token is invalid")
    conn.execute(
        "update sandbox_webhook_subscription set status = 'active' where subscription_id = ?",
        (subscription_uuid,),
    )
    return render(_row(conn, subscription_uuid))


def request_verification_token(
    conn: sqlite3.Connection, subscription_uuid: str, now_iso: str
) -> None:
    _queue_verification(conn, _row(conn, subscription_uuid), now_iso)


def update(
    conn: sqlite3.Connection, subscription_uuid: str, body: dict[str, object]
) -> dict[str, object]:
    _row(conn, subscription_uuid)
    types = _check_types(body.get("subscription_types"))
    conn.execute(
        "update sandbox_webhook_subscription set event_types = ? where subscription_id = ?",
        (orjson.dumps([PREFIX_OF_TYPE[t] for t in types]).decode(), subscription_uuid),
    )
    return render(_row(conn, subscription_uuid))


def delete(conn: sqlite3.Connection, subscription_uuid: str) -> None:
    """Remove a subscription; deliveries still queued for it are dropped."""
    _row(conn, subscription_uuid)
    conn.execute(
        "update sandbox_webhook_outbox set status = 'cancelled' "
        "where subscription_id = ? and status = 'pending'",
        (subscription_uuid,),
    )
    conn.execute(
        "delete from sandbox_webhook_subscription where subscription_id = ?", (subscription_uuid,)
    )


def get(conn: sqlite3.Connection, subscription_uuid: str) -> dict[str, object]:
    return render(_row(conn, subscription_uuid))


def list_all(conn: sqlite3.Connection) -> list[dict[str, object]]:
    rows = conn.execute(
        "select * from sandbox_webhook_subscription where system = 'gusto' order by created_at, "
        "subscription_id"
    ).fetchall()
    return [render(row) for row in rows]
