"""Issue 5's promises, read from the lived firm's bad day (tests/push/conftest.py): the firm
converges; heavy faults, lost replies and a SIGKILL mid-batch lose no delta, duplicate no record
and leave every attempt in the ledger; dead letters are sent by `crosswalk replay`; the plan is
what was sent; a pay run's journal waits for its approval.
"""

from __future__ import annotations

import json
from collections import Counter

import dagster as dg
import duckdb

from crosswalk_cli.chaos.truth import ALL_RULES, confusion, report, truth_keys
from orchestration.defs.push.sensors import push_after_sync_builds
from orchestration.push.deltas import FLOWS
from tests.push.conftest import Firm, Pushed
from tests.support.crosswalk import run_id_of

PAYROLL = "post_payroll_journal"


def _attempted_keys(pushed: Pushed) -> set[str]:
    rows = pushed.firm.ops("select distinct idempotency_key from sync_ledger where attempt > 0")
    return {row["idempotency_key"] for row in rows}


def test_before_pushing_the_findings_equal_truth_per_rule(firm: Firm) -> None:
    # Issue 4's reconciliation check on another seed, on the build the pushes start from.
    table = confusion(truth_keys(firm.truth_at_build), firm.findings_at_build)
    assert all(c.exact for c in table.values()), "\n" + report(table)
    assert len(table) == ALL_RULES, "\n" + report(table)


def test_the_firm_converges(pushed: Pushed) -> None:
    firm = pushed.firm
    assert firm.standing_auto_fixable() == []
    with duckdb.connect(str(firm.warehouse), read_only=True) as conn:
        open_fixable = conn.sql(
            "select rule, entity_id from reconciliation.drift_findings "
            "where status = 'open' and auto_fixable"
        ).fetchall()
    assert open_fixable == []
    assert firm.control("/truth/duplicates")["count"] == 0
    # The second run had nothing left to send: the first one's pushes had all landed.
    last_run = run_id_of(pushed.run_outputs[-1])
    sent = firm.ops("select * from sync_ledger where correlation_id = ? and attempt > 0", last_run)
    assert sent == []


def test_faults_and_a_kill_lose_no_delta(pushed: Pushed) -> None:
    firm = pushed.firm
    states = {r["delta_id"]: r["state"] for r in firm.ops("select delta_id, state from outbox")}
    waiting = set(pushed.approved_pay_runs)
    for delta in pushed.first:
        state = states.get(delta.delta_id)
        if delta.flow == PAYROLL and delta.entity_id not in waiting:
            assert state == "pending", delta  # held for its approval, not lost
        else:
            # Delivered, or superseded by a rebuild that found the target agreeing already.
            assert state in ("done", "superseded"), (delta, state)
    assert firm.control("/truth/duplicates")["count"] == 0
    faults = firm.control("/faults")["injected"]
    assert sum(f.get("lost_reply", 0) for f in faults.values()) > 0, faults


def test_the_kill_happened_mid_batch_and_the_rerun_resolved_it(pushed: Pushed) -> None:
    killed = pushed.killed_run_rows
    first_ids = {d.delta_id for d in pushed.first}
    killed_keys = {row["idempotency_key"] for row in killed}
    assert killed_keys < first_ids, "the killed run had deltas left to send"
    in_flight = [row for row in killed if row["completed_at"] is None]
    assert in_flight, "the kill landed between requests"
    ledger = pushed.firm.ops("select * from sync_ledger where attempt > 0 order by ledger_id")
    for row in in_flight:
        # A request whose outcome the kill made unknown: a later attempt settled it.
        later = [
            r
            for r in ledger
            if r["idempotency_key"] == row["idempotency_key"] and r["ledger_id"] > row["ledger_id"]
        ]
        assert later, row
        assert later[-1]["status"] in ("succeeded", "skipped_duplicate", "dead"), later


