"""Gusto (payroll) source: one resource per raw table, over every configured company.

Each Gusto company is one instance (`[sources.gusto] instances = ["us", "uk", "de"]`) with its own
refresh token. Employees have no `updated_since`, so increments come from the events feed: each
resource keeps, per instance, the uuid of the last event it has applied, reads the events after
it, and re-reads only the employees (with their jobs, compensations and terminations) and the
payrolls (with their pay statements) those events name. The first run, and any run whose cursor
the feed no longer knows (30-day retention: 422), is a full read that stores the feed's newest
event as the next cursor. Departments, locations and pay schedules are a request or two per
company, so they are re-read in full every run; a uuid listed before and not now is a tombstone.

Terminations are status changes in Gusto; the only delete is an employee vanishing from the list,
found by comparing a full read with the uuids the `employees` resource has seen before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
import orjson
from pydantic import BaseModel

from dlt_sources.common.columns import typed_nullable
from dlt_sources.common.config import Instance, load_instances
from dlt_sources.common.quarantine import validated
from dlt_sources.gusto import settings
from dlt_sources.gusto.helpers import GustoClient, InstanceSync

__all__ = ["gusto_source"]

# Parquet load files: DuckDB merges them ~8x faster than insert statements (35k pay statements of
# the `medium` firm: 2 s instead of 15 s).
FILE_FORMAT = "parquet"
# A pay statement's key within its company: one per (payroll, employee).
STATEMENT_KEY = ("payroll_uuid", "employee_uuid")
DELETED_COLUMN = {"_deleted": {"data_type": "bool", "hard_delete": True, "nullable": True}}
# Spec'd fields a company may leave empty on every row of a load, typed up front
# (common/columns.py).
NULLABLE_COLUMNS: dict[str, dict[str, str]] = {
    "employees": {
        "date_of_birth": "text",
        "middle_initial": "text",
        "phone": "text",
        "preferred_first_name": "text",
        "two_percent_shareholder": "bool",
    },
    "jobs": {"state_wc_class_code": "text", "state_wc_covered": "bool"},
    "locations": {"street_2": "text"},
    "pay_schedules": {"day_1": "bigint", "day_2": "bigint"},
    "payrolls": {"off_cycle_reason": "text"},
    "payroll_employee_compensations": {"memo": "text"},
}


def _columns(table: str, hints: dict[str, Any] | None = None) -> dict[str, Any]:
    """A resource's column hints: its nullable columns' types, then `hints`."""
    return typed_nullable(NULLABLE_COLUMNS.get(table, {})) | (hints or {})


# -- models: the fields the canonical layer relies on -----------------------------------------


class EmployeeModel(BaseModel):
    uuid: str
    company_uuid: str
    first_name: str
    last_name: str
    email: str | None = None
    work_email: str | None = None
    manager_uuid: str | None = None
    department_uuid: str | None = None
    terminated: bool
    hired_at: str | None = None


class JobModel(BaseModel):
    uuid: str
    employee_uuid: str
    title: str | None = None
    primary: bool
    hire_date: str | None = None
    rate: float
    payment_unit: str | None = None  # Gusto: null while the job has no current compensation


class CompensationModel(BaseModel):
    uuid: str
    job_uuid: str
    employee_uuid: str
    rate: float
    payment_unit: str
    flsa_status: str | None = None
    effective_date: str


class TerminationModel(BaseModel):
    uuid: str
    employee_uuid: str
    active: bool
    effective_date: str


class DepartmentModel(BaseModel):
    uuid: str
    company_uuid: str
    title: str


class LocationModel(BaseModel):
    uuid: str
    company_uuid: str
    country: str | None = None
    active: bool


class PayScheduleModel(BaseModel):
    uuid: str
    frequency: str
    name: str | None = None


class PayrollModel(BaseModel):
    uuid: str
    company_uuid: str
    check_date: str
    processed: bool
    pay_period_start_date: str
    pay_period_end_date: str


class PayrollEmployeeCompensationModel(BaseModel):
    payroll_uuid: str
    employee_uuid: str
    # Gusto: "only available for processed payrolls" (null on an unprocessed one's statements).
    gross_pay: float | None = None
    net_pay: float | None = None
    regular_hours: float


# -- row shapes ----------------------------------------------------------------------------------


def batched(items: Iterator[Any], size: int = 5000) -> Iterator[Any]:
    """Plain rows in lists, for speed: dlt extracts a list far faster than row by row.

    Marked items (quarantine records bound for another table) go one by one, as dlt needs them.
    """
    buffer: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict):
            buffer.append(item)
            if len(buffer) >= size:
                yield buffer
                buffer = []
        else:
            yield item
    if buffer:
        yield buffer


def _with(row: dict[str, Any], source_relation: str, drop: Sequence[str] = ()) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k not in drop}
    out["source_relation"] = source_relation
    return out


def employee_rows(employee: dict[str, Any], sr: str) -> list[dict[str, Any]]:
    """The employee without its nested jobs and terminations (own tables)."""
    return [_with(employee, sr, ("jobs", "terminations"))]


def job_rows(employee: dict[str, Any], sr: str) -> list[dict[str, Any]]:
    """Jobs without compensations (own table) and the embedded location (its uuid is kept)."""
    return [_with(job, sr, ("compensations", "location")) for job in employee.get("jobs") or []]


def compensation_rows(employee: dict[str, Any], sr: str) -> list[dict[str, Any]]:
    """Every compensation of every job (history included: `include=all_compensations`)."""
    rows = []
    for job in employee.get("jobs") or []:
        for compensation in job.get("compensations") or []:
            row = _with(compensation, sr)
            row.setdefault("employee_uuid", job.get("employee_uuid"))
            rows.append(row)
    return rows


def termination_rows(employee: dict[str, Any], sr: str) -> list[dict[str, Any]]:
    return [_with(t, sr) for t in employee.get("terminations") or []]


def fingerprint(rows: list[dict[str, Any]]) -> str:
    """A short stable hash of an employee's part, to tell whether it changed since last run."""
    digest = hashlib.blake2b(orjson.dumps(rows, option=orjson.OPT_SORT_KEYS), digest_size=16)
    return digest.hexdigest()[: settings.FINGERPRINT_CHARS]


