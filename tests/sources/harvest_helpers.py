"""Helpers of the Harvest source tests: a child process to kill mid-load, warehouse reads.

Run as `python -m tests.sources.harvest_helpers <warehouse> <pipelines_dir> <marker>`: loads
Harvest into the warehouse, touching `<marker>` once a few pages have been fetched, so the
parent can SIGKILL it in the middle of a load.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from dlt_sources.harvest import harvest_source
from dlt_sources.harvest.helpers import HarvestClient
from orchestration.lib.pipelines import build_pipeline

PAGES_BEFORE_MARK = 3


def warehouse_ids(warehouse: Path, table: str) -> list[int]:
    """Every id of a raw Harvest table (live rows only)."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return [r[0] for r in conn.execute(f'select id from raw_harvest."{table}"').fetchall()]


def duplicate_keys(warehouse: Path, table: str) -> int:
    """How many (source_relation, id) keys of a raw table occur more than once."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(
            f'select count(*) from (select source_relation, id from raw_harvest."{table}" '
            "group by 1, 2 having count(*) > 1)"
        ).fetchone()[0]


def _marking_pages(marker: Path) -> None:
    original = HarvestClient.pages
    fetched = 0

    def pages(
        self: HarvestClient, endpoint: str, updated_since: str | None = None
    ) -> Iterator[Any]:
        nonlocal fetched
        for page in original(self, endpoint, updated_since):
            fetched += 1
            if fetched == PAGES_BEFORE_MARK:
                marker.touch()
            yield page

    HarvestClient.pages = pages  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    warehouse, pipelines_dir, marker = (Path(a) for a in argv)
    _marking_pages(marker)
    pipeline = build_pipeline("harvest", warehouse=warehouse, pipelines_dir=pipelines_dir)
    pipeline.run(harvest_source())


if __name__ == "__main__":
    main(sys.argv[1:])
