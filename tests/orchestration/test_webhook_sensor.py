"""The inbox sensor, evaluated for real against a Dagster instance and an ops store on disk.

Inbox rows as the receiver writes them wait until the worker deltas have been built once, then
ask for one targeted run per system, of that system's worker-events job, keyed by the inbox ids
they cover; the next evaluation asks for nothing. The
jobs select the system's ingestion, the dbt models on the path to the worker deltas and the
worker pushes, and nothing else of the graph.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import orjson
import pytest

from orchestration.definitions import defs
from orchestration.defs.events.jobs import WORKER_FLOWS
from orchestration.defs.events.sensors import worker_events_from_webhooks
from orchestration.defs.push.assets import sync_key
from orchestration.push.store import OpsStore
from orchestration.webhooks.echoes import ECHO_WINDOW
from orchestration.webhooks.inbox import InboxEvent, WebhookInbox
from tests.support.deltas import delta


def _built(instance: dg.DagsterInstance) -> dg.DagsterInstance:
    """The instance as after a whole run: the worker deltas have been materialized."""
    for flow in WORKER_FLOWS:
        instance.report_runless_asset_event(dg.AssetMaterialization(sync_key(flow)))
    return instance


def _event(system: str, key: str, subjects: list[str]) -> InboxEvent:
    body = orjson.dumps({"key": key})
    return InboxEvent(system, f"{system}:{key}", "employee.updated", subjects, None, body)


def test_inbox_events_ask_for_one_targeted_run_per_system_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ops_db = tmp_path / "ops.sqlite"
    monkeypatch.setenv("CROSSWALK_OPS_DB", str(ops_db))
    with WebhookInbox.open(ops_db) as inbox:
        for event in (
            _event("bamboohr", "a", ["101"]),
            _event("gusto", "b", ["uuid-1"]),
            _event("bamboohr", "c", ["102", "101"]),
        ):
            assert inbox.append(event) is not None
        assert inbox.append(_event("bamboohr", "a", ["101"])) is None  # a duplicate stays out

    with dg.DagsterInstance.ephemeral() as instance:
        # Before any whole build the events wait: a skip with its reason, the cursor unmoved.
        waiting = worker_events_from_webhooks(dg.build_sensor_context(instance=instance))
        assert isinstance(waiting, dg.SensorResult)
        assert not waiting.run_requests and waiting.cursor is None
        assert "crosswalk run" in str(waiting.skip_reason)

        first = worker_events_from_webhooks(dg.build_sensor_context(instance=_built(instance)))
        assert isinstance(first, dg.SensorResult)
        requests = {r.job_name: r for r in first.run_requests or []}
        assert set(requests) == {"bamboohr_worker_events", "gusto_worker_events"}
        hcm, payroll = requests["bamboohr_worker_events"], requests["gusto_worker_events"]
        assert hcm.run_key == "webhooks:bamboohr:1-3" and payroll.run_key == "webhooks:gusto:2-2"
        assert hcm.tags["crosswalk/subjects"] == "101,102"
        # Ahead of the scheduled polls in the run queue.
        assert hcm.tags["dagster/priority"] == payroll.tags["dagster/priority"] == "10"
        assert payroll.tags["crosswalk/subjects"] == "uuid-1"
        assert first.cursor == "3"

        again = worker_events_from_webhooks(
            dg.build_sensor_context(instance=instance, cursor=first.cursor)
        )
        assert isinstance(again, dg.SensorResult)
        assert not again.run_requests and again.cursor == "3"

    with WebhookInbox.open(ops_db) as inbox:
        new_id = inbox.append(_event("gusto", "d", ["uuid-2"]))
    with dg.DagsterInstance.ephemeral() as instance:
        later = worker_events_from_webhooks(
            dg.build_sensor_context(instance=_built(instance), cursor=first.cursor)
        )
        assert isinstance(later, dg.SensorResult)
        assert [r.run_key for r in later.run_requests or []] == [
            f"webhooks:gusto:{new_id}-{new_id}"
        ]


@pytest.mark.parametrize("system", ["bamboohr", "gusto"])
def test_a_worker_events_job_is_the_path_from_its_system_to_the_worker_pushes(system: str) -> None:
    job = defs.resolve_job_def(f"{system}_worker_events")
    keys = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    flows = ("provision_worker", "update_worker", "offboard_worker")
    assert {f"sync/{f}" for f in flows} | {f"push/{f}" for f in flows} <= keys
    assert {"canonical/identity_map", "ops/sync_ledger"} <= keys
    assert any(key.startswith(f"{system}/") for key in keys)
    other_systems = {"bamboohr", "gusto", "harvest", "netsuite"} - {system}
    assert not {key for key in keys if key.split("/")[0] in other_systems}
    # No marts, no reconciliation, no other flows: the nightly run rebuilds those.
    assert not {key for key in keys if key.split("/")[0] in ("marts", "reconciliation", "bi")}
    assert not {key for key in keys if key.startswith("push/") and key[5:] not in flows}


def test_one_batch_waits_behind_the_run_at_work_and_later_events_in_the_inbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ops_db = tmp_path / "ops.sqlite"
    monkeypatch.setenv("CROSSWALK_OPS_DB", str(ops_db))
    with WebhookInbox.open(ops_db) as inbox:
        inbox.append(_event("bamboohr", "a", ["101"]))
    with dg.DagsterInstance.ephemeral() as instance:
        _built(instance)
        running = dg.DagsterRun(
            job_name="bamboohr_worker_events",
            status=dg.DagsterRunStatus.STARTED,
            tags={"crosswalk/trigger": "webhook"},
        )
        instance.add_run(running)
        # A run at work: the events make the batch that waits behind it.
        behind = worker_events_from_webhooks(dg.build_sensor_context(instance=instance))
        assert isinstance(behind, dg.SensorResult)
        assert [r.job_name for r in behind.run_requests or []] == ["bamboohr_worker_events"]
        waiting = dg.DagsterRun(
            job_name="bamboohr_worker_events",
            status=dg.DagsterRunStatus.NOT_STARTED,
            tags={"crosswalk/trigger": "webhook"},
        )
        instance.add_run(waiting)
        with WebhookInbox.open(ops_db) as inbox:
            inbox.append(_event("bamboohr", "b", ["102"]))

        # One at work, one waiting: the next events stay in the inbox, the cursor where it was.
        held = worker_events_from_webhooks(
            dg.build_sensor_context(instance=instance, cursor=behind.cursor)
        )
        assert isinstance(held, dg.SensorResult)
        assert not held.run_requests and held.cursor == behind.cursor
        assert running.run_id in str(held.skip_reason) and waiting.run_id in str(held.skip_reason)

        instance.report_run_canceled(running)
        later = worker_events_from_webhooks(
            dg.build_sensor_context(instance=instance, cursor=behind.cursor)
        )
        assert isinstance(later, dg.SensorResult)
        assert [r.job_name for r in later.run_requests or []] == ["bamboohr_worker_events"]
        assert [r.tags["crosswalk/subjects"] for r in later.run_requests or []] == ["102"]


@pytest.fixture
def provisioned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sensor's ops store, as after crosswalk provisioned worker 101 in Gusto as uuid-9."""
    ops_db = tmp_path / "ops.sqlite"
    monkeypatch.setenv("CROSSWALK_OPS_DB", str(ops_db))
    _created_in_gusto(ops_db, "uuid-9")
    return ops_db