def payroll_row(payroll: dict[str, Any], sr: str) -> dict[str, Any]:
    """A payroll without its statements, its pay period flattened to columns."""
    row = _with(payroll, sr, ("employee_compensations", "pay_period"))
    period = payroll.get("pay_period") or {}
    row["pay_period_start_date"] = period.get("start_date")
    row["pay_period_end_date"] = period.get("end_date")
    row["pay_schedule_uuid"] = period.get("pay_schedule_uuid")
    return row


LINE_LISTS = (
    "fixed_compensations",
    "hourly_compensations",
    "paid_time_off",
    "reimbursements",
    "deductions",
    "taxes",
    "benefits",
)


STATEMENT_NAME_FIELDS = ("first_name", "last_name", "preferred_first_name")


def _hours(lines: list[dict[str, Any]], name: str | None = None) -> float:
    total = sum(float(line.get("hours") or 0) for line in lines if name in (None, line.get("name")))
    return round(float(total), 3)  # float even when empty: an int 0 would split the column type


def statement_rows(payroll: dict[str, Any], sr: str) -> Iterator[dict[str, Any]]:
    """One row per (payroll, employee): amounts, hours summed, the detailed lines as JSON."""
    for statement in payroll.get("employee_compensations") or []:
        hourly = statement.get("hourly_compensations") or []
        # Names are the employee's (a join, not the statement's): kept out so a rename does not
        # rewrite every recent statement; `employees` has them.
        row = _with(statement, sr, (*LINE_LISTS, *STATEMENT_NAME_FIELDS))
        row["payroll_uuid"] = payroll["uuid"]
        row["check_date"] = payroll.get("check_date")
        row["regular_hours"] = _hours(hourly, "Regular Hours")
        row["hourly_hours"] = _hours(hourly)
        row["lines_json"] = orjson.dumps(
            {name: statement.get(name) or [] for name in LINE_LISTS}
        ).decode()
        yield row


# -- the source ----------------------------------------------------------------------------------


class GustoRun:
    """Clients and change sets of one run, built lazily (constructing the source calls nothing)."""

    def __init__(self, instances: list[Instance]) -> None:
        self.instances = instances
        self._syncs: dict[str, InstanceSync] = {}

    def sync(self, instance: Instance) -> InstanceSync:
        if instance.name not in self._syncs:
            self._syncs[instance.name] = InstanceSync(GustoClient(instance))
        return self._syncs[instance.name]


