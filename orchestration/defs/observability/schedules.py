"""`ops/domain_sync` on its own every 15 minutes: lag keeps growing while nothing ingests.

Full runs measure after ingesting; between them (and when an ingestion fails, which skips the
measurement in its run) this job keeps the lag chart and `ops.domain_sync` going. One step in the
warehouse pool for a fraction of a second; in-process, so the run loads the code location once.
"""

import dagster as dg

from orchestration.defs.observability.assets import DOMAIN_SYNC_KEY

DOMAIN_SYNC_CRON = "*/15 * * * *"

domain_sync_job = dg.define_asset_job(
    "observe_domain_sync",
    selection=dg.AssetSelection.assets(DOMAIN_SYNC_KEY),
    description="Measure each domain's sync lag and ingestion failures into ops.domain_sync.",
    executor_def=dg.in_process_executor,
)

domain_sync_schedule = dg.ScheduleDefinition(
    job=domain_sync_job,
    cron_schedule=DOMAIN_SYNC_CRON,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
