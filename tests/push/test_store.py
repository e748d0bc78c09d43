"""The ops store keeps every delta and attempt through crashes and concurrent writers.

A real SQLite file; a crash is a real process killed with SIGKILL between writing its `sent`
row and completing it; concurrency is real processes writing at once.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
from pathlib import Path

import pytest

from orchestration.push.store import OpsStore
from orchestration.push.types import Delta
from tests.support.deltas import delta


def a_delta(n: int, flow: str = "provision_worker") -> Delta:
    payload = {"first_name": "Ada", "last_name": f"Worker {n}", "email": f"w{n}@acme.example"}
    return delta(
        f"delta-{flow}-{n}", flow, "harvest", "worker", str(n), f"worker{n}@acme.example", payload
    )


def test_enqueue_is_idempotent_and_keeps_the_payload(tmp_path: Path) -> None:
    with OpsStore.open(tmp_path / "ops.sqlite") as store:
        assert store.enqueue([a_delta(1), a_delta(2)]) == 2
        assert store.enqueue([a_delta(1), a_delta(3)]) == 1  # delta 1 is known: not doubled
        pending = store.pending()
    assert [d.delta_id for d in pending] == [f"delta-provision_worker-{n}" for n in (1, 2, 3)]
    assert pending[0] == a_delta(1)


def _send_then_die(path: Path) -> None:
    store = OpsStore(path)
    store.enqueue([a_delta(1)])
    store.begin_attempt(a_delta(1), correlation_id="run-killed")
    os.kill(os.getpid(), signal.SIGKILL)  # the request is out; its reply never recorded


def test_a_killed_push_leaves_an_unknown_outcome_not_a_lost_delta(tmp_path: Path) -> None:
    path = tmp_path / "ops.sqlite"
    process = multiprocessing.get_context("spawn").Process(target=_send_then_die, args=(path,))
    process.start()
    process.join(60)
    assert process.exitcode == -signal.SIGKILL
    with OpsStore.open(path) as store:
        attempt = store.latest_attempt(a_delta(1).delta_id)
        assert attempt is not None and attempt.outcome_unknown  # resolve by lookup first
        assert not store.has_succeeded(a_delta(1).delta_id)
        assert [d.delta_id for d in store.pending()] == [a_delta(1).delta_id]  # kept
        retry = store.begin_attempt(a_delta(1), correlation_id="rerun")
        store.complete_attempt(retry, "succeeded", http_status=201)
        store.mark_done(a_delta(1).delta_id, target_record_id="501")
        assert store.has_succeeded(a_delta(1).delta_id)
        assert store.pending() == []
        ledger = store.ledger()
    assert [(r["correlation_id"], r["status"], r["attempt"]) for r in ledger] == [
        ("run-killed", "sent", 1),
        ("rerun", "succeeded", 2),
    ]


def _write_attempts(path: Path, worker: int, count: int) -> None:
    with OpsStore.open(path) as store:
        deltas = [a_delta(n, flow=f"flow{worker}") for n in range(count)]
        store.enqueue(deltas)
        for delta in deltas:
            ledger_id = store.begin_attempt(delta, correlation_id=f"run-{worker}")
            store.complete_attempt(ledger_id, "succeeded", http_status=200)


def test_concurrent_push_processes_lose_no_row(tmp_path: Path) -> None:
    path = tmp_path / "ops.sqlite"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_attempts, args=(path, w, 150)) for w in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    with OpsStore.open(path) as store:
        ledger = store.ledger()
        assert len(store.pending()) == 450
    assert len(ledger) == 450
    assert {r["status"] for r in ledger} == {"succeeded"}


def test_dead_letters_wait_for_a_replay(tmp_path: Path) -> None:
    with OpsStore.open(tmp_path / "ops.sqlite") as store:
        store.enqueue([a_delta(1), a_delta(2), a_delta(3, flow="offboard_worker")])
        for delta in (a_delta(1), a_delta(3, flow="offboard_worker")):
            ledger_id = store.begin_attempt(delta, correlation_id="run-1")
            store.complete_attempt(ledger_id, "dead", http_status=503, error="503 after 5 tries")
            store.dead_letter(delta, "503 after 5 tries")
        # Out of the queue, kept with their error.
        assert [d.delta_id for d in store.pending()] == [a_delta(2).delta_id]
        assert {r["error"] for r in store.dead_letters()} == {"503 after 5 tries"}
        # Replay chooses by flow: only the offboarding goes back.
        assert store.replay(flow="offboard_worker") == 1
        assert {d.delta_id for d in store.pending()} == {
            a_delta(2).delta_id,
            a_delta(3, flow="offboard_worker").delta_id,
        }
        assert [r["delta_id"] for r in store.dead_letters()] == [a_delta(1).delta_id]
        assert store.replay(ids=[a_delta(1).delta_id]) == 1
        assert store.dead_letters() == []
        assert len(store.dead_letters(include_replayed=True)) == 2


def test_only_transient_dead_letters_go_back_by_themselves_and_only_so_often(
    tmp_path: Path,
) -> None:
    flaky, refused, other = a_delta(1), a_delta(2), a_delta(3)
    with OpsStore.open(tmp_path / "ops.sqlite") as store:
        store.enqueue([flaky, refused, other])
        store.dead_letter(flaky, "503 after 5 tries", transient=True)
        store.dead_letter(refused, "422 email invalid")  # permanent unless said otherwise
        ids = [flaky.delta_id, refused.delta_id]
        assert store.retry_transient(ids, max_retries=0) == []
        assert store.retry_transient(ids, max_retries=2) == [flaky.delta_id]
        assert [d.delta_id for d in store.pending()] == [flaky.delta_id, other.delta_id]
        # Dead again: its retries count on, and stop at the limit.
        store.dead_letter(flaky, "503 again", transient=True)
        assert store.retry_transient(ids, max_retries=2) == [flaky.delta_id]
        store.dead_letter(flaky, "503 once more", transient=True)
        assert store.retry_transient(ids, max_retries=2) == []
        kept = {r["delta_id"]: r for r in store.dead_letters()}
        assert kept[flaky.delta_id]["auto_retries"] == 2
        assert kept[flaky.delta_id]["error"] == "503 once more"
        assert kept[refused.delta_id]["cause"] == "permanent"
        assert [d.delta_id for d in store.pending()] == [other.delta_id]


def test_a_store_from_before_the_dead_letter_causes_gains_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "ops.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "create table dead_letter (delta_id text primary key, flow text not null, "
            "target_system text not null, entity_id text not null, error text not null, "
            "dead_at text not null, replayed_at text)"
        )
        conn.execute(
            "insert into dead_letter values ('old', 'provision_worker', 'harvest', '1', "
            "'503', '2026-01-01T00:00:00+00:00', null)"
        )
    with OpsStore.open(path) as store:
        (row,) = store.dead_letters()
    assert (row["delta_id"], row["cause"], row["auto_retries"]) == ("old", "permanent", 0)


def test_an_invalid_payload_is_quarantined_with_its_reason(tmp_path: Path) -> None:
    with OpsStore.open(tmp_path / "ops.sqlite") as store:
        store.enqueue([a_delta(1), a_delta(2)])
        store.quarantine(a_delta(1), "email: value is not a valid email address")
        assert store.state_of(a_delta(1).delta_id) == "quarantined"
        assert [d.delta_id for d in store.pending()] == [a_delta(2).delta_id]
        (row,) = store.quarantined()
    assert row["reason"] == "email: value is not a valid email address"
    assert row["entity_id"] == "1"


def test_the_ledger_refuses_a_status_outside_the_contract(tmp_path: Path) -> None:
    with OpsStore.open(tmp_path / "ops.sqlite") as store:
        store.enqueue([a_delta(1)])
        ledger_id = store.begin_attempt(a_delta(1), correlation_id="run-1")
        with pytest.raises(ValueError, match="not 'retrying'"):
            store.complete_attempt(ledger_id, "retrying")
        with pytest.raises(sqlite3.IntegrityError):
            store._conn.execute(  # the table itself holds the contract's statuses
                "update sync_ledger set status = 'retrying' where ledger_id = ?", (ledger_id,)
            )
        (row,) = store.ledger()
    assert row["status"] == "sent" and row["completed_at"] is None  # kept as it was


def test_a_pay_run_is_approved_once(tmp_path: Path) -> None:
    with OpsStore.open(tmp_path / "ops.sqlite") as store:
        assert store.payroll_approval("pr-1") is None
        assert store.approve_payroll("pr-1", approved_by="controller@acme.example")
        assert not store.approve_payroll("pr-1", approved_by="someone.else@acme.example")
        approval = store.payroll_approval("pr-1")
    assert approval is not None and approval["approved_by"] == "controller@acme.example"
