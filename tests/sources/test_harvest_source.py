"""The Harvest source against a real sandbox over HTTP: counts, increments, deletes, faults,
dirty records, credentials and a load killed midway.

One sandbox per module (vendor rate limits on, `small` firm); tests run in file order because
the clock only moves forward: first load, then a day of activity plus deletes through the API.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import duckdb
import httpx
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_sources.common.config import MissingSetting
from dlt_sources.harvest import NULLABLE_COLUMNS, _Cursor, _sweep_due, harvest_source
from dlt_sources.harvest.helpers import HarvestClient, time_entry_page
from dlt_sources.harvest.models import TimeEntry
from orchestration.lib.pipelines import build_pipeline
from tests.sources.conftest import (
    UNTYPED_COLUMNS_WARNING,
    point_sources_at,
    raw_counts,
    truth_counts,
)
from tests.sources.harvest_helpers import duplicate_keys, warehouse_ids
from tests.support.harvest import harvest_client
from tests.support.harvest import state as harvest_state
from tests.support.sandbox_process import REPO, SandboxProcess, start_sandbox
from tests.support.sources import faults_injected

TABLES = [
    "users",
    "clients",
    "projects",
    "tasks",
    "user_assignments",
    "task_assignments",
    "time_entries",
    "forecast_assignments",
]
HEADERS = {
    "Authorization": "Bearer sandbox-token",
    "Harvest-Account-Id": "100001",
    "User-Agent": "crosswalk-tests (ops@example.com)",
}
FORECAST_HEADERS = {"Authorization": "Bearer sandbox-token", "Forecast-Account-ID": "100001"}
# Defects the source refuses; hostile notes are valid text and load as they are.
REFUSED_DEFECTS = {"negative_hours", "hours_over_24", "invalid_date", "unknown_user"}


def _quarantined(warehouse: Path, table: str) -> list[tuple[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(
            f'select record_key, reason from raw_harvest."{table}__quarantine"'
        ).fetchall()


def _fresh_pipeline(tmp_path: Path) -> tuple[dlt.Pipeline, Path]:
    warehouse = tmp_path / "warehouse.duckdb"
    return build_pipeline("harvest", warehouse=warehouse, pipelines_dir=tmp_path / "p"), warehouse


def test_first_run_lands_truth_counts(
    aimed: SandboxProcess,
    pipeline_for: Callable[[str], dlt.Pipeline],
    warehouse: Path,
    dlt_warnings: Callable[[], list[str]],
) -> None:
    pipeline = pipeline_for("harvest")
    pipeline.run(harvest_source())
    # Fields the sandbox leaves empty on every row (budgets, rates) are typed up front.
    assert not [w for w in dlt_warnings() if UNTYPED_COLUMNS_WARNING in w]
    assert raw_counts(warehouse, "harvest", TABLES) == {
        t: truth_counts(aimed, "harvest")[t] for t in TABLES
    }
    for table in TABLES:
        assert duplicate_keys(warehouse, table) == 0, table
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw_harvest'"
            ).fetchall()
        }
        # Flattened columns, no child tables beside the contract (roles stay JSON columns).
        assert not [t for t in tables if "__" in t and not t.startswith("_dlt")]
        raw_columns = set(
            conn.execute(
                "select table_name, column_name from information_schema.columns "
                "where table_schema = 'raw_harvest'"
            ).fetchall()
        )
    columns = {c for t, c in raw_columns if t == "time_entries"}
    assert {"user_id", "user_name", "project_id", "task_name", "source_relation"} <= columns
    typed_up_front = {(t, c) for t, names in NULLABLE_COLUMNS.items() for c in names}
    assert typed_up_front <= raw_columns


def _smallest_project(sandbox: SandboxProcess, warehouse: Path) -> tuple[int, int, int]:
    """A project with few time entries, its entry count and assignment count (for deletes)."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        project_id, entries = conn.execute(
            "select p.id, count(te.id) from raw_harvest.projects p left join "
            "raw_harvest.time_entries te on te.project_id = p.id group by 1 order by 2, 1 limit 1"
        ).fetchone()
        assignments = conn.execute(
            "select (select count(*) from raw_harvest.user_assignments where project_id = ?) + "
            "(select count(*) from raw_harvest.task_assignments where project_id = ?)",
            [project_id, project_id],
        ).fetchone()[0]
    return project_id, entries, assignments


