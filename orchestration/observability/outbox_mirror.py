"""`ops.outbox` in the warehouse: the ops store's outbox without payloads, for the backlog marts.

The ops mirror (orchestration/push/mirror.py) copies the ledger, dead letters and alerts; the
backlog (the outbox depth) needs the outbox itself. Only the columns the marts count by are
copied: payloads and natural keys carry names, emails and rates no mart needs (ARCHITECTURE §5),
and claims are the engine's own business. A full copy each time, like the mirror's.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.push.store import BUSY_TIMEOUT_SECONDS, OpsStore

TABLE = "ops.outbox"
COLUMNS = (
    "delta_id",
    "flow",
    "target_system",
    "target_instance",
    "operation",
    "entity_type",
    "entity_id",
    "state",
    "enqueued_at",
    "observed_at",
)


def mirror_outbox(store_path: Path, warehouse: Path) -> int:
    """Replace `ops.outbox` in the warehouse with the store's outbox (those columns); its rows."""
    OpsStore(store_path).close()  # the outbox exists even before the first push
    with closing(sqlite3.connect(store_path, timeout=BUSY_TIMEOUT_SECONDS)) as source:
        rows = source.execute(f"select {', '.join(COLUMNS)} from outbox").fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
    data = pa.table(
        {
            name: pa.array(list(values), type=pa.string())
            for name, values in zip(COLUMNS, columns, strict=True)
        }
    )
    with duckdb.connect(str(warehouse)) as target:
        target.execute("create schema if not exists ops")
        target.register("mirrored_outbox", data)
        target.execute(f"create or replace table {TABLE} as select * from mirrored_outbox")
        target.unregister("mirrored_outbox")
    return data.num_rows
