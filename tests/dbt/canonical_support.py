"""Helpers of the canonical-layer tests: run dbt against a test's own warehouse, read relations.

dbt runs as a subprocess with its target and log folders in the test's directory, so tests never
touch `dbt_project/target/` (which Dagster's definitions and other sessions read).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import duckdb

from orchestration.defs.transform.project import dbt_executable
from tests.support.sandbox_process import REPO

DBT_PROJECT = REPO / "dbt_project"
DBT_TIMEOUT_SECONDS = 600


def dbt(
    warehouse: Path, business_now: str, *args: str, workdir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `dbt <args>` on `warehouse` at business time `business_now`; fail the test on error."""
    workdir = workdir or warehouse.parent
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--target-path",
        str(workdir / "dbt-target"),
        "--log-path",
        str(workdir / "dbt-logs"),
    ]
    env = {
        **os.environ,
        "CROSSWALK_WAREHOUSE": str(warehouse),
        # As orchestration passes it (macros/business_now.sql): an env var keeps partial parsing.
        "CROSSWALK_BUSINESS_NOW": business_now,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        command,
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=DBT_TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    return result


def copy_warehouse(warehouse: Path, workdir: Path) -> Path:
    """A copy of `warehouse` in `workdir` under the same file name.

    DuckDB names a database after its file, and views (staging) name their tables with it, so a
    copy under another name would break every view.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    copy = workdir / warehouse.name
    shutil.copyfile(warehouse, copy)
    return copy


def query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        conn.execute("set TimeZone = 'UTC'")
        return conn.execute(sql, params or []).fetchall()


def relation_columns(warehouse: Path, schema: str) -> dict[str, list[tuple[str, str, bool]]]:
    """`{table: [(column, data type, nullable), ...]}` of every table in `schema`."""
    columns: dict[str, list[tuple[str, str, bool]]] = {}
    for table, column, data_type, nullable in query(
        warehouse,
        "select table_name, column_name, data_type, is_nullable = 'YES' "
        "from information_schema.columns where table_schema = ? "
        "and table_name in (select table_name from information_schema.tables "
        "where table_schema = ? and table_type = 'BASE TABLE') "
        "order by table_name, ordinal_position",
        [schema, schema],
    ):
        columns.setdefault(table, []).append((column, data_type, nullable))
    return columns
