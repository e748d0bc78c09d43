"""The inbox sensor: webhook events accepted by `crosswalk webhooks` start targeted runs.

Each evaluation reads the inbox after its cursor (the last inbox id handled) and requests one run
per system present, of that system's worker-events job, keyed by the inbox ids it covers, so a
batch is requested once even if the cursor were lost. Duplicate deliveries never reach the inbox;
out-of-order ones only ask for the same records to be read again; echoes of crosswalk's own
writes ask for nothing (orchestration/webhooks/echoes.py). Until the worker deltas have
been built once (a whole `crosswalk run`), the targeted path has nothing to build on: the sensor
skips, saying so, and the events wait in the inbox. One batch may wait behind the run at work
(its run queued until the warehouse pool frees); beyond that the events wait in the inbox and
the next run takes all of them.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at runtime.
import dagster as dg

from orchestration.defs.events.jobs import (
    EVENT_SYSTEMS,
    WORKER_EVENT_JOBS,
    WORKER_FLOWS,
    event_job_name,
)
from orchestration.defs.push.assets import sync_key
from orchestration.webhooks.echoes import echo_ids
from orchestration.webhooks.inbox import WebhookInbox

BATCH_LIMIT = 1000
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]
SUBJECTS_TAG_LIMIT = 40  # Dagster tags are for reading in the UI, not for data
# The run at work and one batch waiting behind it, queued: it is dequeued as soon as the
# warehouse pool frees, rather than created at the next sensor tick after the run at work ends
# (inbox -> run created 7.9 s -> 2.6 s in the event bench). A run per tick would pile up on the
# single-writer warehouse instead (under `make demo`'s clock it did).
MAX_IN_FLIGHT = 2


def _subjects_tag(subjects: list[str]) -> str:
    shown = ",".join(subjects[:SUBJECTS_TAG_LIMIT])
    more = len(subjects) - SUBJECTS_TAG_LIMIT
    return shown + (f" (+{more} more)" if more > 0 else "")


PRIORITY_TAG = "dagster/priority"  # the run queue dequeues higher numbers first (default 0)
EVENT_RUN_PRIORITY = "10"


@dg.sensor(
    name="worker_events_from_webhooks",
    description="Starts a targeted worker run when BambooHR or Gusto webhooks reach the inbox.",
    jobs=WORKER_EVENT_JOBS,
    # Cheap to evaluate (one inbox query, one run query); every second waited is latency.
    minimum_interval_seconds=2,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def worker_events_from_webhooks(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    after = int(context.cursor) if context.cursor else 0
    unbuilt = [
        flow
        for flow in WORKER_FLOWS
        if context.instance.get_latest_materialization_event(sync_key(flow)) is None
    ]
    if unbuilt:
        return dg.SensorResult(
            skip_reason=(
                f"sync/{unbuilt[0]} has never been built: webhook events wait in the inbox until "
                "a whole run (`crosswalk run` or materialize all) has built the warehouse"
            ),
            cursor=context.cursor,
        )
    in_flight = context.instance.get_run_records(
        dg.RunsFilter(job_name=None, statuses=IN_FLIGHT, tags={"crosswalk/trigger": "webhook"}),
        limit=MAX_IN_FLIGHT,
    )
    if len(in_flight) >= MAX_IN_FLIGHT:
        runs = ", ".join(record.dagster_run.run_id for record in in_flight)
        return dg.SensorResult(
            skip_reason=f"runs {runs} are at work or waiting for it; events wait",
            cursor=context.cursor,
        )
    with WebhookInbox.open() as inbox:
        events = inbox.events_after(after, limit=BATCH_LIMIT)
    if not events:
        return dg.SensorResult(run_requests=[], cursor=str(after))
    echoes = echo_ids(events)
    requests = []
    for system in EVENT_SYSTEMS:
        batch = [e for e in events if e.system == system and e.inbox_id not in echoes]
        if not batch:
            continue
        subjects = sorted({s for e in batch for s in e.subject_ids})
        first, last = batch[0].inbox_id, batch[-1].inbox_id
        requests.append(
            dg.RunRequest(
                run_key=f"webhooks:{system}:{first}-{last}",
                job_name=event_job_name(system),
                tags={
                    # Dequeued before scheduled polls waiting for the same warehouse pool.
                    PRIORITY_TAG: EVENT_RUN_PRIORITY,
                    "crosswalk/trigger": "webhook",
                    "crosswalk/inbox_ids": f"{first}-{last}",
                    "crosswalk/subjects": _subjects_tag(subjects),
                },
            )
        )
    cursor = str(events[-1].inbox_id)
    if echoes and not requests:
        return dg.SensorResult(
            skip_reason=(
                f"{len(echoes)} events echo crosswalk's own writes (inbox ids "
                f"{min(echoes)}-{max(echoes)}); the next scheduled poll reads those records"
            ),
            cursor=cursor,
        )
    if echoes:
        context.log.info(f"{len(echoes)} events echo crosswalk's own writes: no run for them")
    return dg.SensorResult(run_requests=requests, cursor=cursor)
