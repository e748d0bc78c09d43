"""The NetSuite source against a real sandbox over HTTP (TBA signatures verified, 5 in flight).

One sandbox serves the module and its clock only moves forward: the first run, then a day of
activity with deletes made through the Record API, then a run killed with SIGKILL, a run under
faults, a row broken at the source, and wrong credentials.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import dlt
import httpx
import orjson
import pytest
import requests
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_sources.common.config import Instance, MissingSetting
from dlt_sources.netsuite import netsuite_source
from dlt_sources.netsuite.helpers import (
    NetSuiteError,
    after,
    latest,
    select_list,
    stamp_text,
    throttle_codes,
    throttled_by,
    to_date,
)
from dlt_sources.netsuite.settings import TABLES as SPECS
from orchestration.lib.pipelines import build_pipeline
from tests.sources.conftest import raw_counts, truth_counts
from tests.sources.netsuite_helpers import (
    TABLES,
    delete_record,
    duplicate_keys,
    suiteql,
    warehouse_values,
)
from tests.support.sandbox_process import REPO, SandboxProcess, start_sandbox
from tests.support.sources import faults_injected, point_sources_at

SOURCE_RELATION = "netsuite_sandbox"
INCREMENTAL = [t.name for t in SPECS.values() if t.cursor]


def _cursors(pipeline: dlt.Pipeline, table: str) -> dict[str, str]:
    resources = pipeline.state["sources"]["netsuite"]["resources"]
    return resources[table][SOURCE_RELATION]


def test_first_run_lands_every_table_equal_to_truth(
    aimed: SandboxProcess, pipeline_for: Callable[[str], dlt.Pipeline], warehouse: Path
) -> None:
    pipeline = pipeline_for("netsuite")
    started = time.monotonic()
    pipeline.run(netsuite_source())
    elapsed = time.monotonic() - started

    truth = truth_counts(aimed, "netsuite")
    assert set(truth) == set(TABLES)
    assert raw_counts(warehouse, "netsuite", TABLES) == truth
    assert all(n == 0 for n in duplicate_keys(warehouse).values())
    # Strings arrive typed: decimals, booleans, dates and ids are columns of their own type.
    types = dict(
        warehouse_values(
            warehouse,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_netsuite' and table_name = 'employees'",
        )
    )
    assert types["laborcost"].startswith("DECIMAL")
    assert types["isinactive"] == "BOOLEAN"
    assert types["hiredate"] == "DATE"
    assert types["id"] == "BIGINT"
    assert warehouse_values(
        warehouse, "select count(*) from raw_netsuite.employees where source_relation is null"
    ) == [(0,)]
    rows = sum(truth.values())
    assert rows / elapsed > 200, f"{rows} rows in {elapsed:.1f}s"


def test_a_cursor_saved_in_iso_form_goes_on_in_the_to_char_form() -> None:
    # Cursors were saved as SuiteQL's ISO text before the source selected dates through TO_CHAR;
    # a run after the upgrade compares and bounds them as the same moments.
    assert latest("2026-03-01T09:00:00Z", "2026-03-01 08:59:59") == "2026-03-01 09:00:00"
    assert latest("2026-03-01T09:00:00Z", "2026-03-01 09:00:01") == "2026-03-01 09:00:01"
    assert to_date("2026-03-01T09:00:00Z") == to_date("2026-03-01 09:00:00")
    assert latest("2026-03-01T11:00:00+02:00") == "2026-03-01 09:00:00"
    # A date in the user's format, saved by a run before TO_CHAR: a clear error, not a guess.
    with pytest.raises(NetSuiteError, match="drop the table's state"):
        to_date("3/2/2026")


def _answer(status: int, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content = status, body
    return response


def test_an_answer_naming_a_throttle_code_is_retried_whatever_its_status() -> None:
    # CONVENTIONS.md: NetSuite's status for too many requests is unverified (429 assumed); an
    # answer naming a throttle code is retried like a 429, and the codes are an instance setting.
    def problem(code: str) -> bytes:
        return orjson.dumps({"o:errorDetails": [{"detail": "...", "o:errorCode": code}]})

    default = throttled_by(throttle_codes(Instance("netsuite", "acme", "http://x")))
    assert default(_answer(400, problem("SSS_REQUEST_LIMIT_EXCEEDED")), None)
    assert default(_answer(403, problem("CONCURRENCY_LIMIT_EXCEEDED")), None)
    # Refused for good: retrying would change nothing.
    assert not default(_answer(400, problem("INVALID_PARAMETER")), None)
    assert not default(_answer(400, b"<html>not json</html>"), None)
    assert not default(_answer(200, problem("SSS_REQUEST_LIMIT_EXCEEDED")), None)
    assert not default(None, requests.ConnectionError())
    configured = Instance("netsuite", "acme", "http://x", {"throttle_error_codes": "TOO_BUSY"})
    custom = throttled_by(throttle_codes(configured))
    assert custom(_answer(400, problem("TOO_BUSY")), None)
    assert not custom(_answer(400, problem("SSS_REQUEST_LIMIT_EXCEEDED")), None)


def test_a_lines_gl_impact_is_read_from_its_accounting_line() -> None:
    # SuiteQL keeps account, debit and credit on transactionaccountingline: the lines' query
    # joins it and qualifies every field both records have, in SELECT, ORDER BY and the keyset.
    lines = SPECS["transaction_lines"]
    assert "LEFT JOIN transactionaccountingline gl" in lines.joins
    selected = select_list(lines.columns, lines.sources)
    stamp = "transactionline.linelastmodifieddate"
    assert selected.startswith(
        "transactionline.uniquekey AS uniquekey, transactionline.transaction AS transaction, "
        "transactionline.id AS id, gl.account AS account, gl.debit AS debit, "
        "gl.credit AS credit, memo, "  # the line's own fields stay bare
    )
    assert selected.endswith(f"TO_CHAR({stamp}, 'YYYY-MM-DD HH24:MI:SS') AS linelastmodifieddate")
    order = tuple(lines.source_of(c) for c in (lines.cursor, lines.key))
    bound = "TO_DATE('2026-03-01 09:00:00', 'YYYY-MM-DD HH24:MI:SS')"
    assert after(order, ("2026-03-01 09:00:00", "7")) == (
        f"{stamp} > {bound} OR ({stamp} = {bound} AND transactionline.uniquekey > 7)"
    )


def test_second_run_reads_only_changes_and_applies_deletes(
    aimed: SandboxProcess, pipeline_for: Callable[[str], dlt.Pipeline], warehouse: Path
) -> None:
    pipeline = pipeline_for("netsuite")
    if not pipeline.state.get("sources"):
        pipeline.run(netsuite_source())
    sizes = raw_counts(warehouse, "netsuite", TABLES)

    httpx.post(aimed.base("control") + "/advance", params={"days": 1}, timeout=600)
    employee = suiteql(aimed, "SELECT id FROM employee ORDER BY id")[3]["id"]
    allocation = suiteql(aimed, "SELECT id FROM resourceallocation ORDER BY id")[5]["id"]
    journal = suiteql(aimed, "SELECT id FROM transaction ORDER BY id")[0]["id"]
    journal_lines = warehouse_values(
        warehouse,
        f'select count(*) from raw_netsuite.transaction_lines where "transaction" = {journal}',
    )[0][0]
    assert journal_lines > 0
    delete_record(aimed, "employee", int(employee))
    delete_record(aimed, "resourceAllocation", int(allocation))
    delete_record(aimed, "journalentry", int(journal))

    # What the cursors say changed since the first run, measured by the sandbox itself.
    changed = {}
    for table in INCREMENTAL:
        spec = SPECS[table]
        stamp = to_date(_cursors(pipeline, table)["modified"])
        changed[table] = int(
            suiteql(
                aimed,
                f"SELECT COUNT(*) AS n FROM {spec.record} WHERE {spec.cursor} >= {stamp}",
            )[0]["n"]
        )

    pipeline.run(netsuite_source())
    fetched = pipeline.last_trace.last_normalize_info.row_counts

    # The incremental tables fetched what changed (plus the three tombstones), nothing more.
    assert fetched["employees"] == changed["employees"] + 1
    assert fetched["resource_allocations"] == changed["resource_allocations"] + 1
    assert fetched["transactions"] == changed["transactions"] + 1
    assert fetched["transaction_lines"] == changed["transaction_lines"] + journal_lines
    assert fetched.get("customers", 0) == changed["customers"]
    assert fetched.get("jobs", 0) == changed["jobs"]
    assert fetched["transaction_lines"] < sizes["transaction_lines"] * 0.1
    assert sum(fetched.get(t, 0) for t in INCREMENTAL) < sum(sizes[t] for t in INCREMENTAL) * 0.2

    truth = truth_counts(aimed, "netsuite")
    assert raw_counts(warehouse, "netsuite", TABLES) == truth
    assert all(n == 0 for n in duplicate_keys(warehouse).values())
    for table, key, value in (
        ("employees", "id", employee),
        ("resource_allocations", "id", allocation),
        ("transactions", "id", journal),
        ("transaction_lines", '"transaction"', journal),
    ):
        assert warehouse_values(
            warehouse, f"select count(*) from raw_netsuite.{table} where {key} = {value}"
        ) == [(0,)], table


def test_a_line_taken_out_of_a_journal_is_deleted(tmp_path: Path, monkeypatch) -> None:
    # `deletedrecord` lists whole records: a line a person takes out of a journal that stays
    # leaves only the journal's lastmodifieddate, so the lines of journals modified since the
    # last run are compared with NetSuite's.
    sandbox = start_sandbox(tmp_path / "sandbox", rate_limits=False)
    try:
        point_sources_at(monkeypatch, sandbox)
        warehouse = tmp_path / "warehouse.duckdb"
        pipeline = build_pipeline("netsuite", warehouse=warehouse, pipelines_dir=tmp_path / "p")
        pipeline.run(netsuite_source())
        now = httpx.get(sandbox.base("control") + "/clock", timeout=30).json()["business_now"]
        with closing(sqlite3.connect(sandbox.state, timeout=30)) as conn, conn:
            journal, removed = conn.execute(
                'select "transaction", max(uniquekey) from ns_transactionline '
                'group by "transaction" having count(*) > 2 order by "transaction" limit 1'
            ).fetchone()
            conn.execute("delete from ns_transactionline where uniquekey = ?", (removed,))
            conn.execute(
                "update ns_transaction set lastmodifieddate = ? where id = ?", (now, journal)
            )
            kept = [
                key
                for (key,) in conn.execute(
                    'select uniquekey from ns_transactionline where "transaction" = ? '
                    "order by uniquekey",
                    (journal,),
                )
            ]

        pipeline.run(netsuite_source())

        held = warehouse_values(
            warehouse,
            "select uniquekey from raw_netsuite.transaction_lines "
            f'where "transaction" = {journal} order by uniquekey',
        )
        assert [key for (key,) in held] == kept  # the other lines stay
        # The check's own cursor moved to that journal's stamp (a header-only edit moves it too).
        assert _cursors(pipeline, "transaction_lines")["journals"] == stamp_text(now)
        truth = truth_counts(sandbox, "netsuite")
        assert raw_counts(warehouse, "netsuite", TABLES) == truth
        assert all(n == 0 for n in duplicate_keys(warehouse).values())
    finally:
        sandbox.stop()


def test_a_reference_row_deleted_in_netsuite_leaves_the_warehouse_an_empty_answer_deletes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Reference tables are re-read in full and have no cursor: a class a person deleted is
    # simply no longer returned. A record type that answers nothing at all (a role that lost its
    # permission reads so) deletes nothing.
    sandbox = start_sandbox(tmp_path / "sandbox", rate_limits=False)
    try:
        point_sources_at(monkeypatch, sandbox)
        warehouse = tmp_path / "warehouse.duckdb"
        pipeline = build_pipeline("netsuite", warehouse=warehouse, pipelines_dir=tmp_path / "p")
        now = httpx.get(sandbox.base("control") + "/clock", timeout=30).json()["business_now"]
        with closing(sqlite3.connect(sandbox.state, timeout=30)) as conn, conn:
            conn.execute(
                "insert into ns_classification (id, name, lastmodifieddate) "
                "values (990001, 'Short-lived class', ?)",
                (now,),
            )
        pipeline.run(netsuite_source())
        classes = "select id from raw_netsuite.classifications order by id"
        locations = "select id from raw_netsuite.locations order by id"
        loaded_classes = warehouse_values(warehouse, classes)
        loaded_locations = warehouse_values(warehouse, locations)
        assert (990001,) in loaded_classes and loaded_locations

        with closing(sqlite3.connect(sandbox.state, timeout=30)) as conn, conn:
            conn.execute("delete from ns_classification where id = 990001")
            conn.execute("delete from ns_location")
        with caplog.at_level("WARNING"):
            pipeline.run(netsuite_source())

        # Refused: the deleted class; kept: every other class, and every location.
        assert warehouse_values(warehouse, classes) == [
            row for row in loaded_classes if row != (990001,)
        ]
        assert warehouse_values(warehouse, locations) == loaded_locations
        assert "location returned no rows" in caplog.text and "nothing deleted" in caplog.text
        assert all(n == 0 for n in duplicate_keys(warehouse).values())
    finally:
        sandbox.stop()


CHILD = """
import sys
from pathlib import Path
from dlt_sources.netsuite import helpers, netsuite_source
from orchestration.lib.pipelines import build_pipeline

