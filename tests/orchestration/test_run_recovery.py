"""A run whose process died is reported failed and its warehouse pool slot freed.

Against a real Dagster instance with crosswalk's config (pool limit 1): a run tagged with this
host and a pid that no longer exists holds the `warehouse` slot, as a SIGKILLed `crosswalk run`
leaves it; recovery fails that run and frees its slot, and leaves a live run and its slot alone.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.run_recovery import recover_abandoned_runs_sensor
from orchestration.instance import ensure_dagster_home
from orchestration.lib.run_recovery import HOST_TAG, PID_TAG, process_tags, recover_abandoned_runs


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid  # reaped: no process has it now (pids are not reused this fast)


def _started_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> dg.DagsterRun:
    run = instance.create_run_for_job(
        dg.GraphDefinition(name="noop", node_defs=[]).to_job(), tags=tags
    )
    instance.handle_run_event(
        run.run_id,
        dg.DagsterEvent(
            event_type_value=dg.DagsterEventType.RUN_START.value, job_name=run.job_name
        ),
    )
    return run


@pytest.fixture()
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dg.DagsterInstance]:
    """A Dagster instance with crosswalk's config (the `warehouse` pool holds one writer)."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    with dg.DagsterInstance.from_config(str(ensure_dagster_home())) as instance:
        yield instance


def _dead_run_holding_the_slot(instance: dg.DagsterInstance) -> dg.DagsterRun:
    """A run of this host whose process is gone, holding the `warehouse` slot."""
    dead = _started_run(instance, {**process_tags(), PID_TAG: str(_dead_pid())})
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default("warehouse")
    assert storage.claim_concurrency_slot("warehouse", dead.run_id, "bamboohr_raw").is_claimed
    return dead


def test_a_dead_runs_slot_is_freed_and_a_live_one_is_kept(instance: dg.DagsterInstance) -> None:
    dead = _dead_run_holding_the_slot(instance)
    storage = instance.event_log_storage
    waiting = storage.claim_concurrency_slot("warehouse", "next-run", "bamboohr_raw")
    assert not waiting.is_claimed  # the pool holds one writer: the next run would wait

    live = _started_run(instance, process_tags())  # this very process: alive

    failed, freed = recover_abandoned_runs(instance)

    assert failed == [dead.run_id]
    assert dead.run_id in freed
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(live.run_id).status == dg.DagsterRunStatus.STARTED
    info = storage.get_concurrency_info("warehouse")
    assert dead.run_id not in {slot.run_id for slot in info.claimed_slots}
    assert instance.get_run_by_id(live.run_id).tags[HOST_TAG] == process_tags()[HOST_TAG]


def test_the_recovery_sensor_frees_a_dead_runs_slot(instance: dg.DagsterInstance) -> None:
    dead = _dead_run_holding_the_slot(instance)
    storage = instance.event_log_storage

    result = recover_abandoned_runs_sensor(dg.build_sensor_context(instance=instance))

    assert isinstance(result, dg.SkipReason) and "1 dead runs" in (result.skip_message or "")
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    assert not storage.get_concurrency_info("warehouse").claimed_slots
    again = recover_abandoned_runs_sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(again, dg.SkipReason) and again.skip_message == "no abandoned run"
