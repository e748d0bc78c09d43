"""State logic of the Harvest emulator over SQLite: list pages, single records, counts.

Pages are built for speed (ARCHITECTURE §3 wants time entries served faster than a Python
client parses them):
- one keyset query walks the sort index (`(spent_date, id) < (?, ?)` after a cursor; OFFSET only
  for an explicit `page=N`) and serializes each row with SQLite's `json_object` (C),
- a time entry's nested objects (user, client, project, task, assignments) come from a cache of
  per-row fragments (`dims.py`) instead of six joins and six nested objects per entry,
- the rows are joined into one bytes body; no pydantic on the way out,
- `total_entries` comes from a COUNT cached until any commit changes the database (`Totals`),
  so following `links.next` over a large set counts once.

The writes live in `mutations.py`; Forecast's bookings in `forecast_backend.py`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from vendor_sandbox.harvest.dims import KEY_COLUMNS, NestedObjects
from vendor_sandbox.harvest.errors import HarvestError
from vendor_sandbox.harvest.json_sql import TIME_ENTRY_SCALARS, Resource
from vendor_sandbox.store import Store

# Memory-map the store for readers: pages of a large firm are read from the OS cache directly.
MMAP_BYTES = 8 * 1024**3

COUNTED_TABLES = {
    "users": "harvest_users",
    "clients": "harvest_clients",
    "projects": "harvest_projects",
    "tasks": "harvest_tasks",
    "user_assignments": "harvest_user_assignments",
    "task_assignments": "harvest_task_assignments",
    "time_entries": "harvest_time_entries",
    "forecast_assignments": "forecast_assignments",
}


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per raw table (deleted records are gone, so they are not counted)."""
    return {
        name: conn.execute(f"select count(*) from {table}").fetchone()[0]
        for name, table in COUNTED_TABLES.items()
    }


def reader(store: Store) -> sqlite3.Connection:
    """The calling thread's connection, memory-mapped for fast page reads (a no-op when set)."""
    conn = store.connection()
    conn.execute(f"pragma mmap_size={MMAP_BYTES}")
    return conn


@dataclass
class Filter:
    """SQL conditions on a resource's alias, with their parameters, in request order."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        return " and ".join(self.clauses) if self.clauses else "1"


@dataclass(frozen=True)
class Page:
    """One list page: its rows as joined JSON, the total, and the sort key to continue after."""

    rows_json: bytes
    total_entries: int
    next_after: dict[str, Any] | None


class Totals:
    """COUNT(*) results shared by every request thread, valid until any commit to the store.

    It counts on a connection of its own: `pragma data_version` on a connection that never
    writes changes exactly when another connection (any thread, any process) commits, so one
    check per request tells whether a cached total still holds. Following `links.next` over
    a large set therefore counts once, not once per page.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None
        self._cache: dict[tuple[str, tuple[Any, ...]], int] = {}

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self._conn.execute(f"pragma mmap_size={MMAP_BYTES}")
        return self._conn

    def version(self) -> int:
        """A number that changes whenever any connection commits to the store."""
        with self._lock:
            return self._connection().execute("pragma data_version").fetchone()[0]

    def count(self, sql: str, params: Sequence[Any]) -> int:
        """The single integer `sql` selects, cached until the database changes."""
        with self._lock:
            conn = self._connection()
            version = conn.execute("pragma data_version").fetchone()[0]
            if version != self._version:
                self._cache.clear()
                self._version = version
            key = (sql, tuple(params))
            total = self._cache.get(key)
            if total is None:
                total = self._cache[key] = conn.execute(sql, params).fetchone()[0]
            return total


def count(store: Store, totals: Totals | None, sql: str, params: Sequence[Any]) -> int:
    """A COUNT through the shared cache when there is one."""
    if totals is None:
        return reader(store).execute(sql, params).fetchone()[0]
    return totals.count(sql, params)


