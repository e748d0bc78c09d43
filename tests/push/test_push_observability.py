"""The write-back's figures in the observability marts equal the ops store they come from.

Read from what the bad day left (conftest.py): its last `crosswalk run` pushed, mirrored the ops
store (ledger, dead letters, outbox) into the warehouse, built the marts and published them. Later
tests here write no ops store row, so the marts must equal counts taken straight from the SQLite
ops store now: outbox depth per lane, dead letters, failed attempts over completed attempts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import dagster as dg
import duckdb
import pytest

from orchestration.defs.observability.assets import OPS_HEALTH_KEY
from tests.push.conftest import Pushed

# ARCHITECTURE §7: the domain whose records trigger each flow.
FLOW_DOMAIN = {
    "provision_worker": "worker_master",
    "update_worker": "worker_master",
    "offboard_worker": "worker_master",
    "activate_project": "financial_dimensions",
    "confirm_assignment": "delivery",
    "post_approved_time": "delivery",
    "post_payroll_journal": "payroll",
}
Lane = tuple[str, str]  # (flow, target_instance)


def rows(database: Any, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(database), read_only=True) as conn:
        cursor = conn.execute(sql)
        names = [column[0] for column in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def store_counts(pushed: Pushed) -> dict[str, Counter[Lane]]:
    """Per lane, counted from the ops store itself."""
    firm = pushed.firm
    lane_of = {
        r["delta_id"]: (r["flow"], r["target_instance"])
        for r in firm.ops("select delta_id, flow, target_instance from outbox")
    }
    outbox = firm.ops("select delta_id, state from outbox")
    dead = firm.ops("select delta_id, replayed_at from dead_letter")
    attempts = firm.ops(
        "select idempotency_key, status from sync_ledger "
        "where attempt > 0 and completed_at is not null"
    )
    return {
        "enqueued": Counter(lane_of[r["delta_id"]] for r in outbox),
        "pending": Counter(lane_of[r["delta_id"]] for r in outbox if r["state"] == "pending"),
        "delivered": Counter(lane_of[r["delta_id"]] for r in outbox if r["state"] == "done"),
        "dead": Counter(lane_of[r["delta_id"]] for r in dead),
        "open_dead": Counter(lane_of[r["delta_id"]] for r in dead if r["replayed_at"] is None),
        "attempts": Counter(lane_of[r["idempotency_key"]] for r in attempts),
        "failed": Counter(
            lane_of[r["idempotency_key"]] for r in attempts if r["status"] in ("failed", "dead")
        ),
    }


def test_backlog_dead_letters_and_failure_rate_per_lane_equal_the_ops_store(
    pushed: Pushed,
) -> None:
    firm = pushed.firm
    counts = store_counts(pushed)
    assert sum(counts["pending"].values()) > 0, "pay run journals wait for their approval"
    assert sum(counts["failed"].values()) > 0 and sum(counts["dead"].values()) > 0
    bi = firm.warehouse.with_name("bi.duckdb")
    sql = "select * from marts.ops_push_backlog order by flow, target_instance"
    mart = rows(firm.warehouse, sql)
    assert rows(bi, sql) == mart  # what BI reads is what was built
    assert {(r["flow"], r["target_instance"]) for r in mart} == set(counts["enqueued"])
    for row in mart:
        lane = (row["flow"], row["target_instance"])
        assert row["domain"] == FLOW_DOMAIN[row["flow"]]
        assert row["enqueued_deltas"] == counts["enqueued"][lane], lane
        assert row["pending_deltas"] == counts["pending"][lane], lane
        assert row["delivered_deltas"] == counts["delivered"][lane], lane
        assert row["dead_letters"] == counts["dead"][lane], lane
        assert row["open_dead_letters"] == counts["open_dead"][lane], lane
        # Every attempt of this test's day is inside the 24 h window.
        assert row["push_attempts"] == counts["attempts"][lane], lane
        assert row["failed_push_attempts"] == counts["failed"][lane], lane
        if counts["attempts"][lane]:
            rate = counts["failed"][lane] / counts["attempts"][lane]
            assert float(row["push_failure_rate"]) == pytest.approx(rate, abs=1e-6), lane
        else:
            assert row["push_failure_rate"] is None, lane
        assert (row["oldest_pending_enqueued_at"] is None) == (not counts["pending"][lane])


def test_domain_health_and_its_metadata_sum_the_lanes_of_each_domain(pushed: Pushed) -> None:
    firm = pushed.firm
    counts = store_counts(pushed)

    def per_domain(figure: str) -> Counter[str]:
        total: Counter[str] = Counter()
        for (flow, _), n in counts[figure].items():
            total[FLOW_DOMAIN[flow]] += n
        return total

    pending, open_dead = per_domain("pending"), per_domain("open_dead")
    attempts, failed = per_domain("attempts"), per_domain("failed")
    health = {
        r["domain"]: r
        for r in rows(
            firm.warehouse.with_name("bi.duckdb"), "select * from marts.ops_domain_health"
        )
    }
    assert set(health) == set(FLOW_DOMAIN.values())
    with dg.DagsterInstance.from_config(firm.env["DAGSTER_HOME"]) as instance:
        event = instance.get_latest_materialization_event(OPS_HEALTH_KEY)
    assert event is not None and event.asset_materialization is not None
    metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    for domain, row in health.items():
        assert row["pending_deltas"] == pending[domain] == metadata[f"pending_deltas/{domain}"]
        assert row["open_dead_letters"] == open_dead[domain]
        assert metadata[f"open_dead_letters/{domain}"] == open_dead[domain]
        assert (row["push_attempts"], row["failed_push_attempts"]) == (
            attempts[domain],
            failed[domain],
        )
        if attempts[domain]:
            assert metadata[f"push_failure_rate/{domain}"] == pytest.approx(
                failed[domain] / attempts[domain], abs=1e-6
            )
    assert "| post_payroll_journal |" in str(metadata["push_lanes"])


def test_the_outbox_mirror_holds_every_delta_and_no_payload(pushed: Pushed) -> None:
    firm = pushed.firm
    with duckdb.connect(str(firm.warehouse), read_only=True) as conn:
        columns = {
            name
            for (name,) in conn.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'ops' and table_name = 'outbox'"
            ).fetchall()
        }
        mirrored = dict(conn.execute("select delta_id, state from ops.outbox").fetchall())
    assert not columns & {"payload", "natural_key", "target_record_id", "claimed_by"}
    assert mirrored == {r["delta_id"]: r["state"] for r in firm.ops("select * from outbox")}
