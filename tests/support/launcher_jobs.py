"""Jobs for the run launcher's tests: each import of this module is recorded in a file.

A run worker forked from the fork server finds the module already imported; a fresh interpreter
would import it again and add a line. The file is `CROSSWALK_TEST_IMPORT_LOG`.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at runtime.
import os
import time
from pathlib import Path

import dagster as dg

_log = os.environ.get("CROSSWALK_TEST_IMPORT_LOG")
if _log:
    with open(_log, "a") as imports:
        imports.write(f"{os.getpid()}\n")


def started_file(release: Path) -> Path:
    """Where `wait_for_release` lists the pids of the workers whose step has begun."""
    return release.with_name(release.name + ".started")


@dg.op
def report_pid(context: dg.OpExecutionContext) -> int:
    context.log.info(f"run worker {os.getpid()}")
    return os.getpid()


@dg.op
def fail() -> None:
    raise RuntimeError("this job fails on purpose")


@dg.op
def wait_for_release() -> None:
    """Blocks until the file `CROSSWALK_TEST_RELEASE` exists (at most a minute).

    First it adds its pid to `<release>.started`: the step's body runs once Dagster has set up
    the step's output capture (a `tail -F` of the compute log and the process that watches it),
    so a test killing the worker after that line kills no half-made capture.
    """
    release = Path(os.environ["CROSSWALK_TEST_RELEASE"])
    with open(started_file(release), "a") as started:
        started.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + 60
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.1)


@dg.job(executor_def=dg.in_process_executor)
def quick() -> None:
    report_pid()


@dg.job(executor_def=dg.in_process_executor)
def failing() -> None:
    fail()


@dg.job(executor_def=dg.in_process_executor)
def blocking() -> None:
    wait_for_release()


@dg.repository
def launcher_jobs() -> list[dg.JobDefinition]:
    return [quick, failing, blocking]