def serialize_ids(store: Store, resource: Resource, ids: Sequence[int]) -> list[str]:
    """The JSON of each id's row, in the order of `ids` (missing rows are skipped)."""
    if not ids:
        return []
    sql = (
        f"select {resource.json} from json_each(?) k cross join {resource.table} "
        f"on {resource.alias}.id = k.value {resource.joins} order by k.key"
    )
    rows = reader(store).execute(sql, (orjson.dumps(list(ids)).decode(),)).fetchall()
    return [row[0] for row in rows]


def _time_entry_rows(
    conn: sqlite3.Connection, rows: list[tuple[Any, ...]], nested: NestedObjects
) -> bytes:
    """Rows of (scalars JSON bytes, 6 reference ids, ...) as a comma-joined JSON body."""
    nested.refresh(conn)
    tails = nested.tails(conn, [row[1:7] for row in rows])
    return b",".join([row[0][:-1] + tail for row, tail in zip(rows, tails, strict=True)])


def list_page(
    store: Store,
    resource: Resource,
    where: Filter,
    *,
    per_page: int,
    page: int,
    after: dict[str, Any] | None,
    nested: NestedObjects | None = None,
    totals: Totals | None = None,
    index_hint: str = "",
) -> Page:
    """One page of `resource` under `where`, by keyset after a cursor or by page number.

    Args:
        after: the decoded cursor's sort key (values of `resource.order`), or None.
        nested: the cache of nested objects; time entry pages use it when given.
        totals: the shared COUNT cache, if any.
        index_hint: an `indexed by ...` clause for the page query, chosen by the caller.
    """
    conn = reader(store)
    a = resource.alias
    total = count(
        store, totals, f"select count(*) from {resource.table} where {where.sql()}", where.params
    )
    clauses, params = list(where.clauses), list(where.params)
    if after is not None:
        try:
            key = [after[col] for col in resource.order]
        except KeyError as exc:
            raise HarvestError.unprocessable("The cursor is invalid.") from exc
        columns = ", ".join(f"{a}.{col}" for col in resource.order)
        clauses.append(f"({columns}) < ({', '.join('?' for _ in key)})")
        params.extend(key)
    fast = nested is not None and resource.key == "time_entries"
    if fast:
        # As a blob, the JSON reaches Python as bytes: no UTF-8 decode and re-encode per page.
        selected = f"cast({TIME_ENTRY_SCALARS} as blob), {', '.join(KEY_COLUMNS)}"
        source = resource.table
    else:
        selected, source = resource.json, f"{resource.table} {resource.joins}"
    sort_columns = [f"{a}.{col}" for col in resource.order]
    sql = (
        f"select {selected}, {', '.join(sort_columns)} from {source} {index_hint} "
        f"where {' and '.join(clauses) if clauses else '1'} "
        f"order by {', '.join(f'{col} desc' for col in sort_columns)} limit ?"
    )
    params.append(per_page + 1)
    if after is None and page > 1:
        sql += " offset ?"
        params.append((page - 1) * per_page)
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: slicing a sqlite3.Row costs more than the row
    rows = cursor.execute(sql, params).fetchall()
    more = len(rows) > per_page
    rows = rows[:per_page]
    width = len(resource.order)
    next_after = dict(zip(resource.order, tuple(rows[-1])[-width:], strict=True)) if more else None
    if fast:
        assert nested is not None
        body = _time_entry_rows(conn, rows, nested)
    else:
        body = ",".join(row[0] for row in rows).encode()
    return Page(rows_json=body, total_entries=total, next_after=next_after)


def get_one(store: Store, resource: Resource, record_id: int) -> bytes | None:
    """One record's JSON, or None when it does not exist."""
    rows = serialize_ids(store, resource, [record_id])
    return rows[0].encode() if rows else None


def current_user_id(conn: sqlite3.Connection) -> int | None:
    """The user the sandbox token belongs to: the first administrator (else the first user)."""
    row = conn.execute(
        "select id from harvest_users order by "
        "(access_roles like '%\"administrator\"%') desc, is_active desc, id limit 1"
    ).fetchone()
    return row[0] if row else None