def test_second_run_after_a_day_fetches_only_changes_and_applies_deletes(
    aimed: SandboxProcess, pipeline_for: Callable[[str], dlt.Pipeline], warehouse: Path
) -> None:
    before = truth_counts(aimed, "harvest")
    day = httpx.post(aimed.base("control") + "/advance?days=1", timeout=300).json()
    activity = day["days"][0]["activity"]
    # Harvest deletes leave no trace: make some through the API, in three tables' worth.
    project_id, project_entries, project_assignments = _smallest_project(aimed, warehouse)
    assert (
        httpx.delete(
            f"{aimed.base('harvest')}/projects/{project_id}", headers=HEADERS, timeout=30
        ).status_code
        == 200
    )
    # The newest entries are not approved yet (approval comes the morning after): deletable.
    newest = httpx.get(
        f"{aimed.base('harvest')}/time_entries?per_page=100", headers=HEADERS, timeout=30
    ).json()["time_entries"]
    entry_id = next(
        e["id"]
        for e in newest
        if not e["is_closed"] and not e["is_locked"] and e["project"]["id"] != project_id
    )
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        booking_id = conn.execute(
            "select min(id) from raw_harvest.forecast_assignments"
        ).fetchone()[0]
    assert (
        httpx.delete(
            f"{aimed.base('harvest')}/time_entries/{entry_id}", headers=HEADERS, timeout=30
        ).status_code
        == 200
    )
    assert (
        httpx.delete(
            f"{aimed.base('forecast')}/assignments/{booking_id}",
            headers=FORECAST_HEADERS,
            timeout=30,
        ).status_code
        == 204
    )

    pipeline = pipeline_for("harvest")
    pipeline.run(harvest_source(sweep_time_entries=True))
    fetched = pipeline.last_trace.last_normalize_info.row_counts
    truth = truth_counts(aimed, "harvest")
    assert raw_counts(warehouse, "harvest", TABLES) == {t: truth[t] for t in TABLES}
    for table in TABLES:
        assert duplicate_keys(warehouse, table) == 0, table
    assert entry_id not in warehouse_ids(warehouse, "time_entries")
    assert project_id not in warehouse_ids(warehouse, "projects")
    assert booking_id not in warehouse_ids(warehouse, "forecast_assignments")
    # Only the day's changes (approvals, new entries) and the tombstones were loaded.
    changes = activity["time_entries_approved"] + activity["time_entries_logged"]
    tombstones = project_entries + 1
    assert fetched.get("time_entries", 0) <= changes + tombstones + 50
    assert fetched.get("time_entries", 0) >= activity["time_entries_logged"]
    assert fetched["time_entries"] < before["time_entries"] / 10
    for table in ("users", "clients", "tasks", "user_assignments", "task_assignments"):
        assert fetched.get(table, 0) <= project_assignments + 10, table
    assert fetched.get("projects", 0) >= 1  # the deleted project's tombstone


def test_third_run_with_nothing_changed_loads_nothing(
    aimed: SandboxProcess, pipeline_for: Callable[[str], dlt.Pipeline], warehouse: Path
) -> None:
    pipeline = pipeline_for("harvest")
    pipeline.run(harvest_source())
    fetched = pipeline.last_trace.last_normalize_info.row_counts
    assert {t: n for t, n in fetched.items() if t in TABLES} == {}
    assert raw_counts(warehouse, "harvest", TABLES) == {
        t: truth_counts(aimed, "harvest")[t] for t in TABLES
    }


@pytest.fixture()
def faults_on(aimed: SandboxProcess) -> Iterator[SandboxProcess]:
    url = aimed.base("control") + "/faults"
    assert httpx.post(url, json={"profile": "default"}, timeout=30).status_code == 200
    yield aimed
    httpx.post(url, json={"profile": "none"}, timeout=30)


def test_full_run_with_faults_lands_truth_counts(faults_on: SandboxProcess, tmp_path: Path) -> None:
    pipeline, warehouse = _fresh_pipeline(tmp_path)
    before = faults_injected(faults_on, "harvest")
    pipeline.run(harvest_source())
    assert faults_injected(faults_on, "harvest") > before, "this run met no fault"
    truth = truth_counts(faults_on, "harvest")
    assert raw_counts(warehouse, "harvest", TABLES) == {t: truth[t] for t in TABLES}
    for table in TABLES:
        assert duplicate_keys(warehouse, table) == 0, table


