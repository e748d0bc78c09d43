"""A step refused a warehouse another process holds runs again, and says so in one line.

A real DuckDB file held by a real second process (as a push reading its deltas holds it): the
writer step is refused, logs whom it waits for, asks Dagster for a retry without the refusal's
traceback attached (Dagster shows a retry's cause as a failure), and writes once the holder is
gone. Any other error fails the step as it is.
"""

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.lib.warehouse_lock import LOCK_REFUSED, retry_while_held

HOLD_SECONDS = 2.5
HOLDER = """
import sys, time, duckdb
conn = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
conn.close()
"""


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("create table written (attempt integer)")
    return path


@pytest.fixture
def held(warehouse: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding `warehouse` for HOLD_SECONDS."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse), str(HOLD_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait(timeout=10)


def writer_asset(warehouse: Path, fail_otherwise: bool = False) -> dg.AssetsDefinition:
    @dg.asset(name="writer")
    def _writer(context: dg.AssetExecutionContext) -> None:
        with retry_while_held(context.log):
            if fail_otherwise:
                raise ValueError("not a lock")
            with duckdb.connect(str(warehouse)) as conn:
                conn.execute("insert into written values (?)", [context.retry_number])

    return _writer


def events_of(result: dg.ExecuteInProcessResult, event_type: dg.DagsterEventType) -> list:
    return [e for e in result.all_events if e.event_type == event_type]


def test_a_held_warehouse_is_waited_for_and_written_once(
    warehouse: Path, held: subprocess.Popen[str]
) -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([writer_asset(warehouse)], instance=instance, raise_on_error=False)

    assert result.success
    retries = events_of(result, dg.DagsterEventType.STEP_UP_FOR_RETRY)
    assert retries, "the first attempt met the held file"
    for retry in retries:
        error = retry.event_specific_data.error
        assert error.cause is None and error.context is None
        assert LOCK_REFUSED not in error.to_string()
    waits = [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if entry.level == logging.WARNING and LOCK_REFUSED in entry.user_message
    ]
    assert len(waits) == len(retries)
    assert all(f"PID {held.pid}" in w and "retrying in 1 s" in w for w in waits)
    # Written by the attempt after the holder left, once.
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute("select attempt from written").fetchall()
    assert rows == [(len(retries),)]


def test_any_other_error_fails_the_step_without_a_retry(warehouse: Path) -> None:
    result = dg.materialize([writer_asset(warehouse, fail_otherwise=True)], raise_on_error=False)

    assert not result.success
    assert not events_of(result, dg.DagsterEventType.STEP_UP_FOR_RETRY)
    (failure,) = events_of(result, dg.DagsterEventType.STEP_FAILURE)
    assert "not a lock" in failure.event_specific_data.error.to_string()
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from written").fetchone() == (0,)
