"""The jobs webhook events start.

One system's ingestion, the dbt staging, canonical, history and quarantine models downstream of
it plus the worker flows' sync models, and those flows' pushes.

Targeted by the asset graph, not by record: the vendor's ingestion is incremental (BambooHR's
changed-since feed, Gusto's event feed), so the run reads just the changed records, and dbt
builds only the models on the path from that system to the worker deltas.
"""

import dagster as dg

from orchestration.defs.push.assets import OPS_KEYS, push_key, sync_key

WORKER_FLOWS = ("provision_worker", "update_worker", "offboard_worker")
EVENT_SYSTEMS = ("bamboohr", "gusto")
# dbt groups a targeted run rebuilds downstream of its system; reconciliation and marts wait
# for the next full cycle.
MODEL_GROUPS = ("staging", "canonical", "snapshots", "quarantine")


def event_job_name(system: str) -> str:
    return f"{system}_worker_events"


def worker_event_selection(system: str) -> dg.AssetSelection:
    ingest = dg.AssetSelection.groups(system)
    deltas = dg.AssetSelection.assets(*(sync_key(flow) for flow in WORKER_FLOWS))
    pushes = dg.AssetSelection.assets(*(push_key(flow) for flow in WORKER_FLOWS), *OPS_KEYS)
    # The whole modelled picture of the system's records, not only the path to the deltas: the
    # canonical models' tests join across them (a worker's org unit, its history), and a run
    # that rebuilt the worker alone fails them against a stale org unit.
    modelled = dg.AssetSelection.groups(*MODEL_GROUPS)
    return ingest | (ingest.downstream() & (modelled | deltas.upstream())) | pushes


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