def test_an_entry_edited_during_a_read_is_read_again_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Harvest pages time entries by spent_date over minutes. Entry A is edited after its page
    # was read; the firm's clock then moves on and entry B, on the last page (the oldest
    # spent_date), is edited before that page is read. The read saw B's newer stamp; a cursor
    # there would put A's edit below it for good. The cursor stops at the server's clock at the
    # start of the read (its `Date`), so the next run reads A again.
    sandbox = start_sandbox(tmp_path / "sandbox", rate_limits=False)
    try:
        point_sources_at(monkeypatch, sandbox)
        original = HarvestClient.pages
        edited: dict[str, int] = {}

        with harvest_state(sandbox) as conn:
            (edited["b"],) = conn.execute(
                "select id from harvest_time_entries order by spent_date, id limit 1"
            ).fetchone()

        def edit_b_now() -> None:
            # Approved entries are closed to the API: the vendor's own record changes instead.
            now = httpx.get(sandbox.base("control") + "/clock", timeout=30).json()["business_now"]
            with closing(sqlite3.connect(sandbox.state, timeout=30)) as conn, conn:
                conn.execute(
                    "update harvest_time_entries set notes = 'edit B', updated_at = ? where id = ?",
                    (now, edited["b"]),
                )

        def pages(self: HarvestClient, endpoint: str, *args: Any, **kwargs: Any) -> Iterator[Any]:
            for page in original(self, endpoint, *args, **kwargs):
                yield page
                if endpoint == "time_entries" and "a" not in edited:
                    entries = page["time_entries"]
                    edited["a"] = next(e["id"] for e in entries if not e["is_locked"])
                    with harvest_client(sandbox) as harvest:
                        a = f"/time_entries/{edited['a']}"
                        harvest.patch(a, json={"notes": "edit A"}).raise_for_status()
                        advance = sandbox.base("control") + "/advance"
                        httpx.post(advance, params={"days": 1}, timeout=300).raise_for_status()
                    edit_b_now()

        monkeypatch.setattr(HarvestClient, "pages", pages)
        pipeline, warehouse = _fresh_pipeline(tmp_path)
        pipeline.run(harvest_source())
        monkeypatch.setattr(HarvestClient, "pages", original)
        # B's page was read after the edits, A's before them.
        assert _notes(warehouse, edited["b"]) == "edit B"
        assert _notes(warehouse, edited["a"]) != "edit A"

        pipeline.run(harvest_source())

        assert _notes(warehouse, edited["a"]) == "edit A"
        assert duplicate_keys(warehouse, "time_entries") == 0
    finally:
        sandbox.stop()


def _notes(warehouse: Path, entry_id: int) -> str | None:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(
            "select notes from raw_harvest.time_entries where id = ?", (entry_id,)
        ).fetchone()[0]


def test_wrong_credential_fails_fast_naming_the_setting(
    aimed: SandboxProcess, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = "wrong-token-4f1d"
    monkeypatch.setenv("CROSSWALK_PROFILE", "tenant")
    monkeypatch.setenv("SOURCES__HARVEST__ACME__ACCESS_TOKEN", secret)
    pipeline, warehouse = _fresh_pipeline(tmp_path)
    started = time.monotonic()
    with pytest.raises(PipelineStepFailed) as failure:
        pipeline.run(harvest_source())
    assert time.monotonic() - started < 30  # a 401 is final: no retry loop
    message = str(failure.value)
    assert "harvest/acme" in message and "access_token" in message
    assert secret not in message
    # Nothing was loaded from a refused instance.
    assert (
        not warehouse.exists()
        or "raw_harvest"
        not in duckdb.connect(str(warehouse), read_only=True)
        .execute("select schema_name from information_schema.schemata")
        .fetchall()
    )
    # A missing secret in the tenant profile fails when the source is built, before any call.
    monkeypatch.delenv("SOURCES__HARVEST__ACME__ACCESS_TOKEN")
    with pytest.raises(MissingSetting) as missing:
        harvest_source()
    assert "harvest/acme" in str(missing.value) and "access_token" in str(missing.value)


def test_killed_mid_load_then_rerun_lands_truth_once(aimed: SandboxProcess, tmp_path: Path) -> None:
    warehouse, pipelines_dir, marker = tmp_path / "w.duckdb", tmp_path / "p", tmp_path / "mark"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.sources.harvest_helpers",
            str(warehouse),
            str(pipelines_dir),
            str(marker),
        ],
        cwd=REPO,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), "the child fetched no pages"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    pipeline = build_pipeline("harvest", warehouse=warehouse, pipelines_dir=pipelines_dir)
    pipeline.run(harvest_source())
    truth = truth_counts(aimed, "harvest")
    assert raw_counts(warehouse, "harvest", TABLES) == {t: truth[t] for t in TABLES}
    for table in TABLES:
        assert duplicate_keys(warehouse, table) == 0, table


@pytest.fixture(scope="module")
def dirty_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox(tmp_path_factory.mktemp("dirty-sandbox"), dirty=0.01)
    yield process
    process.stop()


