"""`alerts` in the ops store: one row per change of a domain's state, posted to an optional URL.

A row is written when a domain turns WARN or FAIL, and when it clears (back to PASS). With
CROSSWALK_ALERT_WEBHOOK_URL set, each row is also POSTed there as JSON; the answer (or the
error) is kept on the row, and a failed POST never stops the sensor.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx

from orchestration.freshness.health import DomainHealth
from orchestration.push.store import BUSY_TIMEOUT_SECONDS, ops_store_path

ALERT_URL_ENV = "CROSSWALK_ALERT_WEBHOOK_URL"

SCHEMA = """
create table if not exists alerts (
    alert_id integer primary key autoincrement,
    domain text not null,
    state text not null,
    previous_state text,
    detail text not null,
    raised_at text not null,
    posted_status text
);
"""


def ensure_alerts_table(path: Path | None = None) -> Path:
    path = path or ops_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS) as conn:
        conn.executescript(SCHEMA)
    return path


def raise_alert(
    health: DomainHealth, previous_state: str | None, path: Path | None = None
) -> tuple[int, str | None]:
    """Record the change; POST it when a URL is configured. (alert id, post outcome)."""
    path = ensure_alerts_table(path)
    raised_at = datetime.now(UTC).isoformat(timespec="seconds")
    with sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS) as conn:
        alert_id = conn.execute(
            "insert into alerts (domain, state, previous_state, detail, raised_at) "
            "values (?, ?, ?, ?, ?)",
            (health.domain, health.state, previous_state, health.detail, raised_at),
        ).lastrowid
    url = os.environ.get(ALERT_URL_ENV)
    if not url:
        return alert_id, None
    payload = {
        "alert_id": alert_id,
        "domain": health.domain,
        "state": health.state,
        "previous_state": previous_state,
        "detail": health.detail,
        "raised_at": raised_at,
    }
    try:
        outcome = str(httpx.post(url, json=payload, timeout=5.0).status_code)
    except httpx.HTTPError as exc:
        outcome = f"error: {type(exc).__name__}"
    with sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS) as conn:
        conn.execute("update alerts set posted_status = ? where alert_id = ?", (outcome, alert_id))
    return alert_id, outcome
