"""A step waiting for the warehouse's pool slot gets it once it is free, and waits asleep.

On a real Dagster instance of crosswalk's template (SQLite, the `warehouse` pool of one slot):
the state a race of Dagster's claiming leaves (a waiting step registered unassigned just after
the slot's holder freed it) is built step by step, and what Dagster itself does with it is
asserted beside what crosswalk's mend does (orchestration/pool_slots.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext

from orchestration import pool_slots
from orchestration.instance import TEMPLATE

POOL = "warehouse"


@pytest.fixture()
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    shutil.copyfile(TEMPLATE, tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as opened:
        opened.event_log_storage.initialize_concurrency_limit_to_default(POOL)
        yield opened


def _holder_frees_then_late_waiter_registers(storage: object) -> None:
    """Run A takes the slot and frees it; run B, which saw it taken, registers unassigned after."""
    held = pool_slots.DAGSTER_CLAIM(storage, POOL, "run-a", "dbt_models", 0)
    assert held.is_claimed
    storage.free_concurrency_slot_for_step("run-a", "dbt_models")  # type: ignore[attr-defined]
    storage.add_pending_step(POOL, "run-b", "bamboohr_raw", priority=10, should_assign=False)  # type: ignore[attr-defined]


def test_dagster_alone_leaves_the_late_waiter_beside_a_free_slot(
    instance: dg.DagsterInstance,
) -> None:
    storage = instance.event_log_storage
    _holder_frees_then_late_waiter_registers(storage)
    for _ in range(3):  # however often it asks
        status = pool_slots.DAGSTER_CLAIM(storage, POOL, "run-b", "bamboohr_raw", 10)
        assert not status.is_claimed and not status.is_assigned
    info = instance.event_log_storage.get_concurrency_info(POOL)
    assert info.slot_count == 1 and not info.claimed_slots  # the slot stays free: the fault stands


def test_the_late_waiter_gets_the_free_slot_when_it_asks_again(
    instance: dg.DagsterInstance,
) -> None:
    storage = instance.event_log_storage
    _holder_frees_then_late_waiter_registers(storage)
    status = pool_slots.claim_or_take_a_forgotten_slot(storage, POOL, "run-b", "bamboohr_raw", 10)
    assert status.is_claimed
    info = instance.event_log_storage.get_concurrency_info(POOL)
    assert [(s.run_id, s.step_key) for s in info.claimed_slots] == [("run-b", "bamboohr_raw")]


def test_a_slot_in_use_is_not_given_to_a_waiter(instance: dg.DagsterInstance) -> None:
    storage = instance.event_log_storage
    assert pool_slots.claim_or_take_a_forgotten_slot(
        storage, POOL, "run-a", "dbt_models", 0
    ).is_claimed
    waiting = pool_slots.claim_or_take_a_forgotten_slot(storage, POOL, "run-b", "bamboohr_raw", 10)
    assert not waiting.is_claimed and not waiting.is_assigned
    assert waiting.sleep_interval == pool_slots.ASK_AGAIN_SECONDS
    info = instance.event_log_storage.get_concurrency_info(POOL)
    assert [(s.run_id, s.step_key) for s in info.claimed_slots] == [("run-a", "dbt_models")]
    # The holder frees it: Dagster's own hand-over, then run B claims it.
    storage.free_concurrency_slot_for_step("run-a", "dbt_models")
    assert pool_slots.claim_or_take_a_forgotten_slot(
        storage, POOL, "run-b", "bamboohr_raw", 10
    ).is_claimed


def test_a_run_waiting_for_a_slot_sleeps_until_its_next_ask(instance: dg.DagsterInstance) -> None:
    storage = instance.event_log_storage
    assert pool_slots.DAGSTER_CLAIM(storage, POOL, "run-a", "dbt_models", 0).is_claimed
    waiting_run = dg.DagsterRun(job_name="bamboohr_worker_events", run_id="run-b")
    pool_slots.install()
    with InstanceConcurrencyContext(instance, waiting_run) as context:
        assert not context.claim(POOL, "bamboohr_raw")
        sleep = context.interval_to_next_pending_claim_check()
        dagster_sleep = pool_slots.DAGSTER_INTERVAL(context)
    assert dagster_sleep == 0  # Dagster's own answer: ask again at once, a busy wait
    assert 0 < sleep <= pool_slots.ASK_AGAIN_SECONDS
