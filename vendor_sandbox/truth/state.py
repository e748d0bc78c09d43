"""Ground truth of drift kept across evaluations: when each disagreement appeared and ended.

An evaluation runs every detector at the current business time and reconciles the result with
`sandbox_drift`: new disagreements open (stamped with their injection time and cause when the
sandbox injected them, else the evaluation time and "business_event"), standing ones are seen
again, and ones no longer detected get `resolved_at`; a disagreement that comes back reopens.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

import orjson

from vendor_sandbox.clock import iso_z
from vendor_sandbox.truth.detectors import detect
from vendor_sandbox.truth.rules import RULES


def evaluate(
    conn: sqlite3.Connection, now: datetime, *, first_cause: str = "business_event"
) -> int:
    """Refresh `sandbox_drift` at business time `now`; returns how many findings stand."""
    stamp = iso_z(now)
    findings = {f.key: f for f in detect(conn, now)}
    injections = {
        (r[0], r[1], r[2], r[3]): (r[4], r[5])
        for r in conn.execute(
            "select rule, entity_type, entity_id, systems, min(injected_at), cause "
            "from sandbox_injection group by rule, entity_type, entity_id, systems"
        )
    }
    known = {
        (r[0], r[1], r[2], r[3]): r[4]
        for r in conn.execute(
            "select rule, entity_type, entity_id, systems, resolved_at from sandbox_drift"
        )
    }
    for key, finding in findings.items():
        details = orjson.dumps(finding.details).decode()
        if key not in known:
            injected_at, cause = injections.get(key, (stamp, first_cause))
            conn.execute(
                "insert into sandbox_drift (rule, entity_type, entity_id, systems, first_seen_at, "
                "last_seen_at, resolved_at, cause, details) values (?,?,?,?,?,?,null,?,?)",
                (*key, injected_at, stamp, cause, details),
            )
        else:
            conn.execute(
                "update sandbox_drift set last_seen_at = ?, resolved_at = null, details = ? "
                "where rule = ? and entity_type = ? and entity_id = ? and systems = ?",
                (stamp, details, *key),
            )
    for key, resolved_at in known.items():
        if key not in findings and resolved_at is None:
            conn.execute(
                "update sandbox_drift set resolved_at = ? where rule = ? and entity_type = ? "
                "and entity_id = ? and systems = ?",
                (stamp, *key),
            )
    return len(findings)


def drift_entries(conn: sqlite3.Connection, *, standing_only: bool = False) -> list[dict]:
    """The truth/drift listing: every disagreement ever seen, standing ones first."""
    where = "where resolved_at is null" if standing_only else ""
    rows = conn.execute(
        f"select * from sandbox_drift {where} "
        "order by resolved_at is not null, rule, entity_type, entity_id, systems"
    ).fetchall()
    entries = []
    for row in rows:
        rule = RULES[row["rule"]]
        details = orjson.loads(row["details"]) if row["details"] else {}
        entries.append(
            {
                "rule": row["rule"],
                "entity_type": row["entity_type"],
                "entity_id": row["entity_id"],
                "systems": row["systems"].split(","),
                "injected_at": row["first_seen_at"],
                "last_seen_at": row["last_seen_at"],
                "resolved_at": row["resolved_at"],
                "standing": row["resolved_at"] is None,
                "cause": row["cause"],
                "severity": rule.severity,
                "owner": rule.owner,
                "auto_fixable": auto_fixable_of(row["rule"], details),
                "fix_flow": fix_flow_of(row["rule"], details),
                "details": details,
            }
        )
    return entries


def auto_fixable_of(rule: str, details: dict) -> bool:
    """Whether the write-back can fix this finding: its rule's, unless the finding says not.

    Approved time with no cost rate anywhere, or on an unmapped task, waits for a person.
    """
    return RULES[rule].auto_fixable and details.get("costable", True) is not False


def fix_flow_of(rule: str, details: dict) -> str | None:
    """The write-back flow that fixes a finding (status drift depends on its direction)."""
    if rule == "worker_status_mismatch" and details.get("hcm_active"):
        return "update_worker"
    return RULES[rule].fix_flow
