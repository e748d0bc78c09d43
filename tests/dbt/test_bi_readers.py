"""BI readers never block and never see a half-published copy (ARCHITECTURE §9).

A separate OS process reads the published copy in a loop, opening a fresh read-only connection
each time as a BI tool refreshing a dashboard would, while `crosswalk run` rebuilds every dbt model
in the warehouse and then publishes, and while further publishes swap the file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from orchestration.lib.publish import bi_warehouse_path, publish
from tests.dbt.conftest import BuiltWarehouse, crosswalk_run
from tests.support.sandbox_process import REPO

READER = r"""
import json, os, sys, time
import duckdb

bi, ready, stop, out = sys.argv[1:5]
reads, errors, inconsistent, publications, read_times = 0, [], [], [], []
deadline = time.monotonic() + 600
while not os.path.exists(stop) and time.monotonic() < deadline:
    try:
        with duckdb.connect(bi, read_only=True) as conn:
            listed = conn.execute(
                "select published_at, table_schema, table_name, row_count from main._published"
            ).fetchall()
            stamps = {str(row[0]) for row in listed}
            if len(stamps) != 1:
                inconsistent.append(f"{len(stamps)} published_at values in one copy")
            for _, schema, table, expected in listed:
                relation = f'"{schema}"."{table}"'
                (rows,) = conn.execute(f"select count(*) from {relation}").fetchone()
                conn.execute(f"select * from {relation} limit 200").fetchall()
                if rows != expected:
                    inconsistent.append(f"{schema}.{table}: {rows} rows, _published {expected}")
        stamp = min(stamps)
        if not publications or publications[-1] != stamp:
            publications.append(stamp)
        reads += 1
        read_times.append(time.time())
        if reads == 1:
            open(ready, "w").close()
        time.sleep(0.05)  # a busy dashboard, not a spin loop competing with the build for CPU
    except Exception as error:  # every failure counts: lock, missing file, torn read
        errors.append(f"{type(error).__name__}: {error}")
        time.sleep(0.01)
with open(out, "w") as handle:
    json.dump(
        {
            "reads": reads,
            "errors": errors[:20],
            "error_count": len(errors),
            "inconsistent": inconsistent[:20],
            "publications": publications,
            "read_times": read_times,
        },
        handle,
    )
"""


def wait_for(path: Path, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, "reader exited early"
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def test_readers_of_the_published_copy_never_block_nor_see_a_torn_publication(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    assert built_warehouse.result.returncode == 0, built_warehouse.result.stdout[-4000:]
    env = built_warehouse.copy_to(tmp_path / "warehouse")
    warehouse = Path(env["CROSSWALK_WAREHOUSE"])
    bi = bi_warehouse_path(warehouse)
    assert bi.exists()
    ready, stop, out = tmp_path / "ready", tmp_path / "stop", tmp_path / "reads.json"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(bi), str(ready), str(stop), str(out)], cwd=REPO
    )
    try:
        wait_for(ready, reader, 60)
        # dbt rebuilds the seeds and runs their tests in the warehouse (holding the file for the
        # whole build), then the copy is published. The seeds, not the whole graph, keep the test
        # short; what matters is that the writer holds the warehouse while the reader reads.
        build_started = time.time()
        result = crosswalk_run(env, "--select", 'group:seeds or key:"bi/published_warehouse"')
        build_ended = time.time()
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert "bi/published_warehouse" in result.stdout
        # More swaps while the reader reads.
        for _ in range(3):
            publish(warehouse, bi)
            time.sleep(0.3)
        stop.touch()
        reader.wait(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait(timeout=10)
    reads = json.loads(out.read_text())
    assert reads["error_count"] == 0, reads["errors"]
    assert reads["inconsistent"] == []
    # Saw the publication the fixture made, the run's, and later ones: at least one swap.
    assert len(reads["publications"]) >= 2, reads["publications"]
    during_build = [t for t in reads["read_times"] if build_started <= t <= build_ended]
    assert len(during_build) >= 10, f"only {len(during_build)} reads while the build ran"
