"""Recover from a `crosswalk run` whose process died: mark its run failed, free its pool slots.

A run killed hard (SIGKILL, OOM, a lost machine) stays STARTED in the Dagster instance and keeps
the `warehouse` pool slot it held, so the next run waits for that slot forever. Under
`dagster dev` / the daemon, run monitoring does this clean-up (orchestration/dagster.yaml);
`crosswalk run` has no daemon, so it does it itself before it starts: a CLI run tagged with this
host and a pid that is no longer alive is reported failed, and every slot or pending step held by
a run that has ended is freed.
"""

from __future__ import annotations

import os
import socket

import dagster as dg

HOST_TAG = "crosswalk/host"
PID_TAG = "crosswalk/pid"
ENDED = {
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.CANCELED,
}
ALIVE = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def process_tags(pid: int | None = None) -> dict[str, str]:
    """Tags that let a later run on this host tell whether its process (default: this one) lives."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(pid if pid is not None else os.getpid())}


def worker_pid(run: dg.DagsterRun) -> int | None:
    """The pid of `run`'s process if it was tagged as running on this host."""
    pid = run.tags.get(PID_TAG, "")
    if run.tags.get(HOST_TAG) != socket.gethostname() or not pid.isdigit():
        return None
    return int(pid)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Report failed the runs of this host whose process is gone; their ids."""
    host = socket.gethostname()
    failed = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=ALIVE, tags={HOST_TAG: host})):
        run = record.dagster_run
        pid = worker_pid(run)
        if pid is not None and not pid_alive(pid):
            instance.report_run_failed(run, message=f"its process ({pid} on {host}) is gone")
            failed.append(run.run_id)
    return failed


def free_slots_of_ended_runs(instance: dg.DagsterInstance) -> list[str]:
    """Free the pool slots and pending steps still held by runs that have ended; their ids."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    holders: set[str] = set()
    for pool in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(pool)
        holders |= {slot.run_id for slot in info.claimed_slots}
        holders |= {step.run_id for step in info.pending_steps}
    freed = []
    for run_id in sorted(holders):
        run = instance.get_run_by_id(run_id)
        if run is None or run.status in ENDED:
            storage.free_concurrency_slots_for_run(run_id)
            freed.append(run_id)
    return freed


def recover_abandoned_runs(instance: dg.DagsterInstance) -> tuple[list[str], list[str]]:
    """Both, in order: (runs reported failed, runs whose slots were freed)."""
    return fail_dead_runs(instance), free_slots_of_ended_runs(instance)
