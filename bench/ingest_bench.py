"""Ingest benchmark: Harvest time entries into DuckDB through the dlt source, against the floor.

- ingest: `harvest_source().with_resources("time_entries")` run end to end (extract, normalize,
  load, merge) into a fresh DuckDB warehouse, first (full) load; rows/s = rows landed / seconds.
- floor: the same pages fetched with the same client (next page prefetched while the current
  one is parsed, as the source does) and parsed with orjson, nothing else; the sequential floor
  (no prefetch) is reported beside it.
The ratio ingest/floor is the figure that matters (ARCHITECTURE §4; target >= 0.5). Both run
against a `medium` sandbox with `--no-rate-limits`, started here unless a URL is given.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from bench.env import overridden_environ
from crosswalk_cli.local_stack import start_sandbox
from dlt_sources.common.config import load_instances
from dlt_sources.harvest import SECRET_KEYS, harvest_source
from dlt_sources.harvest.helpers import HarvestClient
from orchestration.lib.pipelines import build_pipeline


@contextmanager
def _aimed_at(url: str) -> Iterator[None]:
    """Point the Harvest instance at `url` for the duration (env vars, as a tenant would)."""
    with overridden_environ(
        {
            "SOURCES__HARVEST__ACME__BASE_URL": url + "/harvest/v2",
            "SOURCES__HARVEST__ACME__FORECAST_BASE_URL": url + "/forecast",
            "CROSSWALK_PROFILE": "sandbox",
        }
    ):
        yield


def floor_once(prefetch: bool = True) -> tuple[int, float]:
    """Rows and seconds to fetch every time entry page and parse it, loading nothing.

    Same client as the source, prefetching the next page as the source does (the faster floor,
    and the one the ratio is taken against); `prefetch=False` gives the plain sequential floor.
    """
    (instance,) = load_instances("harvest", SECRET_KEYS)
    client = HarvestClient(instance)
    started = time.perf_counter()
    pages = client.pages("time_entries", prefetch=prefetch)
    rows = sum(len(page["time_entries"]) for page in pages)
    return rows, time.perf_counter() - started


def ingest_once(workdir: Path) -> tuple[int, float]:
    """Rows landed and seconds for a full load of time entries into a fresh DuckDB."""
    warehouse = workdir / "warehouse.duckdb"
    pipeline = build_pipeline("harvest", warehouse=warehouse, pipelines_dir=workdir / "pipelines")
    started = time.perf_counter()
    pipeline.run(harvest_source().with_resources("time_entries"))
    elapsed = time.perf_counter() - started
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute("select count(*) from raw_harvest.time_entries").fetchone()[0]
    return rows, elapsed


def measure(url: str, rounds: int = 3) -> dict[str, object]:
    """Floor and ingest rows/s (medians over `rounds`, alternating) against a running sandbox.

    The rounds alternate floor and ingest so a noisy machine slows both alike.
    """
    floors, ingests, rows = [], [], 0
    with _aimed_at(url), tempfile.TemporaryDirectory(prefix="crosswalk-ingest-") as tmp:
        floor_once()  # warm the sandbox's page cache, so neither side pays for a cold start
        for n in range(rounds):
            floor_rows, floor_s = floor_once()
            ingest_rows, ingest_s = ingest_once(Path(tmp) / f"round-{n}")
            floors.append(floor_rows / floor_s)
            ingests.append(ingest_rows / ingest_s)
            rows = ingest_rows
        sequential_rows, sequential_s = floor_once(prefetch=False)
    floor, ingest = statistics.median(floors), statistics.median(ingests)
    return {
        "harvest_time_entries_rows": rows,
        "harvest_time_entries_floor_rows_per_s": round(floor),
        "harvest_time_entries_ingest_rows_per_s": round(ingest),
        "harvest_time_entries_ingest_over_floor": round(ingest / floor, 3),
        "harvest_time_entries_floor_sequential_rows_per_s": round(sequential_rows / sequential_s),
        "harvest_time_entries_rounds": rounds,
    }


def run(url: str | None = None, rounds: int = 3) -> dict[str, object]:
    """The ingest benchmark; starts a `medium` sandbox without rate limits unless `url` is given."""
    url = url or os.environ.get("CROSSWALK_BENCH_SANDBOX_URL")
    if url:
        return measure(url, rounds)
    with tempfile.TemporaryDirectory(prefix="crosswalk-ingest-sandbox-") as tmp:
        sandbox = start_sandbox(Path(tmp), size="medium", seed=42, rate_limits=False, wait=1800)
        try:
            return measure(sandbox.url, rounds)
        finally:
            sandbox.stop()
