"""Sandbox benchmarks: how long `medium` takes to generate, and how fast time entries are served.

Two serving figures: what a Python client achieves fetching every Harvest time entry page
(per_page 2000, following `links.next`) and parsing it with orjson, and the same pages counting
only the time spent waiting on the sandbox. The sandbox must outrun any ingestion client, so it
is never what an ingestion benchmark measures.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from crosswalk_cli.local_stack import start_sandbox
from vendor_sandbox.firm.generate import generate_firm
from vendor_sandbox.settings import SandboxSettings
from vendor_sandbox.store import Store

HARVEST_HEADERS = {
    "Authorization": "Bearer sandbox-token",
    "Harvest-Account-Id": "100001",
    "User-Agent": "crosswalk-bench (bench@example.com)",
}


def time_generation(size: str, state: Path) -> float:
    """Seconds to generate a firm of `size` into a new file."""
    store = Store(state)
    store.init_schema()
    started = time.perf_counter()
    generate_firm(store, SandboxSettings(size=size, seed=42))
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def fetch_all_time_entries(base: str) -> tuple[int, float, float]:
    """Rows fetched, total seconds, and seconds spent waiting on the server (not parsing)."""
    rows, waiting = 0, 0.0
    started = time.perf_counter()
    with httpx.Client(headers=HARVEST_HEADERS, timeout=120) as client:
        url: str | None = f"{base}/time_entries?per_page=2000"
        while url:
            asked = time.perf_counter()
            body = client.get(url).content
            waiting += time.perf_counter() - asked
            page = orjson.loads(body)
            rows += len(page["time_entries"])
            url = page["links"]["next"]
    return rows, time.perf_counter() - started, waiting


def run(rounds: int = 3) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="crosswalk-bench-") as tmp:
        workdir = Path(tmp)
        state = workdir / "medium.sqlite"
        generation_seconds = time_generation("medium", state)
        sandbox = start_sandbox(workdir, size="medium", seed=42, state=state, rate_limits=False)
        try:
            measured = [fetch_all_time_entries(sandbox.base("harvest")) for _ in range(rounds)]
        finally:
            sandbox.stop()
    client_rates = [rows / total for rows, total, _ in measured]
    server_rates = [rows / waiting for rows, _, waiting in measured]
    return {
        "medium_generation_seconds": round(generation_seconds, 1),
        "medium_generation_target_seconds": 60,
        "harvest_time_entries_rows": measured[0][0],
        # What a Python client achieves fetching and orjson-parsing every page (per_page 2000).
        "harvest_client_rows_per_second_median": round(statistics.median(client_rates)),
        "harvest_client_rows_per_second_rounds": [round(r) for r in client_rates],
        # The same pages counting only the time spent waiting on the sandbox.
        "harvest_server_rows_per_second_median": round(statistics.median(server_rates)),
        "harvest_serve_floor_rows_per_second": 40_000,
        "harvest_serve_aim_rows_per_second": 150_000,
    }
