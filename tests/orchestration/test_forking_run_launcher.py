"""The instance's run launcher: run workers forked from a process that loaded the code once.

Real runs launched through a real instance (crosswalk's dagster.yaml) on the jobs of
tests/support/launcher_jobs.py, which record every import of their module in a file.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psutil
import pytest
from dagster._core.code_pointer import ModuleCodePointer
from dagster._core.launcher import WorkerStatus
from dagster._core.origin import RepositoryPythonOrigin

from orchestration.instance import TEMPLATE
from orchestration.lib.run_recovery import PID_TAG
from orchestration.run_worker.launcher import ForkingRunLauncher, ForkServer, ForkServerGone
from tests.support import launcher_jobs
from tests.support.sandbox_process import REPO


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("launcher")


@pytest.fixture(scope="module")
def instance(workdir: Path) -> Iterator[dg.DagsterInstance]:
    """One instance (and so one launcher and its fork server) for the module's runs."""
    home = workdir / "dagster_home"
    home.mkdir()
    shutil.copyfile(TEMPLATE, home / "dagster.yaml")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CROSSWALK_TEST_IMPORT_LOG", str(workdir / "imports.log"))
        env.setenv("CROSSWALK_TEST_RELEASE", str(workdir / "release"))
        with dg.DagsterInstance.from_config(str(home)) as instance:
            yield instance
            (workdir / "release").touch()  # no blocking run outlives the module
            instance.run_launcher.dispose()


def _loads(workdir: Path) -> int:
    """How many processes other than this one imported the jobs' module."""
    log = workdir / "imports.log"
    pids = log.read_text().split() if log.exists() else []
    return len([pid for pid in pids if int(pid) != os.getpid()])


def _launch(instance: dg.DagsterInstance, job: dg.JobDefinition) -> str:
    origin = dg.reconstructable(job).get_python_origin()
    run = instance.create_run_for_job(job, job_code_origin=origin)
    instance.launch_run(run.run_id, workspace=None)  # type: ignore[arg-type]  # not read
    return run.run_id


def _wait(instance: dg.DagsterInstance, run_id: str, seconds: float = 120) -> dg.DagsterRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = instance.get_run_by_id(run_id)
        assert run is not None
        if run.is_finished:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish in {seconds:.0f}s")


