"""The jobs webhook events start.

One system's ingestion, the dbt models on the path from it to the worker flows' sync models and
the worker history snapshot, the models their checks compare them with where the same ingestion
changed those too, and the worker flows' pushes. Reconciliation, marts and the rest of the
canonical picture wait for the next full cycle.

Targeted by the asset graph, not by record: the vendor's ingestion is incremental (BambooHR's
changed-since feed, Gusto's event feed), so the run reads just the changed records, and dbt
builds only the models on the path from that system to the worker deltas.
"""

import dagster as dg

from orchestration.defs.events.selection import WithComparedAssets
from orchestration.defs.push.assets import OPS_KEYS, push_key, sync_key

WORKER_FLOWS = ("provision_worker", "update_worker", "offboard_worker")
EVENT_SYSTEMS = ("bamboohr", "gusto")
HISTORY_GROUPS = ("snapshots",)


def event_job_name(system: str) -> str:
    return f"{system}_worker_events"


def worker_event_selection(system: str) -> dg.AssetSelection:
    ingest = dg.AssetSelection.groups(system)
    deltas = dg.AssetSelection.assets(*(sync_key(flow) for flow in WORKER_FLOWS))
    pushes = dg.AssetSelection.assets(*(push_key(flow) for flow in WORKER_FLOWS), *OPS_KEYS)
    changed = ingest.downstream()
    # A check comparing a rebuilt model with one this ingestion also changed (a worker's org
    # unit) needs that one rebuilt too, and what it is built from; one it did not change is as
    # fresh as it was. dbt runs only the tests whose parents are all built or upstream of what
    # is (orchestration/defs/transform/assets.py: indirect selection `buildable` in a subset).
    # Worker history (a snapshot of the golden record) too: a snapshot keeps only the versions it
    # sees, so one taken per event keeps each change, where the daily full cycle would keep the
    # last of the day's. It runs beside the path (4 dbt threads), not on it.
    history = changed & dg.AssetSelection.groups(*HISTORY_GROUPS)
    modelled = WithComparedAssets(child=(changed & deltas.upstream()) | history, scope=changed)
    return ingest | modelled | pushes


# One definition per job, shared by the sensor and the code location (a second one would clash).
WORKER_EVENT_JOBS = [
    dg.define_asset_job(
        event_job_name(system),
        selection=worker_event_selection(system),
        description=(
            f"A {system} webhook named changed workers: ingest {system}, rebuild the worker "
            "deltas, push them."
        ),
        tags={"crosswalk/trigger": "webhook"},
        # One process for the whole run: the multiprocess executor starts a process per step
        # that loads the code location again (~7 s each), most of a small run's latency.
        executor_def=dg.in_process_executor,
    )
    for system in EVENT_SYSTEMS
]
