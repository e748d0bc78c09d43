"""dbt benchmark: the whole dbt build on `medium`, full and then incremental after one day.

- full: `dbt build` (models, seeds, tests) on a warehouse that holds only freshly ingested raw
  tables: every model is built from nothing.
- incremental: the sandbox lives one more business day, the four sources ingest the change, and
  `dbt build` runs again: incremental models merge only what changed since their last build.
- no-op: `dbt build` once more with nothing new, the fixed cost of a build (dbt start-up, views,
  tests).
- one view: `dbt run` of a single view, dbt's start-up and teardown alone.
The figure that matters is incremental / full (issue 4: a small fraction). A dbt build also pays
a fixed cost per node (compiling, events, the materialization's statements: ~40 ms here) that no
incremental model removes, so the suite records the node count and the start-up too; see
docs/transformation.md for how the time divides. Every build starts from a parsed project (as
Dagster's do: the code location holds the manifest), so no timing includes a parse. Ingestion
itself is not timed here (the ingest suite measures it).

`CROSSWALK_BENCH_DBT_SIZES=medium,large` measures `large` too (~6 M time entries, where the data
rather than dbt's fixed cost sets a build's time; tens of minutes on 2 cores, most of it
ingesting); each size's figures are named after it and say when they were measured.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx

from bench.env import overridden_environ
from crosswalk_cli.local_stack import sandbox_source_env, start_sandbox
from orchestration.defs.ingest.assets import VENDORS, source_factory
from orchestration.defs.transform.project import dbt_executable
from orchestration.lib.pipelines import build_pipeline

DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
SIZES_ENV = "CROSSWALK_BENCH_DBT_SIZES"


@contextmanager
def _aimed_at(url: str, warehouse: Path) -> Iterator[None]:
    """Point every configured source at `url` and dbt at `warehouse` for the duration."""
    values = {**sandbox_source_env(url), "CROSSWALK_WAREHOUSE": str(warehouse)}
    with overridden_environ(values):
        yield


def ingest_all(warehouse: Path, pipelines_dir: Path) -> None:
    for vendor in VENDORS:
        pipeline = build_pipeline(vendor, warehouse=warehouse, pipelines_dir=pipelines_dir)
        pipeline.run(source_factory(vendor)())


def dbt(command: list[str], business_now: str, target: Path) -> tuple[float, int]:
    """(seconds, nodes run) of one dbt command at business time `business_now`; raises if failed.

    The command's run_results.json stays in `target` for incremental_models_seconds() and
    slowest_nodes().
    """
    started = time.perf_counter()
    result = subprocess.run(
        [dbt_executable(), *command, "--profiles-dir", ".", "--target-path", str(target)],
        cwd=DBT_PROJECT,
        capture_output=True,
        text=True,
        env={**os.environ, "CROSSWALK_BUSINESS_NOW": business_now},
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"dbt {command[0]} failed:\n{result.stdout[-4000:]}")
    run_results = target / "run_results.json"
    nodes = len(json.loads(run_results.read_text())["results"]) if command[0] != "parse" else 0
    return elapsed, nodes


def incremental_models_seconds(target: Path) -> float:
    """What the incremental models and snapshots took in the last command run into `target`.

    dbt's own `execution_time` per node, summed (an incremental model's scope query included).
    """
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    incremental = {
        key
        for key, node in nodes.items()
        if node["config"].get("materialized") in ("incremental", "snapshot")
    }
    results = json.loads((target / "run_results.json").read_text())["results"]
    return sum(r["execution_time"] for r in results if r["unique_id"] in incremental)


def slowest_nodes(target: Path, count: int = 10) -> dict[str, float]:
    """The `count` nodes that took longest in the last command run into `target` (dbt's time)."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    slowest = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:count]
    return {r["unique_id"].split(".", 2)[-1]: round(r["execution_time"], 2) for r in slowest}


def largest_child_rss_mb() -> int:
    """The peak memory of the largest child process waited for so far (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


def measure(url: str, workdir: Path, size: str) -> dict[str, object]:
    warehouse = workdir / "warehouse.duckdb"
    target = workdir / "dbt_target"
    control = url + "/_sandbox"
    with _aimed_at(url, warehouse):
        ingest_all(warehouse, workdir / "pipelines")
        clock = httpx.get(control + "/clock", timeout=60).json()["business_now"]
        dbt(["parse"], clock, target)
        full, nodes = dbt(["build"], clock, target)
        full_peak_mb = largest_child_rss_mb()  # the parse before it is far smaller
        models_full = incremental_models_seconds(target)
        httpx.post(control + "/advance?days=1", timeout=600).raise_for_status()
        ingest_all(warehouse, workdir / "pipelines")
        clock = httpx.get(control + "/clock", timeout=60).json()["business_now"]
        incremental, _ = dbt(["build"], clock, target)
        models_incremental = incremental_models_seconds(target)
        slowest_after_one_day = slowest_nodes(target)
        noop, _ = dbt(["build"], clock, target)
        slowest_noop = slowest_nodes(target)
        one_view, _ = dbt(["run", "--select", "stg_harvest__tasks"], clock, target)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        entries = conn.execute("select count(*) from canonical.time_entry").fetchone()[0]
        postings = conn.execute("select count(*) from canonical.gl_posting").fetchone()[0]
    figures = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "time_entries": entries,
        "gl_postings": postings,
        "nodes": nodes,
        "full_build_s": round(full, 1),
        "full_build_peak_rss_mb": full_peak_mb,
        "incremental_build_after_one_day_s": round(incremental, 1),
        "noop_build_s": round(noop, 1),
        "one_view_run_s": round(one_view, 1),
        "incremental_over_full": round(incremental / full, 3),
        # What one day adds to a build with nothing new, over what building from nothing adds:
        # the incremental models' share, without the fixed cost both builds pay.
        "incremental_over_full_above_noop": (
            round((incremental - noop) / (full - noop), 3) if full > noop else None
        ),
        # The incremental models alone (staging and canonical time entries, journal lines, pay
        # lines; the snapshot; drift_findings), as dbt timed them in each build.
        "incremental_models_full_s": round(models_full, 1),
        "incremental_models_after_one_day_s": round(models_incremental, 1),
        "incremental_models_incremental_over_full": round(models_incremental / models_full, 3),
        # Where a build after a day and one with nothing new spend their time (on four threads a
        # node's time includes waiting for the others): what to make cheaper next.
        "slowest_nodes_after_one_day_s": slowest_after_one_day,
        "slowest_nodes_noop_s": slowest_noop,
    }
    return {f"dbt_{size}_{name}": value for name, value in figures.items()}


def run(url: str | None = None) -> dict[str, object]:
    """The dbt benchmark for each size of CROSSWALK_BENCH_DBT_SIZES (default `medium`).

    Each starts a sandbox without rate limits, unless `url` is given: then that sandbox is
    measured once, under the first size's name, and advanced by one day (use a disposable one).
    """
    url = url or os.environ.get("CROSSWALK_BENCH_SANDBOX_URL")
    sizes = [s.strip() for s in os.environ.get(SIZES_ENV, "medium").split(",") if s.strip()]
    if url:
        with tempfile.TemporaryDirectory(prefix="crosswalk-dbt-bench-") as tmp:
            return measure(url, Path(tmp), sizes[0])
    results: dict[str, object] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"crosswalk-dbt-bench-{size}-") as tmp:
            sandbox = start_sandbox(Path(tmp), size=size, seed=42, rate_limits=False, wait=3600)
            try:
                results |= measure(sandbox.url, Path(tmp), size)
            finally:
                sandbox.stop()
    return results
