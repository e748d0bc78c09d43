"""The Gusto source against a real sandbox over HTTP (vendor rate limits on).

One sandbox serves the module; tests run in file order because the clock only moves forward:
first load, then a day of activity plus API writes and a payroll (incremental), the feed-cursor
fallback, faults, a refused credential, and a SIGKILL mid-load.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import duckdb
import httpx
import pytest
import requests

from dlt_sources.common.config import Instance, load_instances
from dlt_sources.common.http import retrying_session
from dlt_sources.common.quarantine import validated
from dlt_sources.common.sandbox_profile import SANDBOX_SECRETS
from dlt_sources.gusto import (
    NULLABLE_COLUMNS,
    STATEMENT_KEY,
    PayrollEmployeeCompensationModel,
    gusto_source,
)
from dlt_sources.gusto import settings as gusto_settings
from dlt_sources.gusto.helpers import GustoClient, InstanceSync
from dlt_sources.gusto.settings import SECRET_KEYS
from dlt_sources.gusto.token_store import RefreshTokenStore
from orchestration.lib.pipelines import build_pipeline
from tests.sources.conftest import UNTYPED_COLUMNS_WARNING, raw_counts, truth_counts
from tests.support.gusto import open_session, refresh
from tests.support.sandbox_process import REPO, SandboxProcess, start_sandbox
from tests.support.sources import faults_injected, point_sources_at

TABLES = [
    "employees",
    "jobs",
    "compensations",
    "departments",
    "locations",
    "terminations",
    "pay_schedules",
    "payrolls",
    "payroll_employee_compensations",
]
EMPLOYEE_TABLES = ("employees", "jobs", "compensations", "terminations")
PAYROLL_TABLES = ("payrolls", "payroll_employee_compensations")
KEYS = {t: ("source_relation", "uuid") for t in TABLES} | {
    "payroll_employee_compensations": ("source_relation", "payroll_uuid", "employee_uuid")
}


def loaded_rows(pipeline: object) -> dict[str, int]:
    """Rows the last run normalized per table (what was fetched and kept, not what exists)."""
    counts = pipeline.last_trace.last_normalize_info.row_counts  # type: ignore[attr-defined]
    return {t: counts.get(t, 0) for t in TABLES}


def duplicate_keys(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return {
            table: conn.execute(
                f"select count(*) from (select {', '.join(KEYS[table])} from raw_gusto.{table} "
                f"group by all having count(*) > 1)"
            ).fetchone()[0]
            for table in TABLES
        }


SANDBOX_REFRESH_TOKENS = [
    SANDBOX_SECRETS["gusto"][name]["refresh_token"] for name in ("us", "uk", "de")
]


def _gusto_instance(name: str) -> Instance:
    """One configured Gusto instance, as the source loads it (env, config, fixtures)."""
    (instance,) = [i for i in load_instances("gusto", SECRET_KEYS) if i.name == name]
    return instance


def test_first_run_lands_every_table_equal_to_truth(
    aimed, pipeline_for, warehouse, dlt_warnings
) -> None:
    pipeline = pipeline_for("gusto")
    started = time.monotonic()
    pipeline.run(gusto_source())
    elapsed = time.monotonic() - started
    # Fields the sandbox leaves empty on every row (date_of_birth, phone...) are typed up front:
    # they exist as columns, and dlt has nothing to warn about.
    assert not [w for w in dlt_warnings() if UNTYPED_COLUMNS_WARNING in w]

    truth = truth_counts(aimed, "gusto")
    assert raw_counts(warehouse, "gusto", TABLES) == {t: truth[t] for t in TABLES}
    assert sum(loaded_rows(pipeline).values()) / elapsed > 100  # rows/s, rate limits on
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        relations = {
            r[0] for r in conn.execute("select source_relation from raw_gusto.employees").fetchall()
        }
        hours = conn.execute(
            "select count(*) from raw_gusto.payroll_employee_compensations "
            "where regular_hours > 0 and lines_json like '%Regular Hours%'"
        ).fetchone()[0]
        variants = conn.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'raw_gusto' and column_name like '%\\_\\_v\\_%' escape '\\'"
        ).fetchall()
        raw_columns = set(
            conn.execute(
                "select table_name, column_name from information_schema.columns "
                "where table_schema = 'raw_gusto'"
            ).fetchall()
        )
    assert relations == {"gusto_us", "gusto_uk", "gusto_de"}
    assert variants == []  # no column split into type variants
    typed_up_front = {(t, c) for t, names in NULLABLE_COLUMNS.items() for c in names}
    assert typed_up_front <= raw_columns
    assert hours > 0  # hourly workers' Regular Hours summed into a column, lines kept as JSON
    assert duplicate_keys(warehouse) == dict.fromkeys(TABLES, 0)


def _api_changes(sandbox: SandboxProcess) -> dict[str, str]:
    """Creates and updates made through Gusto's API: what a payroll admin does in a day."""
    session = open_session(sandbox)
    try:
        company = session.company_uuid
        people = session.get(f"/v1/companies/{company}/employees", per=100).json()
        active = [p for p in people if not p["terminated"] and p["jobs"]]
        created = session.client.post(
            f"/v1/companies/{company}/employees",
            json={"first_name": "Ada", "last_name": "Ingest", "email": "ada.ingest@example.com"},
        )
        created.raise_for_status()
        new_uuid = created.json()["uuid"]
        job = session.client.post(
            f"/v1/employees/{new_uuid}/jobs", json={"title": "Analyst", "hire_date": "2026-03-05"}
        )
        job.raise_for_status()
        renamed = active[0]
        session.client.put(
            f"/v1/employees/{renamed['uuid']}",
            json={"version": renamed["version"], "first_name": "Renamed"},
        ).raise_for_status()
        leaver = active[1]
        session.client.post(
            f"/v1/employees/{leaver['uuid']}/terminations", json={"effective_date": "2026-03-20"}
        ).raise_for_status()
        raised = active[2]["jobs"][0]["compensations"][0]
        session.client.put(
            f"/v1/compensations/{raised['uuid']}",
            json={"version": raised["version"], "rate": "99999.00"},
        ).raise_for_status()
    finally:
        session.close()
    return {"created": new_uuid, "renamed": renamed["uuid"], "raised": raised["uuid"]}


