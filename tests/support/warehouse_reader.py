"""A reader holding the warehouse file, as a push reading its deltas does, until a writer retried.

DuckDB refuses a writing process while another process reads the file. The reader here is this
test process; it lets go once the run under test has recorded a step up for retry (or ended),
whatever the machine's speed, instead of after a guessed number of seconds.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import dagster as dg
import duckdb


def _retried_or_ended(dagster_home: Path) -> bool:
    if not (dagster_home / "dagster.yaml").exists():
        return False
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        records = instance.get_run_records(limit=1)
        if not records:
            return False
        run = records[0].dagster_run
        retried = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
        return bool(retried) or run.is_finished


def hold_until_a_retry(
    warehouse: str, dagster_home: Path, timeout: float = 600
) -> threading.Thread:
    """Open `warehouse` read-only now; close it once the run has retried a step or ended."""
    reader = duckdb.connect(warehouse, read_only=True)

    def watch() -> None:
        deadline = time.monotonic() + timeout
        try:
            while not _retried_or_ended(dagster_home) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            reader.close()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher
