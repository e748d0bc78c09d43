"""crosswalk's Dagster code location: assembles the definitions and applies global policy.

Nothing here connects to a database or the network: loading the code location must be cheap and
side-effect free. The asset graph grows with dbt models and write-back.
"""

from __future__ import annotations

import dagster as dg
from dagster_dlt import DagsterDltResource

from orchestration.defs.ingest.assets import VENDORS, ingest_assets
from orchestration.defs.ingest.schedules import ingest_jobs_and_schedules
from orchestration.defs.sandbox_health import sandbox_health_check_job, sandbox_resource

_ingest_jobs, _ingest_schedules = ingest_jobs_and_schedules(list(VENDORS))

defs = dg.Definitions(
    assets=ingest_assets(),
    jobs=[sandbox_health_check_job, *_ingest_jobs],
    schedules=_ingest_schedules,
    resources={"sandbox": sandbox_resource(), "dlt": DagsterDltResource()},
)
