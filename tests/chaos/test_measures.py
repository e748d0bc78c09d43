"""The chaos report's push account counts what a planted ops store holds, and nothing else.

tests/chaos/test_chaos_small.py asserts the report's zeros; this proves the account behind them
sees a delta left waiting, a request whose answer never came, a dead letter and a quarantined
payload when they are there (a real ops store, written through its own API).
"""

from __future__ import annotations

from pathlib import Path

from crosswalk_cli.chaos.measures import push_account
from orchestration.push.store import OpsStore
from orchestration.push.types import Delta
from tests.support.deltas import delta


def a_delta(name: str) -> Delta:
    payload = {"first_name": "Ada", "last_name": name, "email": f"{name}@acme.example"}
    return delta(f"delta-{name}", "provision_worker", "harvest", "worker", name, name, payload)


def test_the_push_account_counts_each_planted_gap_once(tmp_path: Path) -> None:
    path = tmp_path / "ops.sqlite"
    names = ["waiting", "killed", "sent", "retried", "superseded", "dead", "replayed", "invalid"]
    deltas = {name: a_delta(name) for name in names}
    with OpsStore.open(path) as store:
        store.enqueue(deltas.values())
        # Never sent: still pending. Sent, then the process died: pending, outcome unknown.
        store.begin_attempt(deltas["killed"], "run-1")
        # Delivered; and delivered by a later attempt after one whose answer was lost.
        store.complete_attempt(store.begin_attempt(deltas["sent"], "run-1"), "succeeded")
        store.mark_done(deltas["sent"].delta_id, "501")
        store.begin_attempt(deltas["retried"], "run-1")
        store.complete_attempt(store.begin_attempt(deltas["retried"], "run-2"), "succeeded")
        store.mark_done(deltas["retried"].delta_id, "502")
        # Sent with no answer, then replaced by a later build's delta (which adopts the record).
        store.begin_attempt(deltas["superseded"], "run-1")
        store.supersede(deltas["superseded"].delta_id)
        # Failed for good: a dead letter; another one replayed, so queued again, not dead.
        for name in ("dead", "replayed"):
            store.complete_attempt(store.begin_attempt(deltas[name], "run-1"), "failed")
            store.dead_letter(deltas[name], "HTTP 422")
        assert store.replay(ids=[deltas["replayed"].delta_id]) == 1
        store.quarantine(deltas["invalid"], "payload: email is not an email")

    account = push_account(path)

    assert account.pending == 3  # waiting, killed, replayed
    assert account.unknown_outcome == 1  # killed; retried's lost answer was settled later
    assert account.superseded_unknown == 1
    assert [d["delta_id"] for d in account.dead_letters] == ["delta-dead"]
    assert account.dead_letters[0]["error"] == "HTTP 422"
    assert account.quarantined == 1
