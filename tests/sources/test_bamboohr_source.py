"""The BambooHR source against real sandboxes over HTTP: full and incremental loads, deletes,
faults, dirty time off, a second instance, a refused key and a killed load.

Tests share one module sandbox (small firm) and run in file order: the first run loads the
module warehouse, the second follows a business day plus an API update and a deletion. BambooHR
has no API to delete an employee (an admin deletes in the UI), so the deletion is written into
the sandbox's state the way the UI would leave it: `deletedAt` set at business time.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from dlt_sources.bamboohr import bamboohr_source, settings
from dlt_sources.bamboohr.helpers import (
    CompensationModel,
    JobInfoModel,
    changed_employees,
    history_row,
)
from dlt_sources.common.config import MissingSetting, load_instances
from dlt_sources.common.quarantine import validated
from orchestration.lib.pipelines import build_pipeline
from tests.sources.conftest import raw_counts, truth_counts
from tests.support.sandbox_process import REPO, SandboxProcess, start_sandbox

TABLES = ["employees", "job_info", "compensation", "employment_status", "time_off_requests"]
HISTORY = ["job_info", "compensation", "employment_status", "time_off_requests"]
AUTH = ("sandbox-key", "x")


def _run(pipeline: dlt.Pipeline) -> dict[str, int]:
    """Run the source once; rows normalized per table (what this run fetched)."""
    pipeline.run(bamboohr_source())
    counts = pipeline.last_trace.last_normalize_info.row_counts
    return {t: n for t, n in counts.items() if not t.startswith("_dlt")}


def _duplicate_keys(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return {
            table: conn.execute(
                f"select count(*) - count(distinct (source_relation, id)) from raw_bamboohr.{table}"
            ).fetchone()[0]
            for table in TABLES
        }


def _control(sandbox: SandboxProcess, method: str, path: str, **kwargs: object) -> dict:
    response = httpx.request(method, sandbox.base("control") + path, timeout=300, **kwargs)
    response.raise_for_status()
    return response.json()


def _set_faults(sandbox: SandboxProcess, profile: str, **overrides: object) -> None:
    _control(sandbox, "POST", "/faults", json={"profile": profile, "overrides": overrides})


def _delete_employee(sandbox: SandboxProcess) -> int:
    """Delete (as BambooHR's UI does) an active employee who has time off and history rows."""
    now = _control(sandbox, "GET", "/clock")["business_now"]
    with sqlite3.connect(sandbox.state, timeout=60) as conn:
        victim = conn.execute(
            "select e.id from bamboohr_employees e "
            "join bamboohr_time_off_requests t on t.employeeId = e.id "
            "where e.deletedAt is null and e.status = 'Active' order by e.id limit 1"
        ).fetchone()[0]
        conn.execute("update bamboohr_employees set deletedAt = ? where id = ?", (now, victim))
    return int(victim)


def test_first_run_counts_equal_truth(aimed: SandboxProcess, pipeline_for, warehouse) -> None:
    fetched = _run(pipeline_for("bamboohr"))

    truth = truth_counts(aimed, "bamboohr")
    assert raw_counts(warehouse, "bamboohr", TABLES) == {t: truth[t] for t in TABLES}
    assert all(fetched[t] == truth[t] for t in TABLES)
    assert _duplicate_keys(warehouse) == dict.fromkeys(TABLES, 0)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        # Money split into amount and currency, the original text kept.
        rate, amount, currency = conn.execute(
            "select rate, rate_amount, rate_currency from raw_bamboohr.compensation "
            "where rate_amount is not null limit 1"
        ).fetchone()
        assert rate == f"{amount:.2f} {currency}"
        statuses = {
            r[0] for r in conn.execute("select status from raw_bamboohr.employees").fetchall()
        }
    # Inactive employees are loaded too (the directory would have hidden them).
    assert "Inactive" in statuses


def test_second_run_fetches_only_the_changes(
    aimed: SandboxProcess, pipeline_for, warehouse
) -> None:
    pipeline = pipeline_for("bamboohr")
    cursor = pipeline.state["sources"]["bamboohr"]["resources"]["employees"]["instances"][
        "bamboohr_acme"
    ]["cursor"]
    _control(aimed, "POST", "/advance", params={"days": 1})
    # An update through the vendor API: a new title appends a jobInfo row.
    api = aimed.base("bamboohr")
    updated = httpx.post(
        f"{api}/employees/105", json={"jobTitle": "Principal Consultant"}, auth=AUTH, timeout=30
    )
    assert updated.status_code == 200
    deleted = _delete_employee(aimed)
    changes = httpx.get(
        f"{api}/employees/changed",
        params={"since": cursor},
        auth=AUTH,
        headers={"Accept": "application/json"},
        timeout=30,
    ).json()["employees"]
    assert changes[str(deleted)]["action"] == "Deleted"
    assert changes["105"]["action"] == "Updated"

    fetched = _run(pipeline)

    truth = truth_counts(aimed, "bamboohr")
    assert raw_counts(warehouse, "bamboohr", TABLES) == {t: truth[t] for t in TABLES}
    # Every changed employee once (re-read or tombstoned), nobody else.
    assert fetched["employees"] == len(changes)
    assert len(changes) < truth["employees"] / 10
    for table in ("job_info", "compensation", "employment_status"):
        assert fetched[table] < truth[table] / 5
    assert _duplicate_keys(warehouse) == dict.fromkeys(TABLES, 0)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        for table in TABLES:
            column = "id" if table == "employees" else "employee_id"
            left = conn.execute(
                f"select count(*) from raw_bamboohr.{table} where {column} = ?", [deleted]
            ).fetchone()[0]
            assert left == 0, f"{table} still holds rows of deleted employee {deleted}"
        title = conn.execute(
            "select job_title from raw_bamboohr.job_info where employee_id = 105 "
            "order by date desc, id desc limit 1"
        ).fetchone()[0]
    assert title == "Principal Consultant"


def test_full_run_with_faults_lands_truth(aimed: SandboxProcess, tmp_path: Path) -> None:
    _set_faults(aimed, "default")
    try:
        target = tmp_path / "faulty.duckdb"
        pipeline = build_pipeline("bamboohr", warehouse=target, pipelines_dir=tmp_path / "p")
        _run(pipeline)
        injected = _control(aimed, "GET", "/faults")["injected"]
    finally:
        _set_faults(aimed, "none")
    truth = truth_counts(aimed, "bamboohr")
    assert raw_counts(target, "bamboohr", TABLES) == {t: truth[t] for t in TABLES}
    assert _duplicate_keys(target) == dict.fromkeys(TABLES, 0)
    assert injected.get("bamboohr"), "the run met no fault"


def test_killed_load_then_rerun_lands_truth(aimed: SandboxProcess, tmp_path: Path) -> None:
    target, pipes = tmp_path / "killed.duckdb", tmp_path / "pipes"
    # Every BambooHR answer takes a second, so the child is surely mid-run when it is killed.
    _set_faults(aimed, "none", slow_rate=1.0, slow_seconds=1.0, systems=["bamboohr"])
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from dlt_sources.bamboohr import bamboohr_source\n"
        "from orchestration.lib.pipelines import build_pipeline\n"
        "build_pipeline('bamboohr', warehouse=Path(sys.argv[1]), pipelines_dir=Path(sys.argv[2]))"
        ".run(bamboohr_source())\n"
    )
    baseline = sum(_control(aimed, "GET", "/faults")["injected"].get("bamboohr", {}).values())
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(target), str(pipes)], cwd=REPO, env=dict(os.environ)
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            slowed = _control(aimed, "GET", "/faults")["injected"].get("bamboohr", {})
            if sum(slowed.values()) - baseline >= 3:
                break
            time.sleep(0.2)
        assert child.poll() is None, "the load ended before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        _set_faults(aimed, "none")

    pipeline = build_pipeline("bamboohr", warehouse=target, pipelines_dir=pipes)
    if pipeline.has_pending_data:  # killed after extraction: finish that package first
        pipeline.normalize()
        pipeline.load()
    _run(pipeline)

    truth = truth_counts(aimed, "bamboohr")
    assert raw_counts(target, "bamboohr", TABLES) == {t: truth[t] for t in TABLES}
    assert _duplicate_keys(target) == dict.fromkeys(TABLES, 0)