def _created_in_gusto(ops_db: Path, employee_uuid: str) -> None:
    """Record in `ops_db` crosswalk's create of worker 101 in Gusto, as `employee_uuid`."""
    created = delta(
        "provision-101-gusto",
        "provision_worker",
        "gusto",
        "worker",
        "101",
        "ann@example.com",
        {"first_name": "Ann", "last_name": "Lee", "work_email": "ann@example.com"},
    )
    with OpsStore.open(ops_db) as store:
        store.enqueue([created])
        attempt = store.begin_attempt(created, "run-1")
        store.complete_attempt(attempt, "succeeded", http_status=201)
        store.mark_done(created.delta_id, employee_uuid)


def test_echoes_of_crosswalks_own_writes_start_no_run_and_stay_in_the_inbox(
    provisioned: Path,
) -> None:
    ops_db = provisioned
    with WebhookInbox.open(ops_db) as inbox:
        echo = inbox.append(_gusto("e1", "employee.created", "uuid-9"))
    with dg.DagsterInstance.ephemeral() as instance:
        echoed = worker_events_from_webhooks(dg.build_sensor_context(instance=_built(instance)))
        assert isinstance(echoed, dg.SensorResult)
        assert not echoed.run_requests and echoed.cursor == str(echo)
        assert "echo crosswalk's own writes" in str(echoed.skip_reason)

        # Another kind of change to the same record, and a change to another record, are not
        # echoes: one run for them, keyed by their ids only.
        with WebhookInbox.open(ops_db) as inbox:
            updated = inbox.append(_gusto("e2", "employee.updated", "uuid-9"))
            other = inbox.append(_gusto("e3", "employee.created", "uuid-10"))
            kept = inbox.events_after(0)
        assert [e.inbox_id for e in kept] == [echo, updated, other]  # nothing dropped
        later = worker_events_from_webhooks(
            dg.build_sensor_context(instance=instance, cursor=echoed.cursor)
        )
        assert isinstance(later, dg.SensorResult)
        assert [r.run_key for r in later.run_requests or []] == [
            f"webhooks:gusto:{updated}-{other}"
        ]
        assert later.run_requests[0].tags["crosswalk/subjects"] == "uuid-10,uuid-9"


def test_an_event_long_after_crosswalks_write_is_not_an_echo(provisioned: Path) -> None:
    ops_db = provisioned
    long_ago = (datetime.now(UTC) - 2 * ECHO_WINDOW).isoformat(timespec="microseconds")
    with sqlite3.connect(ops_db) as conn:  # the write was made long before the event
        conn.execute("update sync_ledger set requested_at = ?, completed_at = ?", (long_ago,) * 2)
    with WebhookInbox.open(ops_db) as inbox:
        late = inbox.append(_gusto("e1", "employee.created", "uuid-9"))
    with dg.DagsterInstance.ephemeral() as instance:
        result = worker_events_from_webhooks(dg.build_sensor_context(instance=_built(instance)))
    assert isinstance(result, dg.SensorResult)
    assert [r.run_key for r in result.run_requests or []] == [f"webhooks:gusto:{late}-{late}"]


def _gusto(key: str, event_type: str, employee_uuid: str) -> InboxEvent:
    body = orjson.dumps({"uuid": key, "event_type": event_type, "entity_uuid": employee_uuid})
    return InboxEvent("gusto", f"gusto:{key}", event_type, [employee_uuid], None, body)