def _swept(
    run: GustoRun,
    table: str,
    model: type[BaseModel],
    part: Callable[[dict[str, Any], str], list[dict[str, Any]]],
) -> Iterator[Any]:
    """Rows of `table` for the employees whose part changed since this resource's last run.

    The full employee list (one page per 100 employees) is compared, employee by employee, with
    what this resource's state remembers of each (a fingerprint of its rows and their uuids):
    new and changed parts load, unchanged ones are skipped, and a row no longer listed (its
    employee gone, or a job removed) becomes a `_deleted` tombstone.
    """
    state: dict[str, dict[str, list[Any]]] = dlt.current.resource_state().setdefault("seen", {})
    for instance in run.instances:
        sr = instance.source_relation
        before = state.get(instance.name, {})
        after: dict[str, list[Any]] = {}
        changed: list[dict[str, Any]] = []
        gone: set[str] = set()
        for employee in run.sync(instance).all_employees():
            rows = part(employee, sr)
            now = [fingerprint(rows), sorted(r["uuid"] for r in rows)]
            after[employee["uuid"]] = now
            old = before.get(employee["uuid"])
            if old is None or old[0] != now[0]:
                changed.extend(rows)
                gone |= set(old[1] if old else []) - set(now[1])
        for employee_uuid in set(before) - set(after):
            gone |= set(before[employee_uuid][1])
        yield from batched(
            validated(changed, table=table, model=model, source_relation=sr, key_field="uuid")
        )
        for uuid in sorted(gone):
            yield {"source_relation": sr, "uuid": uuid, "_deleted": True}
        # Stored only after the rows were handed over: dlt commits state with the load package.
        state[instance.name] = after


def _payroll_changes(
    run: GustoRun,
    table: str,
    model: type[BaseModel],
    rows_of: Callable[[dict[str, Any], str], list[dict[str, Any]]],
    key_fields: tuple[str, ...],
) -> Iterator[Any]:
    """Rows of `table` from the payrolls the feed names since this resource's cursor.

    Besides the feed's payrolls, the latest `RECHECK_RECENT_PAYROLLS` of each instance are re-read
    every run and their rows load only if their fingerprint changed: hours get keyed into a
    processed payroll without any event (the sandbox's `payroll_hours_variance`).
    """
    state = dlt.current.resource_state()
    cursors: dict[str, Any] = state.setdefault("cursors", {})
    recent_state: dict[str, dict[str, Any]] = state.setdefault("recent", {})
    for instance in run.instances:
        sr = instance.source_relation
        sync = run.sync(instance)
        delta = sync.delta(cursors.get(instance.name))
        recent = recent_state.get(instance.name, {"payrolls": [], "rows": {}})
        recheck = [] if delta.full else recent["payrolls"]
        payrolls = sync.payrolls(delta, _payroll_start(instance), recheck)
        fingerprints: dict[str, str] = recent["rows"]
        changed: list[dict[str, Any]] = []
        for payroll in payrolls:
            for row in rows_of(payroll, sr):
                row_key = ":".join(str(row[k]) for k in key_fields)
                digest = fingerprint([row])
                if delta.full or fingerprints.get(row_key) != digest:
                    changed.append(row)
                fingerprints[row_key] = digest
        yield from batched(
            validated(changed, table=table, model=model, source_relation=sr, key_field=key_fields)
        )
        # Remember only the latest payrolls (by check date) and their rows' fingerprints.
        dated = {p["uuid"]: p.get("check_date") or "" for p in payrolls}
        dated.update({u: d for u, d in recent.get("dates", {}).items() if u not in dated})
        keep = sorted(dated, key=lambda u: (dated[u], u))[-settings.RECHECK_RECENT_PAYROLLS :]
        recent_state[instance.name] = {
            "payrolls": keep,
            "dates": {u: dated[u] for u in keep},
            "rows": {k: v for k, v in fingerprints.items() if k.split(":", 1)[0] in keep},
        }
        # Moved only after the rows were handed over: dlt commits state with the load package.
        cursors[instance.name] = delta.cursor


def _payroll_start(instance: Instance) -> str:
    return str(instance.settings.get("payroll_start_date") or settings.DEFAULT_PAYROLL_START_DATE)