@pytest.fixture(scope="module")
def dirty_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox(tmp_path_factory.mktemp("bamboohr-dirty"), seed=11, dirty=0.01)
    yield process
    process.stop()


def test_dirty_time_off_is_quarantined_with_reasons(
    dirty_sandbox: SandboxProcess, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SOURCES__BAMBOOHR__ACME__BASE_URL", dirty_sandbox.base("bamboohr"))
    monkeypatch.setenv("CROSSWALK_PROFILE", "sandbox")
    target = tmp_path / "dirty.duckdb"
    _run(build_pipeline("bamboohr", warehouse=target, pipelines_dir=tmp_path / "p"))

    truth = truth_counts(dirty_sandbox, "bamboohr")
    dirty = {
        d["remote_id"]: d["defect"]
        for d in _control(dirty_sandbox, "GET", "/truth/dirty")["dirty"]
        if d["system"] == "bamboohr" and d["entity"] == "time_off_requests"
    }
    assert dirty
    with duckdb.connect(str(target), read_only=True) as conn:
        quarantined = dict(
            conn.execute(
                "select record_key, reason from raw_bamboohr.time_off_requests__quarantine"
            ).fetchall()
        )
        loaded_dirty = conn.execute(
            "select count(*) from raw_bamboohr.time_off_requests where id >= 900000"
        ).fetchone()[0]
    loaded = raw_counts(target, "bamboohr", TABLES)
    # Counts in = counts out + quarantined; every dirty record held back, with its defect named.
    assert truth["time_off_requests"] == loaded["time_off_requests"] + len(quarantined)
    assert set(quarantined) == set(dirty)
    assert loaded_dirty == 0
    for key, defect in dirty.items():
        expected = "ends before it starts" if defect == "ends_before_start" else "unknown time off"
        assert expected in quarantined[key]
    assert {t: loaded[t] for t in TABLES if t != "time_off_requests"} == {
        t: truth[t] for t in TABLES if t != "time_off_requests"
    }


@pytest.fixture(scope="module")
def globex_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox(tmp_path_factory.mktemp("bamboohr-globex"), seed=7)
    yield process
    process.stop()


def test_an_instance_configured_by_env_vars_alone_gets_its_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCES__BAMBOOHR__INSTANCES", '["acme", "globex"]')
    monkeypatch.setenv("SOURCES__BAMBOOHR__GLOBEX__BASE_URL", "http://127.0.0.1:9/bamboohr")
    monkeypatch.setenv("SOURCES__BAMBOOHR__GLOBEX__API_KEY", "globex-key")
    monkeypatch.setenv("SOURCES__BAMBOOHR__GLOBEX__TIME_OFF_TYPES", '["Vacation", "Sabbatical"]')
    monkeypatch.setenv("SOURCES__BAMBOOHR__GLOBEX__TIME_OFF_LOOKAHEAD_DAYS", "30")
    # A key acme's toml section does not have, set for acme by env var alone.
    monkeypatch.setenv("SOURCES__BAMBOOHR__ACME__TIME_OFF_START", "2024-01-01")

    acme, globex = load_instances("bamboohr", settings.SECRET_KEYS)

    assert globex.settings == {
        "time_off_types": ["Vacation", "Sabbatical"],
        "time_off_lookahead_days": 30,
    }
    assert globex.secrets == {"api_key": "globex-key"}  # a secret, never a setting
    assert acme.settings["time_off_start"] == "2024-01-01"


def test_second_instance_lands_beside_the_first(
    aimed: SandboxProcess,
    globex_sandbox: SandboxProcess,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("SOURCES__BAMBOOHR__INSTANCES", '["acme", "globex"]')
    monkeypatch.setenv("SOURCES__BAMBOOHR__GLOBEX__BASE_URL", globex_sandbox.base("bamboohr"))
    monkeypatch.setenv("SOURCES__BAMBOOHR__GLOBEX__API_KEY", "sandbox-key")
    target = tmp_path / "two.duckdb"
    _run(build_pipeline("bamboohr", warehouse=target, pipelines_dir=tmp_path / "p"))

    expected = {
        "bamboohr_acme": truth_counts(aimed, "bamboohr"),
        "bamboohr_globex": truth_counts(globex_sandbox, "bamboohr"),
    }
    assert expected["bamboohr_acme"] != expected["bamboohr_globex"]  # two different firms
    with duckdb.connect(str(target), read_only=True) as conn:
        for table in TABLES:
            per_relation = dict(
                conn.execute(
                    f"select source_relation, count(*) from raw_bamboohr.{table} group by 1"
                ).fetchall()
            )
            assert per_relation == {rel: counts[table] for rel, counts in expected.items()}
    assert _duplicate_keys(target) == dict.fromkeys(TABLES, 0)


def test_refused_key_fails_fast_naming_the_setting(
    aimed: SandboxProcess, monkeypatch: pytest.MonkeyPatch, pipeline_for, warehouse
) -> None:
    before = raw_counts(warehouse, "bamboohr", TABLES)
    monkeypatch.setenv("CROSSWALK_PROFILE", "tenant")
    monkeypatch.delenv("SOURCES__BAMBOOHR__ACME__API_KEY", raising=False)
    with pytest.raises(MissingSetting, match=r"bamboohr/acme: secret sources\.bamboohr\.acme"):
        bamboohr_source()

    secret = "not-the-key-7f3a"
    monkeypatch.setenv("SOURCES__BAMBOOHR__ACME__API_KEY", secret)
    started = time.monotonic()
    with pytest.raises(Exception) as failure:
        pipeline_for("bamboohr").run(bamboohr_source())
    message = str(failure.value)
    assert "bamboohr/acme" in message
    assert "sources.bamboohr.acme.api_key" in message
    assert secret not in message
    assert time.monotonic() - started < 30  # no retrying of a 401
    # Nothing was loaded or lost, and the key was presented once only, so BambooHR's lockout
    # (five bad keys a minute) did not trip: the good key still works.
    assert raw_counts(warehouse, "bamboohr", TABLES) == before
    good = httpx.get(
        aimed.base("bamboohr") + "/employees/changed",
        params={"since": "2026-01-01T00:00:00Z"},
        auth=AUTH,
        headers={"Accept": "application/json"},
        timeout=30,
    )
    assert good.status_code == 200


def _land_history(
    target: Path, table: str, model: type, raw: list[dict[str, str]], runs: int = 1
) -> None:
    """Load raw BambooHR rows of a history `table` into `target` as the source shapes them."""
    relation = "bamboohr_acme"

    @dlt.resource(
        name=table,
        primary_key=("source_relation", "id"),
        write_disposition="merge",
        columns=settings.COLUMNS[table],
    )
    def rows() -> Iterator[object]:
        shaped = (history_row(table, r, relation, "2025-06-01T09:00:00+00:00") for r in raw)
        yield from validated(shaped, table=table, model=model, source_relation=relation)

    pipeline = build_pipeline("bamboohr", warehouse=target, pipelines_dir=target.parent / "p")
    for _ in range(runs):
        pipeline.run(rows())


def _kept_and_refused(
    target: Path, table: str, columns: str
) -> tuple[list[tuple], list[tuple[str, str]]]:
    """`table`'s rows (id, then `columns`) and its quarantine (record key, reason), in order."""
    with duckdb.connect(str(target), read_only=True) as conn:
        kept = conn.sql(f"select id, {columns} from raw_bamboohr.{table} order by id").fetchall()
        refused = conn.sql(
            f"select record_key, reason from raw_bamboohr.{table}__quarantine order by 1"
        ).fetchall()
    return kept, refused


def test_broken_rows_of_a_merge_table_are_quarantined_once(tmp_path: Path) -> None:
    """Money that does not split, or a date that is none, is held back; re-reads do not pile up.

    The sandbox refuses such writes, so the rows are shaped here as the source shapes them.
    """
    raw = [
        {"id": "1", "employeeId": "7", "startDate": "2025-01-01", "rate": "75000.00 USD"},
        {"id": "2", "employeeId": "7", "startDate": "2025-06-01", "rate": "lots"},
        {"id": "3", "employeeId": "7", "startDate": "not a date", "rate": "10.00 EUR"},
    ]
    target = tmp_path / "quarantine.duckdb"
    _land_history(target, "compensation", CompensationModel, raw, runs=2)

    kept, quarantined = _kept_and_refused(target, "compensation", "rate_amount, rate_currency")
    refused = dict(quarantined)
    assert kept == [(1, Decimal("75000.0000"), "USD")]
    # Once each, though read twice.
    assert [key for key, _ in quarantined] == ["2", "3"]
    assert "'lots' is not an amount with a currency" in refused["2"]
    assert refused["3"].startswith("start_date:")


def test_a_manager_given_by_name_is_kept_beside_one_given_by_id(tmp_path: Path) -> None:
    """jobInfo's `reportsTo` as a tenant may show it (a name) lands as a name, not in quarantine.

    The sandbox sends ids, so the rows are shaped here; staging finds the employee of a name
    (its unit test, stg_bamboohr__job_info).
    """
    raw = [
        {"id": "1", "employeeId": "7", "date": "2025-01-01", "reportsTo": "20"},
        {"id": "2", "employeeId": "8", "date": "2025-01-01", "reportsTo": " Ada Lovelace "},
        {"id": "3", "employeeId": "9", "date": "2025-01-01", "reportsTo": ""},
        {"id": "4", "employeeId": "9", "date": "not a date", "reportsTo": "Ada Lovelace"},
    ]
    target = tmp_path / "managers.duckdb"
    _land_history(target, "job_info", JobInfoModel, raw)
    kept, refused = _kept_and_refused(target, "job_info", "reports_to, reports_to_name")
    assert kept == [(1, 20, None), (2, None, "Ada Lovelace"), (3, None, None)]
    assert [key for key, _ in refused] == ["4"] and refused[0][1].startswith("date:")


def test_a_change_map_with_no_employee_may_come_as_an_empty_list() -> None:
    # BambooHR's change answers key employees by id (a JSON object); an empty map serialised by
    # a PHP backend can come as `[]`, which reads as no change, not as a crash.
    changed = {"5": {"id": "5", "action": "Deleted", "lastChanged": "2026-03-02T09:00:00+00:00"}}
    assert changed_employees({"latest": "2026-03-02T09:00:00+00:00", "employees": changed}) == (
        changed
    )
    assert changed_employees({"latest": "2026-03-02T09:00:00+00:00", "employees": []}) == {}
    assert changed_employees({}) == {}
