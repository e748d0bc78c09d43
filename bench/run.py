"""`make bench`: run the benchmarks and record them in bench/results/.

Writes `bench/results/latest.json` (every figure, merged across suites, with the machine and
time it was measured on) and `bench/results/latest.md` (the same as a table).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench import cycle_bench, dbt_bench, event_bench, ingest_bench, push_bench, sandbox_bench

RESULTS = Path(__file__).parent / "results"
SUITES = {
    "sandbox": sandbox_bench.run,
    "ingest": ingest_bench.run,
    "dbt": dbt_bench.run,
    "push": push_bench.run,
    "events": event_bench.run,
    "cycle": cycle_bench.run,
}


PARTIAL_SUITES = {"cycle", "dbt"}


def machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write(results: dict[str, dict[str, object]]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    latest = RESULTS / "latest.json"
    merged = orjson.loads(latest.read_bytes()) if latest.exists() else {}
    for suite, figures in results.items():
        # The cycle and dbt suites may run for some sizes only (CROSSWALK_BENCH_*_SIZES): figure
        # by figure, its other sizes' figures stay (each size says when it was measured). Any
        # other suite is measured whole: its figures replace the last ones, none left stale.
        partial = suite in PARTIAL_SUITES
        merged[suite] = {**merged.get(suite, {}), **figures} if partial else figures
    latest.write_bytes(orjson.dumps(merged, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    lines = ["# Benchmark results", "", "| suite | figure | value |", "|---|---|---|"]
    for suite, figures in sorted(merged.items()):
        for name, value in figures.items():
            lines.append(f"| {suite} | {name} | {value} |")
    (RESULTS / "latest.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(SUITES), action="append")
    args = parser.parse_args(argv)
    results = {}
    for name in args.only or sorted(SUITES):
        sys.stdout.write(f"bench: {name} ...\n")
        sys.stdout.flush()
        results[name] = {**SUITES[name](), "machine": machine()}
        sys.stdout.write(orjson.dumps(results[name], option=orjson.OPT_INDENT_2).decode() + "\n")
    write(results)


if __name__ == "__main__":
    main()
