"""The published copy of the warehouse that BI tools read (ARCHITECTURE §9).

A DuckDB file takes one writing process, and while it is open for writing no other process can
open it, not even read-only. Ingestion and dbt hold the warehouse for minutes, so BI tools never
open it: after each build, the BI-facing schemas are copied into a new DuckDB file next to the
warehouse and swapped in with `os.replace`, which is atomic on POSIX. A reader opens either the
previous complete copy or the new complete copy, never a half-written one, and nothing ever holds
a lock on the published file but its readers (the publisher only writes the temporary file).

Each copy carries `main._published`: one row per published table with its row count, plus a row
for `_published` itself, all with the same `published_at`, so a reader can check that what it
read is one consistent publication.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

# Kept here rather than in orchestration.environment until that module gains BI settings.
BI_WAREHOUSE_ENV = "CROSSWALK_BI_WAREHOUSE"
BI_SCHEMAS_ENV = "CROSSWALK_BI_SCHEMAS"
# What BI may read by default: marts and reconciliation findings. Never raw or staging, and
# canonical only when a firm opts in (it holds names, emails, pay statements and rates: ARCHITECTURE
# §5 keeps personal data and compensation out of BI unless a mart needs it).
DEFAULT_BI_SCHEMAS: tuple[str, ...] = ("marts", "reconciliation")
PUBLISHED_TABLE = "_published"


def bi_warehouse_path(warehouse: Path) -> Path:
    """The published copy: `CROSSWALK_BI_WAREHOUSE`, else `bi.duckdb` beside the warehouse."""
    configured = os.environ.get(BI_WAREHOUSE_ENV)
    return Path(configured) if configured else warehouse.with_name("bi.duckdb")


def bi_schemas() -> tuple[str, ...]:
    """The schemas to publish: `CROSSWALK_BI_SCHEMAS` (comma-separated), else the default two."""
    configured = os.environ.get(BI_SCHEMAS_ENV, "")
    names = tuple(name.strip() for name in configured.split(",") if name.strip())
    return names or DEFAULT_BI_SCHEMAS


@dataclass(frozen=True)
class Publication:
    """What one publish wrote."""

    path: Path
    published_at: datetime
    row_counts: dict[str, int] = field(default_factory=dict)  # "schema.table" -> rows
    seconds: float = 0.0
    size_bytes: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_schemas(
    conn: duckdb.DuckDBPyConnection, source: str, schemas: tuple[str, ...]
) -> dict[str, int]:
    """Copy every table and view of `schemas` in catalog `source` into `conn`'s own catalog."""
    placeholders = ", ".join("?" for _ in schemas)
    relations = conn.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_catalog = ? and table_schema in ({placeholders}) "
        "order by table_schema, table_name",
        [source, *schemas],
    ).fetchall()
    counts: dict[str, int] = {}
    for schema, table in relations:
        conn.execute(f"create schema if not exists {_ident(schema)}")
        # Views become tables: the copy must not depend on the warehouse it came from.
        conn.execute(
            f"create table {_ident(schema)}.{_ident(table)} as "
            f"select * from {_ident(source)}.{_ident(schema)}.{_ident(table)}"
        )
        (rows,) = conn.execute(f"select count(*) from {_ident(schema)}.{_ident(table)}").fetchone()  # type: ignore[misc]
        counts[f"{schema}.{table}"] = int(rows)
    return counts


def _write_manifest(
    conn: duckdb.DuckDBPyConnection,
    published_at: datetime,
    counts: dict[str, int],
    run_id: str | None,
) -> None:
    conn.execute(
        f"create table main.{PUBLISHED_TABLE} (published_at timestamptz not null, "
        "table_schema varchar not null, table_name varchar not null, "
        "row_count bigint not null, run_id varchar)"
    )
    rows = [(published_at, *key.split(".", 1), count, run_id) for key, count in counts.items()]
    # The manifest lists itself, so even an empty publication has a published_at to read.
    rows.append((published_at, "main", PUBLISHED_TABLE, len(rows) + 1, run_id))
    conn.executemany(f"insert into main.{PUBLISHED_TABLE} values (?, ?, ?, ?, ?)", rows)


def publish(
    warehouse: Path,
    target: Path,
    schemas: tuple[str, ...] = DEFAULT_BI_SCHEMAS,
    *,
    run_id: str | None = None,
) -> Publication:
    """Copy `schemas` of `warehouse` into a new DuckDB file and swap it in at `target`.

    The warehouse is attached read-only, so callers must hold the warehouse pool (no writer may
    have it open). Schemas that do not exist yet are skipped.
    """
    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same directory as the target, so os.replace is a rename within one filesystem (atomic).
    temporary = target.with_name(f".{target.stem}.publishing-{uuid.uuid4().hex[:12]}.duckdb")
    # dbt-duckdb writes views with the warehouse's catalog name (the file's stem) in their
    # references, so the warehouse must be attached under that name for its views to resolve.
    source = warehouse.stem
    published_at = datetime.now(UTC)
    try:
        with duckdb.connect(str(temporary)) as conn:
            conn.execute("set enable_progress_bar = false")
            conn.execute(f"attach {_sql_string(str(warehouse))} as {_ident(source)} (read_only)")
            counts = _copy_schemas(conn, source, schemas)
            _write_manifest(conn, published_at, counts, run_id)
            conn.execute(f"detach {_ident(source)}")
            conn.execute("checkpoint")
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        # A write-ahead log left by a client that opened the published file read-write belongs
        # to the old file; replayed onto the new one it would corrupt it.
        target.with_name(target.name + ".wal").unlink(missing_ok=True)
        os.replace(temporary, target)
        _fsync_dir(target.parent)
    finally:
        temporary.unlink(missing_ok=True)
        temporary.with_name(temporary.name + ".wal").unlink(missing_ok=True)
    return Publication(
        path=target,
        published_at=published_at,
        row_counts=counts,
        seconds=time.perf_counter() - started,
        size_bytes=target.stat().st_size,
    )


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
