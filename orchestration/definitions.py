"""crosswalk's Dagster code location: assembles the definitions and applies global policy.

Nothing here connects to a database or the network: loading the code location must be cheap and
side-effect free. The asset graph grows with ingestion (dlt), dbt models and write-back.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.sandbox_health import sandbox_health_check_job, sandbox_resource

defs = dg.Definitions(
    jobs=[sandbox_health_check_job],
    resources={"sandbox": sandbox_resource()},
)
