"""Harvest (PSA) and its Forecast bookings: one dlt resource per raw table of `raw_harvest`.

Quirks that shape this source (see README.md):
- Lists take `updated_since` and page by cursor links; every table keeps one cursor per instance
  (max `updated_at` seen, and the ids at it) in its resource state; ranges are closed at the
  start (`>=`), so the boundary rows come again: their remembered ids are skipped, and anything
  else re-read is absorbed by merge.
- Deletes are hard and leave no trace. A key sweep lists every id Harvest still serves and emits a
  tombstone (`_deleted=True`, dlt's `hard_delete` hint) for each warehouse key it no longer
  serves. Small tables are swept on every run (one full listing both finds changes and deletes);
  time entries only on a schedule (`TIME_ENTRIES_SWEEP_EVERY_DAYS`) or when asked.
- Forecast bookings are not paginated and have no `updated_since`: re-read in full every run,
  changed rows loaded by their `updated_at`, deletes swept like the small tables.
- Time entries, the one big table, are built into a `pyarrow` table per page (dlt's normalizer
  is skipped; the next page is fetched meanwhile); their dirty rows are quarantined before the
  Arrow table is built.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
from dlt.sources import DltResource

from dlt_sources.common.columns import typed_nullable
from dlt_sources.common.config import Instance, load_instances
from dlt_sources.common.quarantine import validated
from dlt_sources.harvest.helpers import (
    HarvestClient,
    cycle_gc_paused,
    flatten,
    own_quarantine_table,
    time_entry_page,
    time_entry_tombstones,
    warehouse_keys,
)
from dlt_sources.harvest.models import MODELS
from dlt_sources.harvest.settings import HARVEST_ENDPOINTS, TIME_ENTRIES_SWEEP_EVERY_DAYS

SECRET_KEYS: tuple[str, ...] = ("access_token",)
PRIMARY_KEY = ("source_relation", "id")
DELETED = {"_deleted": {"data_type": "bool", "hard_delete": True}}
# Lists (user roles) stay JSON columns so no child table appears beside the contract tables.
JSON_COLUMNS = {"users": ("roles", "access_roles")}
# Columns often null on every row of a load, typed up front (common/columns.py).
NULLABLE_COLUMNS: dict[str, dict[str, str]] = {
    "projects": {
        "budget": "double",
        "cost_budget": "double",
        "hourly_rate": "double",
        "over_budget_notification_date": "text",
    },
    "tasks": {"default_hourly_rate": "double"},
    "user_assignments": {"budget": "double", "hourly_rate": "double"},
    "task_assignments": {"budget": "double", "hourly_rate": "double"},
    "forecast_assignments": {
        "notes": "text",
        "updated_by_id": "bigint",
        "placeholder_id": "bigint",
        "repeated_assignment_set_id": "bigint",
    },
}


def _instance_state(instance: Instance) -> dict[str, Any]:
    """This instance's slice of the resource's state (dlt keeps one state per resource)."""
    state = dlt.current.resource_state()
    return state.setdefault("instances", {}).setdefault(instance.name, {})


class _Cursor:
    """The max `updated_at` seen and the ids at it, so a closed range skips what it has loaded.

    Harvest's `updated_since` is inclusive: the rows at the last cursor come back every run.
    Remembering their ids (as dlt's own incremental does) keeps them from loading again; a row
    updated again gets a later `updated_at` and passes.
    """

    def __init__(self, state: dict[str, Any]) -> None:
        self.since: str | None = state.get("updated_since")
        self.boundary: set[Any] = set(state.get("boundary_ids") or ())
        self.newest = self.since
        self.at_newest: set[Any] = set(self.boundary)

    def changed(self, row_id: Any, updated: str | None) -> bool:
        """Record a row's timestamp and say whether it is new since the last run."""
        if updated is None:
            return True
        if self.newest is None or updated > self.newest:
            self.newest, self.at_newest = updated, {row_id}
        elif updated == self.newest:
            self.at_newest.add(row_id)
        if self.since is None or updated > self.since:
            return True
        return updated == self.since and row_id not in self.boundary

    def observe_page(self, rows: list[dict[str, Any]]) -> None:
        """Track the newest `updated_at` of a whole page at once (first loads: all rows new)."""
        stamps = [r.get("updated_at") for r in rows]
        known = [s for s in stamps if s is not None]
        if not known:
            return
        top = max(known)
        ids = {r.get("id") for r, s in zip(rows, stamps, strict=True) if s == top}
        if self.newest is None or top > self.newest:
            self.newest, self.at_newest = top, ids
        elif top == self.newest:
            self.at_newest |= ids

    def save(self, state: dict[str, Any], read_started_at: str | None = None) -> None:
        """Keep the newest stamp seen, but never one past the server's clock at the read's start.

        A list is paged by `spent_date`, not `updated_at`, over minutes: an entry edited after
        its page was read, and before a later page showed a newer stamp, would sit below a
        cursor at that newer stamp and never be read again. From the start of the read, every
        such edit comes back next run (with the rows changed since, merged again: harmless).
        """
        if self.newest is None:
            return
        if read_started_at is not None and read_started_at < self.newest:
            state["updated_since"] = read_started_at
            state["boundary_ids"] = []  # which rows at that instant were read is not known
            return
        state["updated_since"] = self.newest
        state["boundary_ids"] = sorted(self.at_newest)


def _tombstones(table: str, instance: Instance, served: set[int]) -> list[dict[str, Any]]:
    """Tombstone rows for warehouse keys of `table` that Harvest no longer serves."""
    held = warehouse_keys(table, instance.source_relation)
    if not held:
        return []
    return [
        {"id": key, "source_relation": instance.source_relation, "_deleted": True}
        for key in sorted(held - served)
    ]


def _listing(
    table: str,
    instances: Sequence[Instance],
    rows_of: Any,
    sweep: bool,
) -> Iterator[Any]:
    """Changed rows of a small table per instance, then tombstones when sweeping.

    With `sweep` the full list is read (it is small): rows at or after the cursor are loaded,
    every id is remembered, and warehouse keys missing from it are tombstoned. Without it only
    `updated_since=<cursor>` is asked for.
    """
    model = MODELS[table]
    for instance in instances:
        state = _instance_state(instance)
        cursor = _Cursor(state)
        client = HarvestClient(instance)
        served: set[int] = set()

        def changed(
            rows: Iterator[dict[str, Any]],
            cursor: _Cursor = cursor,
            instance: Instance = instance,
            served: set[int] = served,
        ) -> Iterator[dict[str, Any]]:
            for row in rows:
                served.add(row.get("id"))
                if not cursor.changed(row.get("id"), row.get("updated_at")):
                    continue  # loaded before: listed again only for the sweep or the boundary
                row = flatten(table, row)
                row["source_relation"] = instance.source_relation
                row["_deleted"] = False
                yield row

        for item in validated(
            changed(rows_of(client, None if sweep else cursor.since)),
            table=table,
            model=model,
            source_relation=instance.source_relation,
        ):
            yield own_quarantine_table(item, table)
        if sweep:
            yield from _tombstones(table, instance, served)
        # Forecast answers in one request: no page can be read before an edit lands.
        cursor.save(state, None if table == "forecast_assignments" else client.read_started_at)


def _harvest_rows(endpoint: str) -> Any:
    def rows_of(client: HarvestClient, since: str | None) -> Iterator[dict[str, Any]]:
        for page in client.pages(endpoint, since):
            yield from page[endpoint]

    return rows_of


def _forecast_rows(client: HarvestClient, since: str | None) -> Iterator[dict[str, Any]]:
    # No updated_since on Forecast: the full list every time; `_listing` keeps the changed rows.
    yield from client.forecast_assignments()


def _table_resource(table: str, instances: Sequence[Instance], sweep: bool) -> DltResource:
    columns: dict[str, Any] = dict(DELETED)
    for name in JSON_COLUMNS.get(table, ()):
        columns[name] = {"data_type": "json"}
    columns.update(typed_nullable(NULLABLE_COLUMNS.get(table, {})))
    rows_of = _forecast_rows if table == "forecast_assignments" else _harvest_rows(table)
    return dlt.resource(
        _listing,
        name=table,
        primary_key=PRIMARY_KEY,
        write_disposition="merge",
        columns=columns,
    )(table, instances, rows_of, sweep)


def _sweep_due(state: dict[str, Any], forced: bool | None, every_days: int) -> bool:
    """Whether this run sweeps time entries: forced either way, else on the schedule."""
    if forced is not None:
        return forced
    last = state.get("last_sweep_at")
    if last is None:
        return False  # the first load lists everything anyway; the schedule starts there
    return datetime.now(UTC) - datetime.fromisoformat(last) >= timedelta(days=every_days)


def _time_entries(
    instances: Sequence[Instance], sweep: bool | None, every_days: int
) -> Iterator[Any]:
    """Time entries as Arrow pages; tombstones when the sweep is due."""
    model = MODELS["time_entries"]
    for instance in instances:
        state = _instance_state(instance)
        cursor = _Cursor(state)
        sweeping = cursor.since is not None and _sweep_due(state, sweep, every_days)
        client = HarvestClient(instance)
        served: set[int] = set()
        for page in client.pages("time_entries", None if sweeping else cursor.since):
            rows = page["time_entries"]
            if sweeping:
                served.update(r["id"] for r in rows)
            if cursor.since is not None:
                rows = [r for r in rows if cursor.changed(r.get("id"), r.get("updated_at"))]
            else:
                # First load: every row is new; only the cursor's maximum is tracked, per page.
                cursor.observe_page(rows)
            if not rows:
                continue
            with cycle_gc_paused():
                table, quarantined = time_entry_page(
                    rows, source_relation=instance.source_relation, model=model
                )
            yield from quarantined
            if table is not None:
                yield table
        if sweeping:
            held = warehouse_keys("time_entries", instance.source_relation) or set()
            gone = sorted(held - served)
            if gone:
                yield time_entry_tombstones(gone, instance.source_relation)
            state["last_sweep_at"] = datetime.now(UTC).isoformat()
        elif cursor.since is None:
            state["last_sweep_at"] = datetime.now(UTC).isoformat()
        cursor.save(state, client.read_started_at)


@dlt.source(name="harvest", max_table_nesting=0)
def harvest_source(
    sweep_deletes: bool = True,
    sweep_time_entries: bool | None = None,
    time_entries_sweep_every_days: int = TIME_ENTRIES_SWEEP_EVERY_DAYS,
) -> Sequence[DltResource]:
    """Harvest's users, clients, projects, tasks, assignments, time entries and bookings.

    Instances and their settings come from `[sources.harvest]` config (no network call here:
    clients are made inside the generators).

    Args:
        sweep_deletes: list every id of the small tables and forecast bookings on each run and
            tombstone the keys Harvest no longer serves (its deletes leave no other trace).
        sweep_time_entries: True or False forces the time entry sweep on or off for this run;
            None (default) sweeps when `time_entries_sweep_every_days` have passed since the
            last sweep.
        time_entries_sweep_every_days: the time entry sweep schedule.
    """
    instances = load_instances("harvest", SECRET_KEYS)
    resources = [
        _table_resource(table, instances, sweep_deletes)
        for table in HARVEST_ENDPOINTS
        if table != "time_entries"
    ]
    resources.append(
        dlt.resource(
            _time_entries,
            name="time_entries",
            primary_key=PRIMARY_KEY,
            write_disposition="merge",
            columns=DELETED,
        )(instances, sweep_time_entries, time_entries_sweep_every_days)
    )
    resources.append(_table_resource("forecast_assignments", instances, sweep_deletes))
    return resources
