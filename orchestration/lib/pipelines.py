"""The dlt pipelines crosswalk runs: one per vendor, into `raw_<vendor>` of the warehouse."""

from __future__ import annotations

import fcntl
from pathlib import Path

import dlt

from orchestration.environment import warehouse_path


def build_pipeline(
    vendor: str, *, warehouse: Path | None = None, pipelines_dir: Path | None = None
) -> dlt.Pipeline:
    """The pipeline `<vendor>` loading dataset `raw_<vendor>` into the DuckDB warehouse.

    Its state (incremental cursors) lives in the warehouse as well as in `pipelines_dir`, so a
    run on a new machine resumes from the warehouse. `pipelines_dir` defaults to a folder beside
    the warehouse file, never dlt's machine-wide one: local state left by another warehouse would
    win over this one's and make a new warehouse load nothing.
    """
    target = warehouse or warehouse_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = pipelines_dir or target.with_name(f"{target.stem}.dlt-pipelines")
    folder.mkdir(parents=True, exist_ok=True)
    # dlt creates (and first wipes) a new pipeline's working folder when the object is built, at
    # definitions load: processes loading at once (a code server and run workers, test workers)
    # raced there ("Directory not empty"). One at a time per pipelines folder; the lock file sits
    # beside the folder, which stays dlt's alone.
    with open(folder.with_name(f"{folder.name}.create-lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return dlt.pipeline(
            pipeline_name=vendor,
            destination=dlt.destinations.duckdb(str(target)),
            dataset_name=f"raw_{vendor}",
            pipelines_dir=str(folder),
        )