@dlt.source(name="gusto", max_table_nesting=0)
def gusto_source(companies: list[Instance] | None = None) -> Sequence[Any]:
    """Gusto payroll: employees, jobs, compensations, org tables, payrolls and pay statements.

    Args:
        companies: the instances to read; by default every configured `sources.gusto` instance
            (not named `instances`: dlt would inject the config list of names into it).

    Returns:
        One resource per raw table of the `raw_gusto` contract.
    """
    run = GustoRun(companies or load_instances("gusto", settings.SECRET_KEYS))
    key = ("source_relation", "uuid")

    @dlt.resource(
        name="employees",
        primary_key=key,
        write_disposition="merge",
        file_format=FILE_FORMAT,
        columns=_columns("employees", DELETED_COLUMN),
    )
    def employees() -> Iterator[Any]:
        """Changed employees; employees seen before and now missing become tombstones."""
        yield from _swept(run, "employees", EmployeeModel, employee_rows)

    @dlt.resource(
        name="jobs",
        primary_key=key,
        write_disposition="merge",
        file_format=FILE_FORMAT,
        columns=_columns("jobs", DELETED_COLUMN),
    )
    def jobs() -> Iterator[Any]:
        """Jobs of the employees whose jobs changed."""
        yield from _swept(run, "jobs", JobModel, job_rows)

    @dlt.resource(
        name="compensations",
        primary_key=key,
        write_disposition="merge",
        file_format=FILE_FORMAT,
        columns=_columns("compensations", DELETED_COLUMN),
    )
    def compensations() -> Iterator[Any]:
        """Every compensation (history included) of the employees whose compensations changed."""
        yield from _swept(run, "compensations", CompensationModel, compensation_rows)

    @dlt.resource(
        name="terminations",
        primary_key=key,
        write_disposition="merge",
        file_format=FILE_FORMAT,
        columns=_columns("terminations", DELETED_COLUMN),
    )
    def terminations() -> Iterator[Any]:
        """Terminations (status changes, never deleted) of the employees whose ones changed."""
        yield from _swept(run, "terminations", TerminationModel, termination_rows)

    def _org(table: str, path: str, model: type[BaseModel], paged: bool) -> Iterator[Any]:
        """Every row of a company's org table; a uuid listed last run and not now, a tombstone.

        An empty list deletes nothing (a token that lost a scope reads so); the uuids listed
        before stay remembered until a list names some again.
        """
        state: dict[str, list[str]] = dlt.current.resource_state().setdefault("listed", {})
        for instance in run.instances:
            client = run.sync(instance).client
            url = path.format(company=client.company)
            raw = list(client.paged(url) if paged else client.get(url).json())
            sr = instance.source_relation
            rows = [_with(r, sr) for r in raw]
            yield from validated(
                rows, table=table, model=model, source_relation=sr, key_field="uuid"
            )
            listed = sorted({str(r["uuid"]) for r in raw if r.get("uuid")})
            if not listed:
                continue
            for uuid in sorted(set(state.get(instance.name, [])) - set(listed)):
                yield {"source_relation": sr, "uuid": uuid, "_deleted": True}
            # Stored only after the rows were handed over: dlt commits state with the load package.
            state[instance.name] = listed

    @dlt.resource(
        name="departments",
        primary_key=key,
        write_disposition="merge",
        file_format=FILE_FORMAT,
        columns=_columns("departments", DELETED_COLUMN),
    )
    def departments() -> Iterator[Any]:
        """Departments, re-read in full every run (one unpaged request per company).

        One Gusto no longer lists (it deletes a department once nobody is in it) is a tombstone.
        """
        yield from _org("departments", settings.DEPARTMENTS_PATH, DepartmentModel, False)

    @dlt.resource(
        name="locations",
        primary_key=key,
        write_disposition="merge",
        file_format=FILE_FORMAT,
        columns=_columns("locations", DELETED_COLUMN),
    )
    def locations() -> Iterator[Any]:
        """Locations, re-read in full every run."""
        yield from _org("locations", settings.LOCATIONS_PATH, LocationModel, True)

    @dlt.resource(
        name="pay_schedules",
        primary_key=key,
        write_disposition="merge",
        file_format=FILE_FORMAT,
        columns=_columns("pay_schedules", DELETED_COLUMN),
    )
    def pay_schedules() -> Iterator[Any]:
        """Pay schedules, re-read in full every run."""
        yield from _org("pay_schedules", settings.PAY_SCHEDULES_PATH, PayScheduleModel, True)

    @dlt.resource(
        name="payrolls",
        primary_key=key,
        write_disposition="merge",
        file_format=FILE_FORMAT,
        columns=_columns("payrolls"),
    )
    def payrolls() -> Iterator[Any]:
        """Payrolls: all on a full read, else those the feed names (e.g. payroll.processed)."""
        yield from _payroll_changes(
            run, "payrolls", PayrollModel, lambda p, sr: [payroll_row(p, sr)], ("uuid",)
        )

    @dlt.resource(
        name="payroll_employee_compensations",
        primary_key=("source_relation", *STATEMENT_KEY),
        write_disposition="merge",
        file_format=FILE_FORMAT,
        columns=_columns(
            "payroll_employee_compensations",
            {
                "regular_hours": {"data_type": "double"},
                "hourly_hours": {"data_type": "double"},
                "gross_pay": {"data_type": "double"},
                "net_pay": {"data_type": "double"},
            },
        ),
    )
    def payroll_employee_compensations() -> Iterator[Any]:
        """Pay statements, one row per (payroll, employee), of the payrolls read."""
        yield from _payroll_changes(
            run,
            "payroll_employee_compensations",
            PayrollEmployeeCompensationModel,
            lambda p, sr: list(statement_rows(p, sr)),
            STATEMENT_KEY,
        )

    return (
        employees,
        jobs,
        compensations,
        departments,
        locations,
        terminations,
        pay_schedules,
        payrolls,
        payroll_employee_compensations,
    )