def _remove_employee(sandbox: SandboxProcess, warehouse: Path) -> str:
    """Make an employee vanish from Gusto's list with its jobs and compensations (the API has no
    delete: edit the sandbox's store directly); one already loaded, never terminated or paid."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        loaded = {r[0] for r in conn.execute("select uuid from raw_gusto.employees").fetchall()}
    with sqlite3.connect(sandbox.state, timeout=30) as conn:
        candidates = conn.execute(
            "select e.uuid from gusto_employees e where not exists (select 1 from "
            "gusto_terminations t where t.employee_uuid = e.uuid) and not exists (select 1 from "
            "gusto_employee_compensations s where s.employee_uuid = e.uuid) and exists (select 1 "
            "from gusto_jobs j where j.employee_uuid = e.uuid) order by e.uuid"
        ).fetchall()
        uuid = next(r[0] for r in candidates if r[0] in loaded)
        for table in ("gusto_compensations", "gusto_jobs"):
            conn.execute(f"delete from {table} where employee_uuid = ?", (uuid,))
        conn.execute("delete from gusto_employees where uuid = ?", (uuid,))
    return uuid


def _hours_mismatches(sandbox: SandboxProcess, warehouse: Path) -> list[tuple[str, str]]:
    """Pay statements whose loaded hours differ from the hourly lines Gusto holds."""
    with sqlite3.connect(sandbox.state, timeout=30) as conn:
        held = {
            (p, e): round(h, 3)
            for p, e, h in conn.execute(
                "select payroll_uuid, employee_uuid, sum(cast(hours as real)) from gusto_pay_lines "
                "where line_type = 'hourly' group by 1, 2"
            )
        }
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        loaded = conn.execute(
            "select payroll_uuid, employee_uuid, hourly_hours "
            "from raw_gusto.payroll_employee_compensations"
        ).fetchall()
    return [(p, e) for p, e, h in loaded if abs(held.get((p, e), 0.0) - h) > 0.001]


def test_second_run_fetches_only_the_changes(aimed, pipeline_for, warehouse) -> None:
    before = truth_counts(aimed, "gusto")
    control = aimed.base("control")
    payrolls_processed, days = 0, 0
    while payrolls_processed == 0 and days < 31:  # payrolls happen on pay days only
        report = httpx.post(control + "/advance", params={"days": 1}, timeout=300).json()
        payrolls_processed += sum(
            d["activity"].get("payrolls_processed", 0) for d in report["days"]
        )
        days += 1
    assert payrolls_processed > 0
    changed = _api_changes(aimed)
    removed = _remove_employee(aimed, warehouse)
    truth = truth_counts(aimed, "gusto")

    pipeline = pipeline_for("gusto")
    pipeline.run(gusto_source())

    assert raw_counts(warehouse, "gusto", TABLES) == {t: truth[t] for t in TABLES}
    fetched = loaded_rows(pipeline)
    # Employees: the API's create, rename and termination (a new version), the hand-keyed
    # records of the days played (about one a day, no event announces them) and one tombstone;
    # far below the table's 200+ rows.
    assert 4 <= fetched["employees"] <= 4 + days
    # The new job, the job whose current rate was raised, and the removed employee's tombstone.
    assert fetched["jobs"] == 3
    assert fetched["compensations"] == 3
    assert fetched["terminations"] == 1
    assert fetched["payrolls"] == payrolls_processed
    new_statements = (
        truth["payroll_employee_compensations"] - before["payroll_employee_compensations"]
    )
    # The new payrolls' statements, and those whose hours were keyed in place (about one a day).
    assert new_statements <= fetched["payroll_employee_compensations"] <= new_statements + days
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        first_name = conn.execute(
            "select first_name from raw_gusto.employees where uuid = ?", (changed["renamed"],)
        ).fetchone()[0]
        rate = conn.execute(
            "select rate from raw_gusto.compensations where uuid = ?", (changed["raised"],)
        ).fetchone()[0]
        gone = conn.execute(
            "select (select count(*) from raw_gusto.employees where uuid = ?) + (select count(*) "
            "from raw_gusto.jobs where employee_uuid = ?)",
            (removed, removed),
        ).fetchone()[0]
        new = conn.execute(
            "select count(*) from raw_gusto.jobs where employee_uuid = ?", (changed["created"],)
        ).fetchone()[0]
    assert (first_name, rate, gone, new) == ("Renamed", "99999.00", 0, 1)
    # Hours keyed into a processed payroll without an event reached the warehouse too.
    assert _hours_mismatches(aimed, warehouse) == []

    pipeline.run(gusto_source())  # nothing changed since: only the small org tables reload
    assert {t: n for t, n in loaded_rows(pipeline).items() if n} == {
        "departments": truth["departments"],
        "locations": truth["locations"],
        "pay_schedules": truth["pay_schedules"],
    }


def test_expired_feed_cursor_falls_back_to_a_full_read(aimed) -> None:
    """A cursor the feed no longer knows (422) makes the payrolls a full re-read."""
    instance = _gusto_instance("us")
    sync = InstanceSync(GustoClient(instance))
    delta = sync.delta("00000000-0000-4000-8000-000000000000")
    payrolls = sync.payrolls(delta, "2020-01-01")

    with sqlite3.connect(aimed.state, timeout=30) as conn:
        company_payrolls = conn.execute(
            "select count(*) from gusto_payrolls where company_uuid = ?", (sync.client.company,)
        ).fetchone()[0]
    assert delta.full and delta.cursor is not None
    assert len(payrolls) == company_payrolls
    assert all(p["employee_compensations"] for p in payrolls)


def test_the_feed_is_read_to_its_end_without_the_next_page_header(aimed, monkeypatch) -> None:
    # `X-Has-Next-Page` is the sandbox's, not in Gusto's spec: without it, a full page of
    # events means there may be more, so the read goes on until a short page.
    us = _gusto_instance("us")
    with_header = GustoClient(us)
    (first,) = with_header.get(
        "/v1/events",
        {"resource_uuid": with_header.company, "sort_order": "asc", "limit": 1},
        system=True,
    ).json()
    expected = [e["uuid"] for e in with_header.events_after(first["uuid"])]
    monkeypatch.setattr(gusto_settings, "EVENTS_LIMIT", 1)
    session = retrying_session()

    def drop_header(response: requests.Response, *args: object, **kwargs: object) -> None:
        response.headers.pop("X-Has-Next-Page", None)

    session.hooks["response"].append(drop_header)
    without_header = GustoClient(us, session=session)

    read = [e["uuid"] for e in without_header.events_after(first["uuid"])]

    assert len(expected) >= 3  # several pages of one
    assert read == expected


def _business_today(sandbox: SandboxProcess) -> date:
    clock = httpx.get(sandbox.base("control") + "/clock", timeout=60).json()
    return datetime.fromisoformat(clock["business_now"]).date()


def test_a_payroll_walk_starting_past_what_gusto_serves_reads_nothing(aimed) -> None:
    # A configured start date past Gusto's today + 3 months (its end-date limit): no window to
    # read, where the walk used to send one Gusto refuses (422) and fail the load.
    client = GustoClient(_gusto_instance("us"))
    today = _business_today(aimed)
    for ahead in (95, 200):
        assert client.payroll_uuids((today + timedelta(days=ahead)).isoformat()) == []


def test_a_payroll_walk_asks_nothing_gusto_refuses_and_misses_no_payroll(aimed) -> None:
    # Gusto documents its limits on payroll lists (end dates at most 3 months ahead, windows at
    # most a year), not its answer to a request past them: the walk must stay inside both, by
    # Gusto's today (its `Date`), and still find every payroll of the company.
    us = _gusto_instance("us")
    today = _business_today(aimed)
    session = retrying_session()
    send = session.get
    windows: list[tuple[date, date]] = []

    def recorded(url: str, params: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if params and "end_date" in params:
            windows.append(
                (date.fromisoformat(params["start_date"]), date.fromisoformat(params["end_date"]))
            )
        return send(url, params=params, **kwargs)

    session.get = recorded  # type: ignore[method-assign]
    client = GustoClient(us, session=session)
    walked = client.payroll_uuids("2020-01-01")

    assert windows and max(end for _, end in windows) <= today + timedelta(days=89)
    assert all((end - start).days <= 365 for start, end in windows)
    # Consecutive windows overlap by half a year (a pay period across an edge is inside one).
    overlap = gusto_settings.PAYROLL_WINDOW_OVERLAP_DAYS
    assert all(
        (end - nxt[0]).days >= overlap for (_, end), nxt in zip(windows, windows[1:], strict=False)
    )
    with sqlite3.connect(aimed.state, timeout=30) as conn:
        company = {
            row[0]
            for row in conn.execute(
                "select uuid from gusto_payrolls where company_uuid = ?", (client.company,)
            )
        }
    assert len(walked) == len(set(walked)) and set(walked) == company


def test_each_broken_pay_statement_is_quarantined_under_its_own_key(tmp_path) -> None:
    # One employee's statements in two payrolls, both broken: the quarantine merges on the key
    # the source gives it, so it must be the statement's whole key, not the employee's (the
    # sandbox stores statements so that every one it serves validates, hence rows given here).
    relation = "gusto_us"
    raw = [
        {"payroll_uuid": p, "employee_uuid": "e-1", "gross_pay": "n/a", "net_pay": 1.0}
        for p in ("p-1", "p-2")
    ] + [
        {"payroll_uuid": "p-1", "employee_uuid": "e-2", "gross_pay": 10.0, "net_pay": 8.0},
        # An unprocessed payroll's statement: no pay yet ("only available for processed
        # payrolls", Gusto's spec), which is no error.
        {"payroll_uuid": "p-3", "employee_uuid": "e-1", "gross_pay": None, "net_pay": None},
    ]

    @dlt.resource(
        name="payroll_employee_compensations",
        primary_key=("source_relation", *STATEMENT_KEY),
        write_disposition="merge",
    )
    def statements() -> Iterator[object]:
        rows = ({**r, "regular_hours": 0.0, "source_relation": relation} for r in raw)
        yield from validated(
            rows,
            table="payroll_employee_compensations",
            model=PayrollEmployeeCompensationModel,
            source_relation=relation,
            key_field=STATEMENT_KEY,
        )

    target = tmp_path / "statements.duckdb"
    build_pipeline("gusto", warehouse=target, pipelines_dir=tmp_path / "p").run(statements())
    with duckdb.connect(str(target), read_only=True) as conn:
        kept = conn.execute(
            "select payroll_uuid, employee_uuid, gross_pay "
            "from raw_gusto.payroll_employee_compensations order by 1"
        ).fetchall()
        refused = conn.execute(
            "select record_key, reason from raw_gusto.payroll_employee_compensations__quarantine "
            "order by 1"
        ).fetchall()
    assert kept == [("p-1", "e-2", 10.0), ("p-3", "e-1", None)]
    assert [key for key, _ in refused] == ["p-1:e-1", "p-2:e-1"]
    assert all(reason.startswith("gross_pay:") for _, reason in refused)


def test_a_department_deleted_in_gusto_leaves_the_warehouse(tmp_path, monkeypatch) -> None:
    # Departments are re-read in full: one Gusto deleted (it deletes only an empty one) is no
    # longer listed, and becomes a tombstone; a refused delete changes nothing.
    sandbox = start_sandbox(tmp_path / "sandbox", rate_limits=False)
    session = open_session(sandbox)
    try:
        point_sources_at(monkeypatch, sandbox)
        monkeypatch.setenv("SOURCES__GUSTO__TOKEN_STORE", str(tmp_path / "tokens.json"))
        company = session.company_uuid
        with closing(sqlite3.connect(sandbox.state, timeout=30)) as conn, conn:
            conn.execute(
                "insert into gusto_departments (uuid, company_uuid, title, version) "
                "values ('dept-short-lived', ?, 'Short-lived', 'v1')",
                (company,),
            )
            (populated,) = conn.execute(
                "select department_uuid from gusto_employees "
                "where company_uuid = ? and department_uuid is not null limit 1",
                (company,),
            ).fetchone()
        warehouse = tmp_path / "warehouse.duckdb"
        pipeline = build_pipeline("gusto", warehouse=warehouse, pipelines_dir=tmp_path / "p")
        pipeline.run(gusto_source())
        departments = "select uuid from raw_gusto.departments order by uuid"
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            loaded = conn.execute(departments).fetchall()
        assert ("dept-short-lived",) in loaded and (populated,) in loaded

        refused = session.client.delete(f"/v1/departments/{populated}")
        assert refused.status_code == 422, refused.text
        assert session.client.delete("/v1/departments/dept-short-lived").status_code == 204
        pipeline.run(gusto_source())

        with duckdb.connect(str(warehouse), read_only=True) as conn:
            assert conn.execute(departments).fetchall() == [
                row for row in loaded if row != ("dept-short-lived",)
            ]
        truth = truth_counts(sandbox, "gusto")
        assert raw_counts(warehouse, "gusto", TABLES) == {t: truth[t] for t in TABLES}
    finally:
        session.close()
        sandbox.stop()


def test_full_run_with_faults_lands_truth(aimed, tmp_path) -> None:
    control = aimed.base("control")
    before = faults_injected(aimed, "gusto")
    httpx.post(control + "/faults", json={"profile": "default"}, timeout=30).raise_for_status()
    try:
        warehouse = tmp_path / "faults.duckdb"
        pipeline = build_pipeline("gusto", warehouse=warehouse, pipelines_dir=tmp_path / "p")
        pipeline.run(gusto_source())
        met = faults_injected(aimed, "gusto") - before
    finally:
        httpx.post(control + "/faults", json={"profile": "none"}, timeout=30).raise_for_status()
    truth = truth_counts(aimed, "gusto")
    assert raw_counts(warehouse, "gusto", TABLES) == {t: truth[t] for t in TABLES}
    assert duplicate_keys(warehouse) == dict.fromkeys(TABLES, 0)
    assert met > 0, "this run met no fault"


def test_pay_statements_arrive_from_every_page_of_a_payroll(aimed, tmp_path, monkeypatch) -> None:
    # Gusto pages a payroll's statements (at most 100 a page). The sandbox's companies are
    # smaller than that, so pages of 30 make each payroll take several.
    monkeypatch.setattr(gusto_settings, "PER_PAGE", 30)
    warehouse = tmp_path / "paged.duckdb"
    pipeline = build_pipeline("gusto", warehouse=warehouse, pipelines_dir=tmp_path / "p")
    pipeline.run(gusto_source())
    truth = truth_counts(aimed, "gusto")
    assert raw_counts(warehouse, "gusto", TABLES) == {t: truth[t] for t in TABLES}
    assert duplicate_keys(warehouse) == dict.fromkeys(TABLES, 0)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        (largest,) = conn.execute(
            "select max(n) from (select count(*) as n "
            "from raw_gusto.payroll_employee_compensations group by payroll_uuid)"
        ).fetchone()
    assert largest > 2 * 30  # a payroll of three pages or more was read whole


def test_rotated_refresh_tokens_carry_from_run_to_run(tmp_path, monkeypatch) -> None:
    # Gusto answers each refresh with a new refresh token and retires the one sent: the
    # configured token works once, and every later run must send the newest.
    sandbox = start_sandbox(tmp_path / "rotating", rate_limits=False, rotate_refresh_tokens=True)
    try:
        point_sources_at(monkeypatch, sandbox)
        store = tmp_path / "tokens.json"
        monkeypatch.setenv("SOURCES__GUSTO__TOKEN_STORE", str(store))
        warehouse = tmp_path / "rotating.duckdb"
        kept: list[dict[str, str]] = []
        for _ in range(2):
            pipeline = build_pipeline("gusto", warehouse=warehouse, pipelines_dir=tmp_path / "p")
            pipeline.run(gusto_source())
            kept.append({k: v["refresh_token"] for k, v in json.loads(store.read_text()).items()})
        assert len(kept[0]) == 3 and kept[0].keys() == kept[1].keys()  # one per company
        assert all(kept[1][company] != token for company, token in kept[0].items())
        assert not set(kept[0].values()) & set(SANDBOX_REFRESH_TOKENS)
        assert store.stat().st_mode & 0o777 == 0o600
        # The configured token was spent by the first run: without the store, runs would fail.
        assert refresh(sandbox, SANDBOX_REFRESH_TOKENS[0]).status_code == 401
        truth = truth_counts(sandbox, "gusto")
        assert raw_counts(warehouse, "gusto", TABLES) == {t: truth[t] for t in TABLES}

        # A person re-authorises the US company: its new configured token is used, not the
        # stored successor of the old one.
        (us_company,) = [k for k in kept[1] if k.endswith(" us")]
        reauthorised = "reauthorised-us"  # Gusto issues it; the old chain of tokens ends
        with closing(sqlite3.connect(sandbox.state, timeout=30)) as conn, conn:
            conn.execute(
                "update gusto_companies set refresh_token = ? where refresh_token = ?",
                (reauthorised, kept[1][us_company]),
            )
        monkeypatch.setenv("SOURCES__GUSTO__US__REFRESH_TOKEN", reauthorised)
        monkeypatch.setenv("SOURCES__GUSTO__US__CLIENT_ID", "sandbox-client")
        monkeypatch.setenv("SOURCES__GUSTO__US__CLIENT_SECRET", "sandbox-secret")
        us = _gusto_instance("us")
        client = GustoClient(us)
        assert client.company  # refreshed with the configured token: the stored one is dead
        entry = json.loads(store.read_text())[us_company]
        assert entry["refresh_token"] not in (reauthorised, kept[1][us_company])
    finally:
        sandbox.stop()


def test_no_access_token_is_used_before_its_refresh_token_is_stored(tmp_path, monkeypatch) -> None:
    # Using the new access token retires the old refresh token: if the new refresh token
    # could not be stored (a full disk), using it anyway would leave no working token at all.
    sandbox = start_sandbox(tmp_path / "rotating", rate_limits=False, rotate_refresh_tokens=True)
    try:
        point_sources_at(monkeypatch, sandbox)
        us = _gusto_instance("us")

        def disk_full(self: RefreshTokenStore, entries: object) -> None:
            raise OSError(28, "No space left on device")

        with monkeypatch.context() as failing:
            failing.setattr(RefreshTokenStore, "_write", disk_full)
            client = GustoClient(us, token_store=RefreshTokenStore(tmp_path / "full.json"))
            for _ in range(2):  # a caller that goes on after the error, as the push engine does
                with pytest.raises(OSError):
                    _ = client.company

        # Nothing was used, so the configured token still works: nothing to re-authorise.
        kept = GustoClient(us, token_store=RefreshTokenStore(tmp_path / "tokens.json"))
        assert kept.company
    finally:
        sandbox.stop()


def test_wrong_credential_fails_fast_naming_the_setting(aimed, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CROSSWALK_PROFILE", "tenant")
    secret = "not-the-refresh-token-42"
    for name, token in (("US", secret), ("UK", "sandbox-refresh-uk"), ("DE", "sandbox-refresh-de")):
        monkeypatch.setenv(f"SOURCES__GUSTO__{name}__CLIENT_ID", "sandbox-client")
        monkeypatch.setenv(f"SOURCES__GUSTO__{name}__CLIENT_SECRET", "sandbox-secret")
        monkeypatch.setenv(f"SOURCES__GUSTO__{name}__REFRESH_TOKEN", token)
    warehouse = tmp_path / "refused.duckdb"
    pipeline = build_pipeline("gusto", warehouse=warehouse, pipelines_dir=tmp_path / "p")

    started = time.monotonic()
    with pytest.raises(Exception) as failure:
        pipeline.run(gusto_source())
    message = str(failure.value)

    assert time.monotonic() - started < 30  # a 4xx from the token endpoint is not retried
    assert "gusto/us" in message and "sources.gusto.us" in message and "refresh_token" in message
    assert secret not in message and "sandbox-secret" not in message
    assert pipeline.first_run  # nothing was loaded: no package, no state
    assert (
        not warehouse.exists()
        or not duckdb.connect(str(warehouse))
        .execute("select count(*) from information_schema.tables where table_schema = 'raw_gusto'")
        .fetchone()[0]
    )


def test_missing_secret_in_tenant_profile_names_the_setting(aimed, monkeypatch) -> None:
    monkeypatch.setenv("CROSSWALK_PROFILE", "tenant")
    for name in ("US", "UK", "DE"):
        for key in ("CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN"):
            monkeypatch.delenv(f"SOURCES__GUSTO__{name}__{key}", raising=False)
    with pytest.raises(Exception) as failure:
        gusto_source()
    assert "gusto/us" in str(failure.value) and "sources.gusto.us.client_id" in str(failure.value)
    assert "sandbox-client" not in str(failure.value)


KILLED_RUN = """
import sys
from pathlib import Path
from dlt_sources.gusto import gusto_source
from orchestration.lib.pipelines import build_pipeline
pipeline = build_pipeline("gusto", warehouse=Path(sys.argv[1]), pipelines_dir=Path(sys.argv[2]))
pipeline.run(gusto_source())
"""


def test_sigkill_mid_load_then_rerun_lands_truth(aimed, tmp_path) -> None:
    warehouse, pipelines_dir = tmp_path / "killed.duckdb", tmp_path / "p"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(warehouse), str(pipelines_dir)],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    packages = pipelines_dir / "gusto"
    deadline = time.monotonic() + 120
    # Kill once extraction has written a package (pages fetched) and before the load completes.
    while child.poll() is None and time.monotonic() < deadline:
        if any(packages.glob("normalize/*/*")) or any(packages.glob("load/new/*")):
            os.kill(child.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    pipeline = build_pipeline("gusto", warehouse=warehouse, pipelines_dir=pipelines_dir)
    pipeline.run(gusto_source())
    truth = truth_counts(aimed, "gusto")
    assert raw_counts(warehouse, "gusto", TABLES) == {t: truth[t] for t in TABLES}
    assert duplicate_keys(warehouse) == dict.fromkeys(TABLES, 0)
