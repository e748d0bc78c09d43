"""The run launcher crosswalk's instance uses: run workers forked from a loaded code location.

Dagster's `DefaultRunLauncher` asks the code server to start each run, and the code server spawns
a fresh interpreter that imports the code location again: ~5 s before a webhook's run takes its
first step, on a path whose target is 15 s from hire to PSA (issue 6). This launcher keeps one
fork server per code location (orchestration/run_worker/fork_server.py) that has loaded it, and
starts each run in a process forked from it; the run itself executes exactly as under `dagster api
execute_run`. The first launch after the daemon starts loads the code (as a cold start does); a
changed code location (its Python files or the dbt project) is loaded again at the next launch.
A load that outlasts the instance's `code_servers.local_startup_timeout` fails the launch.

Each run worker's host and pid are tags of its run (the ones `crosswalk run` sets,
orchestration/lib/run_recovery.py), so run monitoring can tell a dead worker
(`check_run_worker_health`) and `terminate` can signal it.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import threading
from collections.abc import Mapping
from typing import IO, Any, Self

import dagster as dg
from dagster._core.launcher import (
    CheckRunHealthResult,
    LaunchRunContext,
    RunLauncher,
    WorkerStatus,
)
from dagster._core.origin import RepositoryPythonOrigin
from dagster._grpc.types import ExecuteRunArgs
from dagster._serdes import ConfigurableClass, ConfigurableClassData, serialize_value

from orchestration.lib.run_recovery import pid_alive, process_tags, worker_pid
from orchestration.run_worker.protocol import READY, STALE


class ForkServerGone(RuntimeError):
    """The fork server exited or answered something else than the protocol allows."""


class ForkServer:
    """One running fork server for a code location, and the pipe to it.

    It must have loaded the code location within `load_timeout` seconds, or it is killed (a
    location that hangs on import would otherwise hang every launch behind it).
    """

    def __init__(self, origin: RepositoryPythonOrigin, load_timeout: float) -> None:
        pointer = origin.code_pointer
        self.process = subprocess.Popen(
            [
                origin.executable_path,
                "-m",
                "orchestration.run_worker.fork_server",
                serialize_value(origin),
            ],
            cwd=getattr(pointer, "working_directory", None) or os.getcwd(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        # Nothing is buffered before the first reply, so the pipe itself says when it arrives.
        if not select.select([stdout], [], [], load_timeout)[0]:
            self.process.kill()
            self.process.wait()
            raise ForkServerGone(
                f"the run worker fork server did not load the code location in {load_timeout:.0f}"
                " s (the instance's code_servers.local_startup_timeout); killed"
            )
        self._expect(READY)

    def _reply(self) -> str:
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        line = stdout.readline().strip()
        if not line:
            code = self.process.wait()
            raise ForkServerGone(f"the run worker fork server exited ({code}) before answering")
        return line

    def _expect(self, word: str) -> None:
        reply = self._reply()
        if reply != word:
            raise ForkServerGone(f"the run worker fork server said {reply!r}, not {word!r}")

    def fork(self, args: ExecuteRunArgs) -> int | None:
        """The pid of the run worker started for `args`; None if the code changed since load."""
        stdin: IO[str] = self.process.stdin  # type: ignore[assignment]
        try:
            stdin.write(serialize_value(args) + "\n")
            stdin.flush()
        except BrokenPipeError as gone:
            raise ForkServerGone("the run worker fork server exited") from gone
        reply = self._reply()
        if reply == STALE:
            self.process.wait()
            return None
        if not reply.isdigit():
            raise ForkServerGone(f"the run worker fork server said {reply!r}, not a pid")
        return int(reply)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()  # type: ignore[union-attr]
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class ForkingRunLauncher(RunLauncher, ConfigurableClass):
    """Starts each run in a process forked from a fork server that has loaded its code location."""

    def __init__(self, inst_data: ConfigurableClassData | None = None) -> None:
        self._inst_data = inst_data
        self._servers: dict[str, ForkServer] = {}
        self._lock = threading.Lock()
        super().__init__()

    @property
    def inst_data(self) -> ConfigurableClassData | None:
        return self._inst_data

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]
    ) -> Self:
        return cls(inst_data=inst_data)

    def _fork(self, args: ExecuteRunArgs) -> int:
        origin = args.job_origin.repository_origin
        key = serialize_value(origin)
        with self._lock:
            # A stale server answers once and exits; a dead one is replaced once.
            for _ in range(2):
                server = self._servers.get(key)
                if server is None or server.process.poll() is not None:
                    timeout = self._instance.code_server_process_startup_timeout
                    server = self._servers[key] = ForkServer(origin, load_timeout=timeout)
                try:
                    pid = server.fork(args)
                except ForkServerGone:
                    del self._servers[key]
                    continue
                if pid is not None:
                    return pid
                del self._servers[key]
        raise ForkServerGone("could not start a run worker: the fork server keeps exiting")

    def launch_run(self, context: LaunchRunContext) -> None:
        run = context.dagster_run
        job_origin = run.job_code_origin
        if job_origin is None:
            raise dg.DagsterInvariantViolationError(f"run {run.run_id} has no code origin")
        args = ExecuteRunArgs(
            job_origin=job_origin,
            run_id=run.run_id,
            instance_ref=self._instance.get_ref(),
            set_exit_code_on_failure=True,
        )
        pid = self._fork(args)
        self._instance.add_run_tags(run.run_id, process_tags(pid))

    def terminate(self, run_id: str) -> bool:
        run = self._instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            return False
        pid = worker_pid(run)
        if pid is None:
            return False
        self._instance.report_run_canceling(run)
        try:
            os.kill(pid, signal.SIGTERM)  # the worker turns it into an interrupt of the run
        except ProcessLookupError:
            return False
        return True

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        pid = worker_pid(run)
        if pid is None:
            # Run monitoring fails a run whose worker is anything but RUNNING, UNKNOWN included;
            # a worker this host cannot see (another host's, or started without the tags) is not
            # known to be dead.
            return CheckRunHealthResult(WorkerStatus.RUNNING, "not a worker of this host")
        # Never a zombie: the fork server's exited children are reaped by the kernel.
        if pid_alive(pid):
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker {pid} is gone")

    def dispose(self) -> None:
        with self._lock:
            for server in self._servers.values():
                server.stop()
            self._servers.clear()
