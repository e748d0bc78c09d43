"""One day's work of the chaos scenario: the daily cycle (optionally killed) and the event runs.

The daily cycle is `crosswalk run` (ingest, build, push) in a child process. A kill is a SIGKILL
at a phase seen from outside, the way an operator's machine dies: during ingestion once a dlt
ingestion step has started (the Dagster event log says so), during write-back once a push has
sent a request whose answer is not yet recorded (the ops store's ledger says so). The cycle then
runs again, as a run retry would; it finds the killed run dead, reports it failed and frees its
warehouse pool slot (orchestration/lib/run_recovery.py).

Webhook events take the path they take under `dagster dev`: the inbox sensor is evaluated
against the instance and each run it requests is executed with `dagster job execute`.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.push.store import ops_transaction

RUN_TIMEOUT_SECONDS = 1800
INGEST_STEP_SUFFIX = "_raw"  # the dlt multi-assets' op names: bamboohr_raw, netsuite_raw, ...
KILL_PHASES = ("ingest", "write-back")


@dataclass
class CycleOutcome:
    """What one child run did; `killed_at` names the phase it was killed in, if it was."""

    command: str
    returncode: int
    seconds: float
    killed_at: str | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0 and self.killed_at is None


def _failure_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("FAILED", "ERROR"))][:20]


def _latest_run_id(instance: dg.DagsterInstance, started_after: float) -> str | None:
    for record in instance.get_run_records(limit=5):
        if record.create_timestamp.timestamp() >= started_after:
            return record.dagster_run.run_id
    return None


def _ingest_started(instance: dg.DagsterInstance, started_after: float) -> bool:
    run_id = _latest_run_id(instance, started_after)
    if run_id is None:
        return False
    starts = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
    return any(
        (entry.step_key or "").endswith(INGEST_STEP_SUFFIX)
        for entry in starts
        if entry.is_dagster_event
    )


def _send_in_flight(ops_db: Path, after_ledger_id: int) -> bool:
    """A push has sent a request and not yet recorded its answer (status `sent`)."""
    if not ops_db.exists():
        return False
    with ops_transaction(ops_db) as conn:
        try:
            row = conn.execute(
                "select 1 from sync_ledger where ledger_id > ? and status = 'sent' limit 1",
                (after_ledger_id,),
            ).fetchone()
        except sqlite3.OperationalError:  # no ledger yet
            return False
    return row is not None


def _kill_group(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def last_ledger_id(ops_db: Path) -> int:
    if not ops_db.exists():
        return 0
    with ops_transaction(ops_db) as conn:
        try:
            return conn.execute("select coalesce(max(ledger_id), 0) from sync_ledger").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


class CycleRunner:
    """Runs crosswalk's commands as child processes with the scenario's environment."""

    def __init__(self, env: dict[str, str], workdir: Path, instance: dg.DagsterInstance):
        self.env = env
        self.workdir = workdir
        self.instance = instance
        self.ops_db = Path(env["CROSSWALK_OPS_DB"])
        self.log_path = workdir / "runs.log"

    def _spawn(self, args: list[str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            args,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a kill takes the run and nothing else
        )

    def _log(self, title: str, output: str) -> None:
        with open(self.log_path, "a") as log:
            log.write(f"\n===== {title}\n{output}")

    def cycle(self, title: str, kill_at: str | None = None, *args: str) -> CycleOutcome:
        """`crosswalk run [args]`; with `kill_at`, SIGKILLed once that phase is under way."""
        started, wall = time.monotonic(), time.time()
        process = self._spawn([sys.executable, "-m", "crosswalk_cli.main", "run", *args])
        trigger: Callable[[], bool] | None = None
        if kill_at == "ingest":
            trigger = lambda: _ingest_started(self.instance, wall)  # noqa: E731
        elif kill_at == "write-back":
            before = last_ledger_id(self.ops_db)
            trigger = lambda: _send_in_flight(self.ops_db, before)  # noqa: E731
        elif kill_at is not None:
            raise ValueError(f"kill_at must be one of {KILL_PHASES}")
        return self._run_to_end(
            process,
            " ".join(["crosswalk run", *args]),
            f"{title}: crosswalk run",
            started,
            kill=(lambda: self._kill_when(process, trigger, kill_at)) if trigger else None,
        )

    def _run_to_end(
        self,
        process: subprocess.Popen[str],
        command: str,
        title: str,
        started: float,
        kill: Callable[[], str | None] | None = None,
    ) -> CycleOutcome:
        """Wait for a child run, log its output and say what it did.

        `kill` watches the run and returns the phase it killed it in, if it did. If the scenario
        stops meanwhile (an exception, SIGTERM), the child's group goes with it.
        """
        try:
            phase = kill() if kill is not None else None
            output, _ = process.communicate(timeout=RUN_TIMEOUT_SECONDS)
        except BaseException:
            _kill_group(process)
            raise
        self._log(title + (f" (SIGKILL during {phase})" if phase else ""), output)
        return CycleOutcome(
            command=command,
            returncode=process.returncode,
            seconds=round(time.monotonic() - started, 1),
            killed_at=phase,
            failures=_failure_lines(output),
        )

    def _kill_when(
        self, process: subprocess.Popen[str], trigger: Callable[[], bool], phase: str | None
    ) -> str | None:
        # Poll the phase from outside; the child's output is read once it has ended, so a pipe
        # that fills meanwhile is not a risk for `crosswalk run`'s few hundred lines.
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        while process.poll() is None and time.monotonic() < deadline:
            if trigger():
                if phase == "ingest":
                    time.sleep(1.0)  # into the extraction, not at its first request
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return phase
            time.sleep(0.05)
        return None

    def event_runs(self, sensor_cursor: str | None) -> tuple[list[CycleOutcome], str | None]:
        """Evaluate the inbox sensor once and execute the runs it asks for.

        The recovery sensor goes first, as the daemon would have run it meanwhile: a daily cycle
        killed the day before must not hold the warehouse pool slot the event runs need.
        """
        from orchestration.defs.events.sensors import worker_events_from_webhooks
        from orchestration.defs.run_recovery import recover_abandoned_runs_sensor

        recover_abandoned_runs_sensor(dg.build_sensor_context(instance=self.instance))
        context = dg.build_sensor_context(instance=self.instance, cursor=sensor_cursor)
        result = worker_events_from_webhooks(context)
        assert isinstance(result, dg.SensorResult)
        outcomes = []
        for request in result.run_requests or []:
            started = time.monotonic()
            args = [sys.executable, "-m", "dagster", "job", "execute"]
            args += ["-m", "orchestration.definitions", "-j", str(request.job_name)]
            args += ["--tags", json.dumps(request.tags)]
            outcomes.append(
                self._run_to_end(
                    self._spawn(args),
                    f"dagster job execute -j {request.job_name}",
                    f"event run {request.run_key}",
                    started,
                )
            )
        return outcomes, result.cursor