marks = Path(sys.argv[3])
page = helpers.NetSuiteClient.page

def counted(self, query, limit=helpers.PAGE_SIZE):
    with marks.open("a") as out:
        out.write("page\\n")
    return page(self, query, limit)

helpers.NetSuiteClient.page = counted
pipeline = build_pipeline("netsuite", warehouse=Path(sys.argv[1]), pipelines_dir=Path(sys.argv[2]))
pipeline.run(netsuite_source())
"""


def test_killed_run_then_rerun_lands_truth(aimed: SandboxProcess, tmp_path: Path) -> None:
    warehouse, pipelines, marks = tmp_path / "w.duckdb", tmp_path / "pipelines", tmp_path / "marks"
    env = {
        **os.environ,
        "SOURCES__NETSUITE__SANDBOX__BASE_URL": aimed.base("netsuite"),
        "CROSSWALK_PROFILE": "sandbox",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(warehouse), str(pipelines), str(marks)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if marks.exists() and len(marks.read_text().splitlines()) >= 12:
            break
        time.sleep(0.05)
    assert child.poll() is None, "the run ended before it could be killed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    pipeline = build_pipeline("netsuite", warehouse=warehouse, pipelines_dir=pipelines)
    pipeline.run(netsuite_source())
    assert raw_counts(warehouse, "netsuite", TABLES) == truth_counts(aimed, "netsuite")
    assert all(n == 0 for n in duplicate_keys(warehouse).values())


def test_full_run_under_faults_lands_truth(aimed: SandboxProcess, tmp_path: Path) -> None:
    # Throttles come as 400 + the throttle's error code (NetSuite's 429 is unverified), two of
    # them surely: they are waited out like 429s, not taken for a refused query.
    faults = aimed.base("control") + "/faults"
    before = faults_injected(aimed, "netsuite")
    throttles_before = faults_injected(aimed, "netsuite", "throttle")
    overrides = {
        "netsuite_throttle_status": 400,
        "throttle_next": {"POST /netsuite/services/rest/query/v1/suiteql": 2},
    }
    profile = {"profile": "default", "overrides": overrides}
    httpx.post(faults, json=profile, timeout=30).raise_for_status()
    try:
        warehouse = tmp_path / "w.duckdb"
        pipeline = build_pipeline("netsuite", warehouse=warehouse, pipelines_dir=tmp_path / "p")
        pipeline.run(netsuite_source())
        met = faults_injected(aimed, "netsuite") - before
        throttled = faults_injected(aimed, "netsuite", "throttle") - throttles_before
    finally:
        httpx.post(faults, json={"profile": "none"}, timeout=30).raise_for_status()
    assert raw_counts(warehouse, "netsuite", TABLES) == truth_counts(aimed, "netsuite")
    assert all(n == 0 for n in duplicate_keys(warehouse).values())
    assert throttled >= 2, f"{met} faults, {throttled} of them throttles"


def test_row_broken_at_the_source_is_quarantined(aimed: SandboxProcess, tmp_path: Path) -> None:
    # NetSuite seeds no dirty records; break an employee's labour cost and a journal line's debit
    # in the sandbox's store (the Record API would refuse both) and read them into a fresh
    # warehouse.
    broken = int(suiteql(aimed, "SELECT id FROM employee ORDER BY id")[7]["id"])
    lines = suiteql(aimed, "SELECT uniquekey FROM transactionline ORDER BY uniquekey")
    line = int(lines[9]["uniquekey"])
    with sqlite3.connect(aimed.state, timeout=30) as conn:
        cost = conn.execute("select laborcost from ns_employee where id = ?", (broken,)).fetchone()
        debit = conn.execute(
            "select debit from ns_transactionline where uniquekey = ?", (line,)
        ).fetchone()
        conn.execute("update ns_employee set laborcost = 'n/a' where id = ?", (broken,))
        conn.execute("update ns_transactionline set debit = '12,5' where uniquekey = ?", (line,))
    try:
        warehouse = tmp_path / "w.duckdb"
        pipeline = build_pipeline("netsuite", warehouse=warehouse, pipelines_dir=tmp_path / "p")
        pipeline.run(netsuite_source().with_resources("employees", "transaction_lines"))
    finally:
        with sqlite3.connect(aimed.state, timeout=30) as conn:
            conn.execute("update ns_employee set laborcost = ? where id = ?", (cost[0], broken))
            conn.execute(
                "update ns_transactionline set debit = ? where uniquekey = ?", (debit[0], line)
            )

    truth = truth_counts(aimed, "netsuite")["employees"]
    kept = raw_counts(warehouse, "netsuite", ["employees"])["employees"]
    quarantined = warehouse_values(
        warehouse, "select record_key, reason, raw from raw_netsuite.employees__quarantine"
    )
    assert kept + len(quarantined) == truth
    assert [(key, "laborcost" in reason) for key, reason, _ in quarantined] == [(str(broken), True)]
    assert '"n/a"' in quarantined[0][2]
    # The quarantine table has the quarantine shape only, not the record's columns or key.
    shape = warehouse_values(
        warehouse,
        "select column_name from information_schema.columns where table_schema = 'raw_netsuite' "
        "and table_name = 'employees__quarantine' and column_name not like '_dlt%'",
    )
    assert {c for (c,) in shape} == {
        "source_relation",
        "record_key",
        "reason",
        "raw",
        "quarantined_at",
    }
    assert warehouse_values(
        warehouse, f"select count(*) from raw_netsuite.employees where id = {broken}"
    ) == [(0,)]
    # Transaction lines (Arrow pages) quarantine the same way, beside their Arrow table.
    truth_lines = truth_counts(aimed, "netsuite")["transaction_lines"]
    kept_lines = raw_counts(warehouse, "netsuite", ["transaction_lines"])["transaction_lines"]
    bad_lines = warehouse_values(
        warehouse, "select record_key, reason from raw_netsuite.transaction_lines__quarantine"
    )
    assert kept_lines + len(bad_lines) == truth_lines
    assert [(key, "debit" in reason) for key, reason in bad_lines] == [(str(line), True)]


def test_wrong_credential_fails_fast_naming_the_setting(
    aimed: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSWALK_PROFILE", "tenant")
    wrong = "not-the-token-secret-4711"
    for key, value in {
        "CONSUMER_KEY": "sandbox-consumer",
        "CONSUMER_SECRET": "sandbox-consumer-secret",
        "TOKEN_ID": "sandbox-token-id",
        "TOKEN_SECRET": wrong,
    }.items():
        monkeypatch.setenv(f"SOURCES__NETSUITE__SANDBOX__{key}", value)
    warehouse = tmp_path / "w.duckdb"
    pipeline = build_pipeline("netsuite", warehouse=warehouse, pipelines_dir=tmp_path / "p")
    started = time.monotonic()
    with pytest.raises(PipelineStepFailed) as failed:
        pipeline.run(netsuite_source())
    assert time.monotonic() - started < 15
    message = str(failed.value)
    assert "netsuite/sandbox" in message
    assert "token_secret" in message
    assert wrong not in message
    assert not warehouse.exists() or not warehouse_values(
        warehouse,
        "select table_name from information_schema.tables where table_schema = 'raw_netsuite' "
        "and table_name = 'employees'",
    )

    # A secret left unset in a tenant profile is refused before any request, by name.
    monkeypatch.delenv("SOURCES__NETSUITE__SANDBOX__TOKEN_SECRET")
    with pytest.raises(MissingSetting) as missing:
        netsuite_source()
    assert "sources.netsuite.sandbox.token_secret" in str(missing.value)
