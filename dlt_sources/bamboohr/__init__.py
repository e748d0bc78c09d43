"""BambooHR (HCM) source: employees, their history tables and time off, for every instance.

How BambooHR is read (details in README.md):
- The directory lists only active employees, so employees of any status come from a custom
  report (`POST /reports/custom`); increments from `/employees/changed?since=` (an id-keyed map
  with Inserted / Updated / Deleted; `since` inclusive), re-reading changed employees through the
  same report filtered on `lastChanged` and tombstoning the deleted ones.
- jobInfo, compensation and employmentStatus come from `/employees/changed/tables/{table}`, which
  returns ALL rows of each changed employee: rows are merged on (source_relation, id) and rows the
  employee no longer has, or rows of deleted employees, are tombstoned from the row ids kept in
  the resource state.
- Time off has no change filter: each run re-reads a window from a year before the earliest hire
  to two years ahead and replaces the table.
Cursors are kept per instance in each resource's dlt state; nothing touches the network until
the resources are iterated.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dlt
from dlt.sources import DltResource

from dlt_sources.bamboohr import settings
from dlt_sources.bamboohr.helpers import (
    HISTORY_MODELS,
    BambooHRClient,
    EmployeeModel,
    as_date,
    changed_employees,
    employee_row,
    history_row,
    time_off_model,
    time_off_row,
    tombstone,
)
from dlt_sources.common.config import load_instances
from dlt_sources.common.quarantine import validated

KEY = ("source_relation", "id")


@dlt.source(name="bamboohr", max_table_nesting=0)
def bamboohr_source() -> Sequence[DltResource]:
    """Every configured BambooHR instance (`sources.bamboohr.instances`) as five raw tables.

    Reads configuration only; the API is first called when a resource is iterated.
    """
    clients = [BambooHRClient(i) for i in load_instances(settings.VENDOR, settings.SECRET_KEYS)]
    history = [
        dlt.resource(
            history_rows,
            name=table,
            primary_key=KEY,
            write_disposition="merge",
            columns=settings.COLUMNS[table],
        )(clients, table)
        for table in settings.HISTORY_TABLES
    ]
    return [employees(clients), *history, time_off_requests(clients)]


def _instance_state(relation: str) -> dict[str, Any]:
    """This resource's state of one instance (cursor, known rows), kept in the destination."""
    instances = dlt.current.resource_state().setdefault("instances", {})
    return instances.setdefault(relation, {})


@dlt.resource(
    name="employees",
    primary_key=KEY,
    write_disposition="merge",
    columns=settings.COLUMNS["employees"],
)
def employees(clients: list[BambooHRClient]) -> Iterator[Any]:
    """Employees of any status; after the first run only those changed, and tombstones."""
    for client in clients:
        relation = client.source_relation
        state = _instance_state(relation)
        since = state.get("cursor")
        # The change map is read before the employees, so its `latest` never runs ahead of
        # what was read; the next run starts there (inclusive) and merge absorbs the overlap.
        changes = client.changed(since or settings.EPOCH)
        rows = client.report(settings.EMPLOYEE_FIELDS, since=since)
        yield from validated(
            (employee_row(r, relation) for r in rows),
            table="employees",
            model=EmployeeModel,
            source_relation=relation,
        )
        for employee_id, change in changed_employees(changes).items():
            if change.get("action") == "Deleted":
                yield tombstone(relation, int(employee_id))
        state["cursor"] = changes.get("latest") or since


def history_rows(clients: list[BambooHRClient], table: str) -> Iterator[Any]:
    """Rows of a BambooHR history table, merged per employee, with tombstones for vanished rows.

    Args:
        clients: one per instance.
        table: the raw table name (a key of settings.HISTORY_TABLES).
    """
    alias = settings.HISTORY_TABLES[table]
    model = HISTORY_MODELS[table]
    for client in clients:
        relation = client.source_relation
        state = _instance_state(relation)
        since = state.get("cursor")
        # Row ids per employee id, so rows an employee no longer has can be deleted; the
        # changed-tables feed returns the employee's current rows and nothing about the others.
        known: dict[str, list[int]] = state.setdefault("rows", {})
        # The change feed first: its `latest` (documented there, not on the tables endpoint)
        # never runs ahead of the rows read after it, so it is the next cursor.
        # (On a first run no row is known yet, so a deleted employee tombstones nothing.)
        feed = client.changed(since or settings.EPOCH)
        deleted = [
            employee_id
            for employee_id, change in changed_employees(feed).items()
            if change.get("action") == "Deleted"
        ]
        answer = client.changed_table(alias, since or settings.EPOCH)
        for employee_id, entry in changed_employees(answer).items():
            raws = entry.get("rows") or []
            rows = [history_row(table, r, relation, entry.get("lastChanged")) for r in raws]
            ids = [r["id"] for r in rows if isinstance(r["id"], int)]
            for gone in sorted(set(known.get(employee_id, ())) - set(ids)):
                yield tombstone(relation, gone)
            yield from validated(rows, table=table, model=model, source_relation=relation)
            known[employee_id] = ids
        for employee_id in deleted:
            for gone in known.pop(employee_id, []):
                yield tombstone(relation, gone)
        state["cursor"] = feed.get("latest") or since


@dlt.resource(
    name="time_off_requests",
    primary_key=KEY,
    write_disposition="replace",
    columns=settings.COLUMNS["time_off_requests"],
)
def time_off_requests(clients: list[BambooHRClient]) -> Iterator[Any]:
    """Every time off request in a wide window, re-read in full and replaced each run.

    The endpoint has no change filter and leaves out deleted employees' requests, so a full
    re-read that replaces the table is the whole truth; it is small (a few requests per employee
    per year), and replace also drops requests BambooHR no longer returns without a key sweep.
    """
    for client in clients:
        relation = client.source_relation
        start, end = _time_off_window(client)
        known_types = client.instance.settings.get("time_off_types") or settings.TIME_OFF_TYPES
        yield from validated(
            (time_off_row(r, relation) for r in client.time_off(start, end)),
            table="time_off_requests",
            model=time_off_model(known_types),  # type: ignore[arg-type]
            source_relation=relation,
            quarantine_disposition="replace",
        )


def _time_off_window(client: BambooHRClient) -> tuple[date, date]:
    """From a year before the earliest hire (or `time_off_start`) to the lookahead past today."""
    options = client.instance.settings
    lookahead = int(options.get("time_off_lookahead_days") or settings.TIME_OFF_LOOKAHEAD_DAYS)
    end = datetime.now(UTC).date() + timedelta(days=lookahead)
    configured = as_date(options.get("time_off_start"))
    if isinstance(configured, date):
        return configured, end
    hires = [as_date(r.get("hireDate")) for r in client.report(["hireDate"])]
    earliest = min((h for h in hires if isinstance(h, date)), default=date(2000, 1, 1))
    return earliest - timedelta(days=settings.TIME_OFF_LEAD_DAYS), end
