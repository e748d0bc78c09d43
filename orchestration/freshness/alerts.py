"""`alerts` in the ops store: one row per change of a domain's state, posted to an optional URL.

A row is written when a domain's window, or a legal entity's deadline, turns WARN or FAIL, and
when it clears (back to PASS). Deadline rows name the legal entity and the deadline
(`payroll_cutoff`, `month_end_close`); window rows leave both empty. With
CROSSWALK_ALERT_WEBHOOK_URL set, each row is also POSTed there as JSON; the answer (or the error)
is kept on the row, and a failed POST never stops the sensor.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import httpx

from orchestration.freshness.health import DomainHealth
from orchestration.push.store import add_missing_columns, ops_store_path, ops_transaction

ALERT_URL_ENV = "CROSSWALK_ALERT_WEBHOOK_URL"

SCHEMA = """
create table if not exists alerts (
    alert_id integer primary key autoincrement,
    domain text not null,
    state text not null,
    previous_state text,
    detail text not null,
    raised_at text not null,
    posted_status text,
    legal_entity text,
    deadline text
);
"""
# Columns added after the table first shipped: an older ops store gains them on first use.
ADDED_COLUMNS = (("alerts", "legal_entity", "text"), ("alerts", "deadline", "text"))


def ensure_alerts_table(path: Path | None = None) -> Path:
    path = path or ops_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with ops_transaction(path) as conn:
        conn.executescript(SCHEMA)
        add_missing_columns(conn, ADDED_COLUMNS)
    return path


def raise_alert(
    health: DomainHealth,
    previous_state: str | None,
    path: Path | None = None,
    raised_at: datetime | None = None,
) -> tuple[int, str | None]:
    """Record the change, stamped when it was judged (default now); POST it if a URL is set.

    Returns (alert id, post outcome).
    """
    path = ensure_alerts_table(path)
    stamp = (raised_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    with ops_transaction(path) as conn:
        alert_id = conn.execute(
            "insert into alerts (domain, legal_entity, deadline, state, previous_state, detail, "
            "raised_at) values (?, ?, ?, ?, ?, ?, ?)",
            (
                health.domain,
                health.legal_entity,
                health.deadline,
                health.state,
                previous_state,
                health.detail,
                stamp,
            ),
        ).lastrowid
    url = os.environ.get(ALERT_URL_ENV)
    if not url:
        return alert_id, None
    payload = {
        "alert_id": alert_id,
        "domain": health.domain,
        "legal_entity": health.legal_entity,
        "deadline": health.deadline,
        "state": health.state,
        "previous_state": previous_state,
        "detail": health.detail,
        "raised_at": stamp,
    }
    try:
        outcome = str(httpx.post(url, json=payload, timeout=5.0).status_code)
    except httpx.HTTPError as exc:
        outcome = f"error: {type(exc).__name__}"
    with ops_transaction(path) as conn:
        conn.execute("update alerts set posted_status = ? where alert_id = ?", (outcome, alert_id))
    return alert_id, outcome
