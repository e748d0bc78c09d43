"""Ingestion jobs and schedules per business domain (ARCHITECTURE §1 SLA table).

Each domain is polled well inside its SLA: worker master (HCM, 15 min SLA) every 5 minutes,
projects and financial dimensions (ERP, 1 h) every 15 minutes, delivery — time entries and
bookings (PSA, 1 h) — every 10 minutes, payroll (by payroll cut-off) every morning.
"""

from __future__ import annotations

import dagster as dg

DOMAIN_SCHEDULES: dict[str, tuple[str, str, str]] = {
    # vendor: (job name, cron, what the domain is)
    "bamboohr": ("ingest_worker_master", "*/5 * * * *", "worker master and org hierarchy (HCM)"),
    "netsuite": (
        "ingest_financial_dimensions",
        "*/15 * * * *",
        "projects and financial dims (ERP)",
    ),
    "harvest": ("ingest_delivery", "*/10 * * * *", "time entries and bookings (PSA)"),
    "gusto": ("ingest_payroll", "0 5 * * *", "payroll (by payroll cut-off)"),
}


def ingest_jobs_and_schedules(
    vendors: list[str],
) -> tuple[list[dg.UnresolvedAssetJobDefinition], list[dg.ScheduleDefinition]]:
    jobs, schedules = [], []
    for vendor in vendors:
        name, cron, domain = DOMAIN_SCHEDULES[vendor]
        job = dg.define_asset_job(
            name,
            selection=dg.AssetSelection.groups(vendor),
            description=f"Ingest {domain}.",
            # In the run's own process: the multiprocess executor spawns a process per step that
            # loads the code location again (~5 s) while the step holds the warehouse pool, and
            # a webhook's run waited behind that (event bench: 4 polls, created -> started 6.7 s).
            executor_def=dg.in_process_executor,
        )
        jobs.append(job)
        schedules.append(
            dg.ScheduleDefinition(
                job=job,
                cron_schedule=cron,
                default_status=dg.DefaultScheduleStatus.RUNNING,
                execution_timezone="UTC",
            )
        )
    return jobs, schedules
