"""The full cycle: every asset (ingest, dbt, BI copy, pushes, ops mirror) in one run, nightly.

ARCHITECTURE §8's nightly full reconciliation: the polled schedules and the webhook path keep
their own domains fresh, and this run rebuilds reconciliation and marts over everything. The
same job is what `make demo` launches first, so the event path has a built warehouse to work on.
"""

import dagster as dg

FULL_CYCLE_CRON = "0 2 * * *"

full_cycle_job = dg.define_asset_job(
    "full_cycle",
    selection=dg.AssetSelection.all(),
    description="Ingest every system, build every dbt model, publish the BI copy, push.",
    # One process: a step process per asset group would load the code location again each time.
    executor_def=dg.in_process_executor,
)

full_cycle_schedule = dg.ScheduleDefinition(
    job=full_cycle_job,
    cron_schedule=FULL_CYCLE_CRON,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
