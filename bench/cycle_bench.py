"""Cycle benchmark: `crosswalk run` (ingest, dbt, publish, push) as the nightly schedule runs it.

- full cycle, `medium`: an empty warehouse; every raw table ingested, every model built from
  nothing, the BI copy published, the firm's auto-fixable drift pushed back.
- incremental cycle: the sandbox lives one more business day and `crosswalk run` goes again:
  ingestion fetches what changed, incremental models merge it, the day's drift is pushed.
- incremental / full: the figure that says the daily cost follows the day's change, not the
  firm's size.
- peak memory: the whole process tree of each run (the CLI, its run worker, dbt) summed and
  sampled every 0.2 s; on `large` (~20,000 workers, ~6 M time entries) for the full cycle.
  `CROSSWALK_BENCH_CYCLE_SIZES=medium` skips `large` (tens of minutes on 2 cores).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil

from crosswalk_cli.local_stack import start_sandbox
from tests.support.crosswalk import run_env
from tests.support.sandbox_process import REPO

SIZES_ENV = "CROSSWALK_BENCH_CYCLE_SIZES"
RUN_TIMEOUT_SECONDS = 4 * 3600
SAMPLE_SECONDS = 0.2


@dataclass(frozen=True)
class CycleTiming:
    seconds: float
    peak_rss_bytes: int


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue  # ended between the listing and the reading
    return total


def timed_cycle(env: dict[str, str], log: Path) -> CycleTiming:
    """One `crosswalk run`: its wall time and the peak of its process tree's summed RSS."""
    peak = 0
    started = time.perf_counter()
    with open(log, "a") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "crosswalk_cli.main", "run"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        watched = psutil.Process(child.pid)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                try:
                    peak = max(peak, _tree_rss(watched))
                except psutil.NoSuchProcess:
                    return
                done.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            returncode = child.wait(timeout=RUN_TIMEOUT_SECONDS)
        finally:
            done.set()
            sampler.join()
            if child.poll() is None:
                child.kill()
    elapsed = time.perf_counter() - started
    if returncode != 0:
        raise RuntimeError(f"crosswalk run failed (exit {returncode}); see {log}")
    return CycleTiming(elapsed, peak)


def _mb(size: int) -> int:
    return round(size / 2**20)


def measure(size: str, workdir: Path, incremental: bool) -> dict[str, object]:
    sandbox = start_sandbox(workdir / "sandbox", size=size, seed=42, rate_limits=False, wait=3600)
    try:
        env = run_env(sandbox, workdir)
        log = workdir / "runs.log"
        full = timed_cycle(env, log)
        figures: dict[str, object] = {
            # Sizes may be measured in separate runs (CROSSWALK_BENCH_CYCLE_SIZES).
            f"cycle_{size}_measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            f"cycle_{size}_full_s": round(full.seconds, 1),
            f"cycle_{size}_full_peak_rss_mb": _mb(full.peak_rss_bytes),
        }
        if incremental:
            control = sandbox.base("control")
            httpx.post(f"{control}/advance?days=1", timeout=3600).raise_for_status()
            day = timed_cycle(env, log)
            figures |= {
                f"cycle_{size}_incremental_after_one_day_s": round(day.seconds, 1),
                f"cycle_{size}_incremental_peak_rss_mb": _mb(day.peak_rss_bytes),
                f"cycle_{size}_incremental_over_full": round(day.seconds / full.seconds, 3),
            }
        return figures
    finally:
        sandbox.stop()


def run() -> dict[str, object]:
    sizes = os.environ.get(SIZES_ENV, "medium,large").split(",")
    results: dict[str, object] = {}
    for size in (s.strip() for s in sizes if s.strip()):
        with tempfile.TemporaryDirectory(prefix=f"crosswalk-cycle-bench-{size}-") as tmp:
            results |= measure(size, Path(tmp), incremental=size == "medium")
    return results
