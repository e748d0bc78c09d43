"""crosswalk's Dagster code location: assembles the definitions and applies global policy.

Nothing here connects to a database or the network: loading the code location must be cheap and
side-effect free, apart from `dbt parse` when the dbt manifest is older than the dbt project's
files (orchestration/defs/transform/project.py), and two mends to Dagster's pool slot claiming
installed in the process (orchestration/pool_slots.py: every process that runs steps loads this
module first). The asset graph: raw tables (dlt) -> dbt models
-> the published BI copy, and the write-back: push assets per flow after their sync models,
the ops ledger mirrored into the warehouse, and the sync sensor; webhook events (the inbox
sensor) start targeted worker runs; each domain's ingestion carries its SLA as a freshness
policy, and a sensor records its WARN/FAIL transitions as alerts; observability assets measure
each domain's sync from the instance and carry the health marts' figures as metadata.
"""

from __future__ import annotations

import dagster as dg
from dagster_dlt import DagsterDltResource

from orchestration.defs.cycle import full_cycle_job, full_cycle_schedule
from orchestration.defs.events.jobs import WORKER_EVENT_JOBS
from orchestration.defs.events.sensors import worker_events_from_webhooks
from orchestration.defs.freshness import domain_freshness_sensor, with_freshness_policies
from orchestration.defs.ingest.assets import VENDORS, ingest_assets
from orchestration.defs.ingest.schedules import ingest_jobs_and_schedules
from orchestration.defs.observability.assets import DBT_SLICE, observability_assets
from orchestration.defs.observability.schedules import domain_sync_job, domain_sync_schedule
from orchestration.defs.push.assets import push_assets
from orchestration.defs.push.sensors import push_after_sync_builds
from orchestration.defs.run_recovery import recover_abandoned_runs_sensor
from orchestration.defs.sandbox_health import sandbox_health_check_job, sandbox_resource
from orchestration.defs.transform.assets import dbt_resource, transform_assets
from orchestration.defs.transform.project import crosswalk_dbt_project
from orchestration.pool_slots import install as install_pool_slot_mends

install_pool_slot_mends()

_ingest_jobs, _ingest_schedules = ingest_jobs_and_schedules(list(VENDORS))
_dbt_project = crosswalk_dbt_project()
_ingest = with_freshness_policies(ingest_assets())
# The ingestion assets' keys by vendor group (each an SLA domain's group): freshness judges them.
ingest_keys = {
    group: [key for asset in _ingest for key, g in asset.group_names_by_key.items() if g == group]
    for group in VENDORS
}

defs = dg.Definitions(
    assets=[
        *_ingest,
        *transform_assets(_dbt_project, slices=DBT_SLICE),
        *push_assets(),
        *observability_assets(ingest_keys),
    ],
    jobs=[
        sandbox_health_check_job,
        *_ingest_jobs,
        *WORKER_EVENT_JOBS,
        full_cycle_job,
        domain_sync_job,
    ],
    schedules=[*_ingest_schedules, full_cycle_schedule, domain_sync_schedule],
    sensors=[
        push_after_sync_builds,
        worker_events_from_webhooks,
        recover_abandoned_runs_sensor,
        domain_freshness_sensor(ingest_keys),
    ],
    resources={
        "sandbox": sandbox_resource(),
        "dlt": DagsterDltResource(),
        "dbt": dbt_resource(_dbt_project),
    },
)
