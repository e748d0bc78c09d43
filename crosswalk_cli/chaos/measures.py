"""What the chaos report counts, each read from the side that knows it.

- duplicates: records a vendor holds twice because crosswalk created one that already existed
  (the sandbox's write log, `/_sandbox/truth/duplicates`);
- lost changes: webhook deliveries the vendor made that never reached the inbox; deltas still
  waiting or with an unknown outcome at the end; raw tables holding fewer rows than the vendor
  (counted per table: a vendor's hard deletes can leave the warehouse with more rows until its
  deletion sweep, which is not a loss; a record ingestion quarantined is kept, not lost);
- standing drift by rule, auto-fixable or not (`/_sandbox/truth/drift`), and how crosswalk's open
  findings compare with it;
- dead letters still open and quarantined deltas (the ops store).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import httpx

from crosswalk_cli.chaos.truth import confusion, open_findings, truth_keys
from dlt_sources.common.quarantine import QUARANTINE_SUFFIX
from orchestration.push.store import ops_transaction
from orchestration.webhooks.deliveries import (
    bamboohr_event,
    gusto_event,
    gusto_handshake,
    parse_gusto,
)

RAW_SCHEMAS = {
    "bamboohr": "raw_bamboohr",
    "netsuite": "raw_netsuite",
    "harvest": "raw_harvest",
    "gusto": "raw_gusto",
}


def control(sandbox_url: str, path: str) -> dict:
    response = httpx.get(f"{sandbox_url}/_sandbox{path}", timeout=120)
    response.raise_for_status()
    return response.json()


@dataclass
class WebhookAccount:
    delivered: int  # distinct events the vendors delivered
    accepted: int  # distinct events in the inbox
    lost: list[str]  # delivered, not in the inbox
    undelivered: int  # deliveries the vendor gave up on (never acknowledged)
    still_pending: int


def webhook_account(sandbox_url: str, ops_db: Path) -> WebhookAccount:
    deliveries = control(sandbox_url, "/webhooks")["deliveries"]
    delivered: set[str] = set()
    for delivery in deliveries:
        if delivery["status"] != "delivered":
            continue
        body = delivery["body"].encode()
        if delivery["system"] == "bamboohr":
            delivered.add(bamboohr_event(body).delivery_key)
        else:
            payload = parse_gusto(body)
            if gusto_handshake(payload) is None:
                delivered.add(gusto_event(payload, body).delivery_key)
    with ops_transaction(ops_db) as conn:
        accepted = {row[0] for row in conn.execute("select delivery_key from webhook_inbox")}
    return WebhookAccount(
        delivered=len(delivered),
        accepted=len(accepted),
        lost=sorted(delivered - accepted),
        undelivered=sum(1 for d in deliveries if d["status"] == "failed"),
        still_pending=sum(1 for d in deliveries if d["status"] == "pending"),
    )


@dataclass
class PushAccount:
    pending: int  # deltas enqueued and never completed
    unknown_outcome: int  # a live delta whose last request's answer was never recorded
    superseded_unknown: int = 0  # the same, on a delta a later one for the same change replaced
    dead_letters: list[dict] = field(default_factory=list)
    quarantined: int = 0


def push_account(ops_db: Path) -> PushAccount:
    with ops_transaction(ops_db) as conn:
        conn.row_factory = sqlite3.Row
        pending = conn.execute("select count(*) from outbox where state = 'pending'").fetchone()[0]
        # The latest attempt per delta still `sent`: nobody knows whether it landed. A superseded
        # delta's change is carried by its successor (which adopts what the lost attempt made).
        unknown_by_state = dict(
            conn.execute(
                "select coalesce(o.state, 'missing'), count(*) from sync_ledger l "
                "left join outbox o on o.delta_id = l.idempotency_key "
                "where l.status = 'sent' and l.ledger_id = (select max(ledger_id) "
                "from sync_ledger m where m.idempotency_key = l.idempotency_key) group by 1"
            ).fetchall()
        )
        superseded = unknown_by_state.pop("superseded", 0)
        unknown = sum(unknown_by_state.values())
        dead = [
            dict(row)
            for row in conn.execute(
                "select delta_id, flow, target_system, entity_id, error, dead_at "
                "from dead_letter where replayed_at is null order by dead_at"
            )
        ]
        quarantined = conn.execute("select count(*) from sync_quarantine").fetchone()[0]
    return PushAccount(pending, unknown, superseded, dead, quarantined)


@dataclass
class TableGap:
    system: str
    table: str
    vendor_rows: int
    warehouse_rows: int
    quarantined_rows: int = 0  # in `<table>__quarantine` only: refused with a reason, not lost

    @property
    def lost_rows(self) -> int:
        return self.vendor_rows - self.warehouse_rows - self.quarantined_rows


def ingest_gaps(sandbox_url: str, warehouse: Path) -> list[TableGap]:
    """Raw tables holding fewer rows than the vendor serves (rows the warehouse never got).

    A record ingestion refused sits in the table's quarantine with its reason: kept, so it
    counts as held unless the raw table holds the record too (a later, valid version).
    """
    counts = control(sandbox_url, "/truth/counts")
    gaps = []
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        for system, tables in counts.items():
            schema = RAW_SCHEMAS.get(system)
            if schema is None:
                continue
            for table, vendor_rows in tables.items():
                try:
                    (rows,) = conn.execute(f'select count(*) from {schema}."{table}"').fetchone()
                except duckdb.CatalogException:
                    rows = 0
                quarantined = _quarantined_only(conn, schema, table)
                if rows + quarantined < vendor_rows:
                    gaps.append(TableGap(system, table, vendor_rows, rows, quarantined))
    return gaps


def _quarantined_only(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    """Records of `table`'s quarantine its raw table does not hold (by instance and key).

    The key is the raw table's `id` or `uuid`; a table keyed by several fields (a quarantine
    key joins them with ":") counts every quarantined record.
    """
    columns = {
        name
        for (name,) in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }
    quarantine = f'{schema}."{table}{QUARANTINE_SUFFIX}"'
    try:
        conn.execute(f"select 1 from {quarantine} limit 0")
    except duckdb.CatalogException:
        return 0
    key = next((k for k in ("id", "uuid") if k in columns), None)
    held = "false"
    if key is not None and "source_relation" in columns:
        held = (
            f'exists (select 1 from {schema}."{table}" as r where '
            f"r.source_relation = q.source_relation and cast(r.{key} as varchar) = q.record_key)"
        )
    (count,) = conn.execute(f"select count(*) from {quarantine} as q where not {held}").fetchone()
    return int(count)


@dataclass
class DriftAccount:
    standing: dict[str, dict[str, int | bool]]  # rule -> {count, auto_fixable}
    auto_fixable_standing: int
    findings_missed: int  # standing in truth, no open finding
    findings_spurious: int  # open finding, nothing standing


def drift_account(sandbox_url: str, warehouse: Path) -> DriftAccount:
    drift = control(sandbox_url, "/truth/drift?standing=true")
    standing: dict[str, dict[str, int | bool]] = {}
    for entry in drift["drift"]:
        rule = standing.setdefault(entry["rule"], {"count": 0, "auto_fixable": False})
        rule["count"] = int(rule["count"]) + 1
        rule["auto_fixable"] = bool(entry["auto_fixable"])
    table = confusion(truth_keys(drift), open_findings(warehouse))
    return DriftAccount(
        standing=dict(sorted(standing.items())),
        auto_fixable_standing=sum(1 for e in drift["drift"] if e["auto_fixable"]),
        findings_missed=sum(len(c.missed) for c in table.values()),
        findings_spurious=sum(len(c.spurious) for c in table.values()),
    )


def auto_fixable_standing_by_rule(sandbox_url: str) -> dict[str, int]:
    standing: dict[str, int] = {}
    for entry in control(sandbox_url, "/truth/drift?standing=true")["drift"]:
        if entry["auto_fixable"]:
            standing[entry["rule"]] = standing.get(entry["rule"], 0) + 1
    return standing


def duplicates(sandbox_url: str) -> list[dict]:
    return control(sandbox_url, "/truth/duplicates")["duplicates"]