def test_every_attempt_is_in_the_ledger_and_its_warehouse_mirror(pushed: Pushed) -> None:
    firm = pushed.firm
    ledger = firm.ops("select * from sync_ledger order by ledger_id")
    killed_in_flight = {
        row["ledger_id"] for row in pushed.killed_run_rows if row["completed_at"] is None
    }
    for row in ledger:
        if row["ledger_id"] not in killed_in_flight:
            assert row["completed_at"] is not None, row
    # Attempts of one key are numbered 1, 2, ... in the order they were made.
    numbers: dict[str, list[int]] = {}
    for row in ledger:
        if row["attempt"] > 0:
            numbers.setdefault(row["idempotency_key"], []).append(row["attempt"])
    for key, seen in numbers.items():
        assert seen == list(range(1, len(seen) + 1)), (key, seen)
    statuses = Counter(row["status"] for row in ledger)
    assert statuses["failed"] > 0 and statuses["succeeded"] > 0, statuses
    with duckdb.connect(str(firm.warehouse), read_only=True) as conn:
        (mirrored,) = conn.sql("select count(*) from ops.sync_ledger").fetchone()
        (dead_mirrored,) = conn.sql("select count(*) from ops.dead_letter").fetchone()
    assert mirrored == len(ledger)
    assert dead_mirrored == len(firm.ops("select delta_id from dead_letter"))


def test_dead_letters_are_sent_by_replay_once_the_fault_is_lifted(pushed: Pushed) -> None:
    dead = pushed.dead_before_replay
    assert dead, "three attempts under heavy faults should leave dead letters"
    firm = pushed.firm
    for row in dead:
        assert row["error"], row
        (outbox,) = firm.ops("select state from outbox where delta_id = ?", row["delta_id"])
        assert outbox["state"] in ("done", "superseded"), row
        last = firm.ops(
            "select status from sync_ledger where idempotency_key = ? and attempt > 0 "
            "order by ledger_id desc limit 1",
            row["delta_id"],
        )
        assert last[0]["status"] in ("succeeded", "skipped_duplicate"), row
    assert f"{len(dead)} re-sent, 0 dead again" in pushed.replay_output


def test_the_plan_is_what_was_sent(pushed: Pushed) -> None:
    planned = {write["delta_id"] for write in pushed.plan["writes"]}
    first = {d.delta_id: d for d in pushed.first}
    # Journals approved after the plan were held then, as the plan said; the rest went as planned.
    approved_later = {
        k for k, d in first.items() if d.flow == PAYROLL and d.entity_id in pushed.approved_pay_runs
    }
    sent = (_attempted_keys(pushed) & set(first)) - approved_later
    unsent = [
        (
            first[k].flow,
            first[k].target_instance,
            first[k].entity_id,
            pushed.firm.ops("select state from outbox where delta_id = ?", k),
        )
        for k in planned - sent
    ]
    assert sent == planned, unsent
    by_operation = Counter(
        (first[k].flow, first[k].target_instance, first[k].operation) for k in sent
    )
    for row in pushed.plan["rows"]:
        for operation in ("create", "update", "deactivate", "post"):
            assert by_operation[(row["flow"], row["target"], operation)] == row[operation], row
    assert not pushed.plan["quarantined"]
    assert not pushed.firm.ops("select * from sync_quarantine")


def test_a_pay_run_journal_waits_for_its_approval(pushed: Pushed) -> None:
    firm = pushed.firm
    journals = [d for d in pushed.first if d.flow == PAYROLL]
    assert len(journals) >= 2, "the firm has processed pay runs to post"
    approved = set(pushed.approved_pay_runs)
    planned_waiting = sum(row["awaiting_approval"] for row in pushed.plan["rows"])
    assert planned_waiting == len(journals)
    for delta in journals:
        (row,) = firm.ops("select state from outbox where delta_id = ?", delta.delta_id)
        attempts = firm.ops(
            "select status from sync_ledger where idempotency_key = ? and attempt > 0",
            delta.delta_id,
        )
        if delta.entity_id in approved:
            assert row["state"] == "done" and attempts, delta
        else:
            assert row["state"] == "pending" and not attempts, delta
    approvals = firm.ops("select * from payroll_approval")
    assert [(a["pay_run_id"], a["approved_by"]) for a in approvals] == [
        (pay_run, "controller@acme") for pay_run in sorted(approved)
    ]
    # Visible in the UI: the push asset's check warns while any pay run waits.
    assert "WARN check push/post_payroll_journal:pay_runs_approved" in pushed.run_outputs[-1]


def test_the_sync_sensor_passes_over_builds_whose_run_pushed(pushed: Pushed) -> None:
    with dg.DagsterInstance.from_config(pushed.firm.env["DAGSTER_HOME"]) as instance:
        result = push_after_sync_builds(dg.build_sensor_context(instance=instance))
    assert isinstance(result, dg.SensorResult)
    # The newest builds are the last `crosswalk run`'s, which pushed in the same run.
    assert not result.run_requests
    assert set(json.loads(result.cursor or "{}")) == set(FLOWS)
