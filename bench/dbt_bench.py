"""dbt benchmark: the whole dbt build on `medium`, full and then incremental after one day.

- full: `dbt build` (models, seeds, tests) on a warehouse that holds only freshly ingested raw
  tables: every model is built from nothing.
- incremental: the sandbox lives one more business day, the four sources ingest the change, and
  `dbt build` runs again: incremental models merge only what changed since their last build.
- no-op: `dbt build` once more with nothing new, the fixed cost of a build (dbt start-up, views,
  tests).
The figure that matters is incremental / full (issue 4: a small fraction). Ingestion itself is
not timed here (the ingest suite measures it).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import httpx

from bench.env import overridden_environ
from orchestration.defs.ingest.assets import VENDORS, source_factory
from orchestration.defs.transform.project import dbt_executable
from orchestration.lib.pipelines import build_pipeline
from tests.support.sandbox_process import start_sandbox
from tests.support.sources import BASES

DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"


@contextmanager
def _aimed_at(url: str, warehouse: Path) -> Iterator[None]:
    """Point every configured source at `url` and dbt at `warehouse` for the duration."""
    values = {
        f"SOURCES__{vendor.upper()}__{name.upper()}__BASE_URL": url + path
        for vendor, instances in BASES.items()
        for name, path in instances.items()
    }
    values["SOURCES__HARVEST__ACME__FORECAST_BASE_URL"] = url + "/forecast"
    values |= {"CROSSWALK_PROFILE": "sandbox", "CROSSWALK_WAREHOUSE": str(warehouse)}
    with overridden_environ(values):
        yield


def ingest_all(warehouse: Path, pipelines_dir: Path) -> None:
    for vendor in VENDORS:
        pipeline = build_pipeline(vendor, warehouse=warehouse, pipelines_dir=pipelines_dir)
        pipeline.run(source_factory(vendor)())


def dbt_build(business_now: str) -> float:
    """Seconds for one `dbt build` at business time `business_now`; raises if it fails."""
    started = time.perf_counter()
    result = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--profiles-dir",
            ".",
        ],
        cwd=DBT_PROJECT,
        capture_output=True,
        text=True,
        env={**os.environ, "CROSSWALK_BUSINESS_NOW": business_now},
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{result.stdout[-4000:]}")
    return elapsed


def measure(url: str, workdir: Path) -> dict[str, object]:
    warehouse = workdir / "warehouse.duckdb"
    control = url + "/_sandbox"
    with _aimed_at(url, warehouse):
        ingest_all(warehouse, workdir / "pipelines")
        clock = httpx.get(control + "/clock", timeout=60).json()["business_now"]
        full = dbt_build(clock)
        httpx.post(control + "/advance?days=1", timeout=600).raise_for_status()
        ingest_all(warehouse, workdir / "pipelines")
        clock = httpx.get(control + "/clock", timeout=60).json()["business_now"]
        incremental = dbt_build(clock)
        noop = dbt_build(clock)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        entries = conn.execute("select count(*) from canonical.time_entry").fetchone()[0]
        postings = conn.execute("select count(*) from canonical.gl_posting").fetchone()[0]
    return {
        "dbt_medium_time_entries": entries,
        "dbt_medium_gl_postings": postings,
        "dbt_medium_full_build_s": round(full, 1),
        "dbt_medium_incremental_build_after_one_day_s": round(incremental, 1),
        "dbt_medium_noop_build_s": round(noop, 1),
        "dbt_medium_incremental_over_full": round(incremental / full, 3),
    }


def run(url: str | None = None) -> dict[str, object]:
    """The dbt benchmark; starts a `medium` sandbox without rate limits unless `url` is given.

    A given sandbox is advanced by one day: use a disposable one.
    """
    url = url or os.environ.get("CROSSWALK_BENCH_SANDBOX_URL")
    with tempfile.TemporaryDirectory(prefix="crosswalk-dbt-bench-") as tmp:
        if url:
            return measure(url, Path(tmp))
        sandbox = start_sandbox(Path(tmp), size="medium", rate_limits=False, timeout=1800)
        try:
            return measure(sandbox.url, Path(tmp))
        finally:
            sandbox.stop()