def test_dirty_time_entries_are_quarantined_with_reasons(
    dirty_sandbox: SandboxProcess, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    point_sources_at(monkeypatch, dirty_sandbox)
    pipeline, warehouse = _fresh_pipeline(tmp_path)
    pipeline.run(harvest_source())
    dirty = httpx.get(dirty_sandbox.base("control") + "/truth/dirty", timeout=60).json()["dirty"]
    entries = [d for d in dirty if d["system"] == "harvest" and d["entity"] == "time_entries"]
    refused = {int(d["remote_id"]): d["defect"] for d in entries if d["defect"] in REFUSED_DEFECTS}
    kept = {int(d["remote_id"]) for d in entries if d["defect"] not in REFUSED_DEFECTS}
    assert refused and kept
    quarantined = {int(key): reason for key, reason in _quarantined(warehouse, "time_entries")}
    assert set(quarantined) == set(refused)
    for key, defect in refused.items():
        expected = {
            "negative_hours": "hours",
            "hours_over_24": "hours",
            "invalid_date": "spent_date",
            "unknown_user": "user_id",
        }[defect]
        assert quarantined[key].startswith(expected), (defect, quarantined[key])
    loaded = set(warehouse_ids(warehouse, "time_entries"))
    assert kept <= loaded and not (set(refused) & loaded)
    truth = truth_counts(dirty_sandbox, "harvest")
    counts = raw_counts(warehouse, "harvest", TABLES)
    assert counts["time_entries"] + len(quarantined) == truth["time_entries"]
    assert {t: counts[t] for t in TABLES if t != "time_entries"} == {
        t: truth[t] for t in TABLES if t != "time_entries"
    }


def _entry(entry_id: int, **changes: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": entry_id,
        "spent_date": "2026-03-03",
        "hours": 2.5,
        "rounded_hours": 2.5,
        "notes": None,
        "created_at": "2026-03-03T17:30:00Z",
        "updated_at": "2026-03-03T17:30:00Z",
        "is_locked": False,
        "locked_reason": None,
        "is_closed": False,
        "is_billed": False,
        "external_reference": None,
        "billable": True,
        "billable_rate": 100.0,
        "cost_rate": 50.0,
        "user": {"id": 7, "name": "A B"},
        "client": {"id": 1, "name": "C"},
        "project": {"id": 2, "name": "P"},
        "task": {"id": 3, "name": "T"},
        "user_assignment": {"id": 4},
        "task_assignment": {"id": 5},
    }
    entry.update(changes)
    return entry


def test_time_entry_page_quarantines_exactly_the_impossible_rows() -> None:
    # Pure: no sandbox. 2026-02-30 must be refused although strptime rolls it to March 2.
    rows = [
        _entry(1),
        _entry(2, hours=-1.0),
        _entry(3, hours=30.0),
        _entry(4, spent_date="2026-02-30"),
        _entry(5, user=None),
        _entry(6, notes='{"injected": true}\x00'),
        _entry(7, external_reference={"id": 99, "group_id": 1}),
    ]
    table, quarantined = time_entry_page(rows, source_relation="harvest_acme", model=TimeEntry)
    assert table is not None
    assert table.column("id").to_pylist() == [1, 6, 7]
    assert table.column("external_reference_id").to_pylist() == [None, None, "99"]
    assert set(table.column("source_relation").to_pylist()) == {"harvest_acme"}
    reasons = {int(q.data["record_key"]): q.data["reason"] for q in quarantined}
    assert set(reasons) == {2, 3, 4, 5}
    assert reasons[2].startswith("hours") and reasons[3].startswith("hours")
    assert reasons[4].startswith("spent_date") and reasons[5].startswith("user_id")


def test_cursor_skips_the_boundary_rows_it_already_loaded() -> None:
    first = _Cursor({})
    assert first.changed(1, "2026-03-03T10:00:00Z") and first.changed(2, "2026-03-03T10:00:00Z")
    state: dict[str, object] = {}
    first.save(state)
    again = _Cursor(state)
    # Harvest's updated_since is inclusive: ids 1 and 2 come back and are skipped; 3 at the same
    # instant is new, and a later update of 1 passes.
    assert not again.changed(1, "2026-03-03T10:00:00Z")
    assert again.changed(3, "2026-03-03T10:00:00Z")
    assert again.changed(1, "2026-03-03T11:00:00Z")


def test_time_entry_sweep_runs_on_its_schedule_unless_forced() -> None:
    now = datetime.now(UTC)
    week_ago = {"last_sweep_at": (now - timedelta(days=8)).isoformat()}
    yesterday = {"last_sweep_at": (now - timedelta(days=1)).isoformat()}
    assert _sweep_due(week_ago, None, 7) and not _sweep_due(yesterday, None, 7)
    assert _sweep_due(yesterday, True, 7) and not _sweep_due(week_ago, False, 7)
    assert not _sweep_due({}, None, 7)  # the first load lists everything; the schedule starts
