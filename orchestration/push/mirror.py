"""Copy the ops store's ledger, dead letters and alerts into the warehouse (`ops.*`) for BI.

A full copy each time, in one transaction per table: the ledger grows by the attempts of a push,
which is small next to the warehouse, and a copy has nothing to reconcile.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.freshness.alerts import ensure_alerts_table
from orchestration.push.store import BUSY_TIMEOUT_SECONDS, OpsStore

MIRRORED = ("sync_ledger", "dead_letter", "alerts")


_ARROW_TYPES = {"integer": pa.int64(), "text": pa.string()}


def _arrow(conn: sqlite3.Connection, table: str) -> pa.Table:
    """The table's rows, typed from its declared columns (so an empty table keeps its shape)."""
    declared = conn.execute(f"select name, type from pragma_table_info('{table}')").fetchall()
    schema = pa.schema([(name, _ARROW_TYPES[kind.lower()]) for name, kind in declared])
    rows = conn.execute(f"select {', '.join(schema.names)} from {table}").fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema.names]
    return pa.table(
        [pa.array(list(values), type=f.type) for values, f in zip(columns, schema, strict=True)],
        schema=schema,
    )


def mirror_ops_tables(store_path: Path, warehouse: Path) -> dict[str, int]:
    """Replace `ops.<table>` in the warehouse with the store's rows; rows per table."""
    OpsStore(store_path).close()  # the tables exist even before the first push
    ensure_alerts_table(store_path)
    counts = {}
    with (
        closing(sqlite3.connect(store_path, timeout=BUSY_TIMEOUT_SECONDS)) as source,
        duckdb.connect(str(warehouse)) as target,
    ):
        target.execute("create schema if not exists ops")
        for table in MIRRORED:
            data = _arrow(source, table)
            target.register("mirrored", data)
            target.execute(f"create or replace table ops.{table} as select * from mirrored")
            target.unregister("mirrored")
            counts[table] = data.num_rows
    return counts
