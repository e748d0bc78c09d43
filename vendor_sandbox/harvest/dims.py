"""The JSON of the objects nested in time entries, cached per referenced row.

A page of 2,000 time entries references a few hundred users, projects and assignments; building
their JSON once per row instead of once per entry halves the cost of a page. The cache is valid
while `harvest_json_epoch` is unchanged: triggers in schema.sql bump it on every update or delete
of a referenced table, whoever writes (this process, the activity simulator, another process).
A new row is not cached yet and is fetched on first use.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable

from vendor_sandbox.harvest import json_sql as js

# Per nested key: the table and alias it reads, and its JSON expression.
NESTED: tuple[tuple[str, str, str, str], ...] = (
    ("user", "harvest_users", "u", js.TIME_ENTRY_USER),
    ("client", "harvest_clients", "c", js.TIME_ENTRY_CLIENT),
    ("project", "harvest_projects", "p", js.TIME_ENTRY_PROJECT),
    ("task", "harvest_tasks", "t", js.TIME_ENTRY_TASK),
    ("user_assignment", "harvest_user_assignments", "ua", js.TIME_ENTRY_USER_ASSIGNMENT),
    ("task_assignment", "harvest_task_assignments", "ta", js.TIME_ENTRY_TASK_ASSIGNMENT),
)
# The time entry columns naming those rows, in NESTED's order.
KEY_COLUMNS = (
    "te.user_id",
    "te.client_id",
    "te.project_id",
    "te.task_id",
    "te.user_assignment_id",
    "te.task_assignment_id",
)

Refs = tuple[int | None, int | None, int | None, int | None, int | None, int | None]


class NestedObjects:
    """Fragments `,"user":{...},...,"task_assignment":{...}}` (bytes) per set of references."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._epoch: int | None = None
        self._objects: list[dict[int, str]] = [{} for _ in NESTED]
        self._tails: dict[Refs, bytes] = {}

    def refresh(self, conn: sqlite3.Connection) -> None:
        """Forget everything when a referenced table changed since the last page."""
        epoch = conn.execute("select epoch from harvest_json_epoch").fetchone()[0]
        if epoch != self._epoch:
            with self._lock:
                self._objects = [{} for _ in NESTED]
                self._tails = {}
                self._epoch = epoch

    @staticmethod
    def _load(
        conn: sqlite3.Connection, objects: list[dict[int, str]], refs: Iterable[Refs]
    ) -> None:
        """Fetch into `objects` the referenced rows that are not cached yet."""
        for position, (_, table, alias, expression) in enumerate(NESTED):
            cached = objects[position]
            missing = {r[position] for r in refs if r[position] is not None} - cached.keys()
            if not missing:
                continue
            rows = conn.execute(
                f"select {alias}.id, {expression} from {table} {alias} "
                f"where {alias}.id in (select value from json_each(?))",
                (f"[{','.join(str(i) for i in missing)}]",),
            ).fetchall()
            cached.update(rows)

    def tails(self, conn: sqlite3.Connection, refs: list[Refs]) -> list[bytes]:
        """The closing fragment of each entry, in the order of `refs`."""
        # One consistent pair: a concurrent refresh swaps both, and whatever this call adds to
        # the pair it holds is dropped with it rather than mixed into the new epoch's cache.
        with self._lock:
            objects, tails = self._objects, self._tails
        unknown = [r for r in set(refs) if r not in tails]
        if unknown:
            self._load(conn, objects, unknown)
            for r in unknown:
                parts = [
                    f'"{name}":{objects[i].get(r[i], "null") if r[i] is not None else "null"}'
                    for i, (name, _, _, _) in enumerate(NESTED)
                ]
                tails[r] = ("," + ",".join(parts) + "}").encode()
        return [tails[r] for r in refs]