def _wait_started(instance: dg.DagsterInstance, run_id: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = instance.get_run_by_id(run_id)
        if run is not None and run.status == dg.DagsterRunStatus.STARTED:
            return
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not start in {seconds:.0f}s")


def _worker_pid(instance: dg.DagsterInstance, run_id: str) -> int:
    run = instance.get_run_by_id(run_id)
    assert run is not None
    return int(run.tags[PID_TAG])


def _wait_blocked(
    instance: dg.DagsterInstance, run_id: str, workdir: Path, seconds: float = 120
) -> int:
    """The worker pid of a `blocking` run once its step's body runs (not merely STARTED: a kill
    while Dagster sets up the step's output capture can orphan the capture's `tail -F`)."""
    _wait_started(instance, run_id, seconds)
    pid = _worker_pid(instance, run_id)
    started = launcher_jobs.started_file(workdir / "release")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if started.exists() and str(pid) in started.read_text().split():
            return pid
        time.sleep(0.1)
    raise AssertionError(f"run {run_id}'s step did not begin in {seconds:.0f}s")


def _compute_log_tails(workdir: Path, seconds: float = 10) -> list[str]:
    """`tail` processes still reading a compute log under workdir after `seconds` (Dagster's
    watcher ends a dead step's tail within a second)."""
    deadline = time.monotonic() + seconds
    while True:
        tails = []
        for process in psutil.process_iter(["name", "cmdline"]):
            cmdline = process.info["cmdline"] or []
            if process.info["name"] == "tail" and any(str(workdir) in arg for arg in cmdline):
                tails.append(" ".join(cmdline))
        if not tails or time.monotonic() > deadline:
            return tails
        time.sleep(0.2)


def test_runs_execute_in_workers_forked_from_one_loaded_code_location(
    instance: dg.DagsterInstance, workdir: Path
) -> None:
    assert isinstance(instance.run_launcher, ForkingRunLauncher)
    loads = _loads(workdir)
    first = _launch(instance, launcher_jobs.quick)
    second = _launch(instance, launcher_jobs.quick)
    finished = [_wait(instance, run_id) for run_id in (first, second)]
    assert [run.status for run in finished] == [dg.DagsterRunStatus.SUCCESS] * 2

    # Each run had a worker process of its own, and neither imported the code again: the only
    # import of the jobs' module in another process is the fork server's.
    pids = [_worker_pid(instance, run_id) for run_id in (first, second)]
    assert len(set(pids)) == 2 and os.getpid() not in pids
    for run_id, pid in zip((first, second), pids, strict=True):
        logs = [entry.user_message for entry in instance.all_logs(run_id)]
        assert f"run worker {pid}" in logs
    assert _loads(workdir) - loads <= 1  # the fork server's, unless an earlier test loaded it


def test_a_failing_run_fails_alone_and_the_next_run_still_starts(
    instance: dg.DagsterInstance,
) -> None:
    failed = _wait(instance, _launch(instance, launcher_jobs.failing))
    assert failed.status == dg.DagsterRunStatus.FAILURE
    (failure,) = instance.all_logs(failed.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    error = failure.get_dagster_event().step_failure_data.error  # type: ignore[union-attr]
    assert error is not None and "this job fails on purpose" in error.to_string()
    assert _wait(instance, _launch(instance, launcher_jobs.quick)).is_success


def test_terminate_interrupts_the_worker_and_the_run_is_canceled(
    instance: dg.DagsterInstance, workdir: Path
) -> None:
    run_id = _launch(instance, launcher_jobs.blocking)
    pid = _wait_blocked(instance, run_id, workdir)
    assert instance.run_launcher.terminate(run_id)
    assert _wait(instance, run_id, seconds=60).status == dg.DagsterRunStatus.CANCELED
    assert _gone(pid)  # exited and reaped: the server keeps no zombie
    assert _compute_log_tails(workdir) == []


def _gone(pid: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not psutil.pid_exists(pid)


def test_a_code_location_that_never_loads_is_killed_after_the_startup_timeout(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = workdir / "hanging.pid"
    monkeypatch.setenv("CROSSWALK_TEST_HANG_PID", str(pid_file))
    origin = RepositoryPythonOrigin(
        executable_path=sys.executable,
        code_pointer=ModuleCodePointer(
            module="tests.support.hanging_location",
            fn_name="never_loaded",
            working_directory=str(REPO),
        ),
    )
    # Long enough for the server's interpreter and imports to reach the location's import on a
    # busy 2-core machine (3 s was not, under the suite's load: no pid file yet when killed).
    with pytest.raises(ForkServerGone, match=r"did not load the code location in 10 s"):
        ForkServer(origin, load_timeout=10)
    # It had started loading (the module's import ran) and was killed, not left hanging.
    assert _gone(int(pid_file.read_text()), seconds=5)


def test_a_killed_worker_is_reported_dead_to_run_monitoring(
    instance: dg.DagsterInstance, workdir: Path
) -> None:
    launcher = instance.run_launcher
    run_id = _launch(instance, launcher_jobs.blocking)
    pid = _wait_blocked(instance, run_id, workdir)
    run = instance.get_run_by_id(run_id)
    assert run is not None
    assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING
    os.kill(pid, signal.SIGKILL)
    assert _gone(pid)
    health = launcher.check_run_worker_health(run)
    assert health.status == WorkerStatus.FAILED and str(pid) in (health.msg or "")
    # The killed step's output capture went with it (the test's own kill leaves nothing behind).
    assert _compute_log_tails(workdir) == []


def test_a_changed_code_location_is_loaded_again_before_the_next_run(
    instance: dg.DagsterInstance, workdir: Path
) -> None:
    assert _wait(instance, _launch(instance, launcher_jobs.quick)).is_success
    loads = _loads(workdir)
    module = Path(launcher_jobs.__file__)
    stat = module.stat()
    try:
        os.utime(module, (stat.st_atime, stat.st_mtime + 5))
        assert _wait(instance, _launch(instance, launcher_jobs.quick)).is_success
    finally:
        os.utime(module, (stat.st_atime, stat.st_mtime))
    # A new fork server loaded it after the change; the run did not import it again. (Last in
    # the module: restoring the mtime makes the server stale once more.)
    assert _loads(workdir) == loads + 1
