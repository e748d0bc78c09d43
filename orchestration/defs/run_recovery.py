"""The sensor that cleans up after a run whose process died, for the daemon to run every minute.

Run monitoring sees a dead worker of a daemon-launched run (crosswalk's launcher checks the pid
it tagged, orchestration/run_worker/launcher.py) but only every two minutes (its default), and a
`crosswalk run` killed mid-write keeps the `warehouse` pool slot, so every later writer, the
webhook runs included, would wait behind it. This sensor does what
`crosswalk run` does before it starts (orchestration/lib/run_recovery.py): reports failed the
runs of this host whose process is gone and frees the slots of ended runs. It requests no runs.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at runtime.
import dagster as dg

from orchestration.lib.run_recovery import recover_abandoned_runs


@dg.sensor(
    name="recover_abandoned_runs",
    description=(
        "Reports failed the runs whose process died on this host and frees the pool slots of "
        "runs that ended, so the warehouse's writers never wait for a dead run."
    ),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def recover_abandoned_runs_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    failed, freed = recover_abandoned_runs(context.instance)
    if failed or freed:
        context.log.info(f"reported failed: {failed}; freed the slots of: {freed}")
    return dg.SkipReason(
        f"{len(failed)} dead runs reported failed, {len(freed)} runs' slots freed"
        if failed or freed
        else "no abandoned run"
    )
