"""The BambooHR emulator over plain HTTP: auth, XML/JSON, the changed feeds, tables, deletions.

BambooHR's `since` must be URL-encoded: a raw '+' in the UTC offset decodes to a space and is
refused with a 400 that says so. Deleted employees vanish from every endpoint but
/employees/changed; BambooHR offers no API to delete one, so the deletion test marks the
employee deleted in the sandbox's store, as a deletion in BambooHR's own UI would.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import pytest
from PyBambooHR import utils as pybamboohr_utils

from tests.support.sandbox_process import SandboxProcess

KEY = ("sandbox-key", "any-password")
JSON = {"Accept": "application/json"}


def get(sandbox: SandboxProcess, path: str, **kwargs: object) -> httpx.Response:
    kwargs.setdefault("auth", KEY)
    return httpx.get(f"{sandbox.base('bamboohr')}{path}", timeout=30, **kwargs)


def changed_raw(sandbox: SandboxProcess, query: str) -> httpx.Response:
    """GET /employees/changed with a hand-built query string (nothing re-encoded)."""
    return get(sandbox, f"/employees/changed?{query}", headers=JSON)


@pytest.mark.parametrize(
    "since",
    [
        "2026-02-01T00:00:00Z",
        "2026-02-01T00:00:00+00:00",
        "2026-02-01T00:00:00+0000",
        "2026-02-01T01:00:00+01:00",  # the same instant, one hour east
        "2026-01-31T19:00:00-05:00",
    ],
)
def test_changed_since_accepts_each_offset_form(sandbox: SandboxProcess, since: str) -> None:
    reference = changed_raw(sandbox, "since=2026-02-01T00:00:00Z")
    response = changed_raw(sandbox, f"since={quote(since, safe='')}")
    assert response.status_code == 200
    assert response.json()["employees"] == reference.json()["employees"]
    assert response.json()["employees"], "the firm has changes in February"


def test_changed_since_refuses_a_raw_plus(sandbox: SandboxProcess) -> None:
    response = changed_raw(sandbox, "since=2026-02-01T00:00:00+00:00")
    assert response.status_code == 400
    message = response.headers["X-BambooHR-Error-Message"]
    assert "%2B" in message and "space" in message
    assert response.text == message
    # The same instant, encoded, is served.
    assert changed_raw(sandbox, "since=2026-02-01T00:00:00%2B00:00").status_code == 200


@pytest.mark.parametrize("since", ["", "yesterday", "2026-02-01", "2026-02-01T00:00:00"])
def test_changed_since_refuses_what_is_not_an_iso_timestamp(
    sandbox: SandboxProcess, since: str
) -> None:
    response = changed_raw(sandbox, f"since={since}")
    assert response.status_code == 400
    assert "since" in response.headers["X-BambooHR-Error-Message"]


def test_changed_is_inclusive_and_later_since_narrows(sandbox: SandboxProcess) -> None:
    wide = changed_raw(sandbox, "since=2026-02-01T00:00:00Z").json()
    latest = wide["latest"]
    narrow = changed_raw(sandbox, f"since={quote(latest, safe='')}").json()
    # Re-reading from `latest` returns the employees changed at that instant, and no others.
    assert narrow["employees"]
    assert {k for k, v in wide["employees"].items() if v["lastChanged"] == latest} == set(
        narrow["employees"]
    )
    later = datetime.fromisoformat(latest) + timedelta(seconds=1)
    after = changed_raw(sandbox, f"since={quote(later.isoformat(), safe='')}").json()
    assert after["employees"] == {}
    assert after["latest"] == later.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_unknown_company_and_bad_keys(sandbox: SandboxProcess) -> None:
    other = httpx.get(
        f"{sandbox.url}/bamboohr/api/gateway.php/globex/v1/employees/100", auth=KEY, headers=JSON
    )
    assert other.status_code == 404
    missing = get(sandbox, "/employees/100", auth=None, headers=JSON)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Basic")
    # Any password goes with the right key.
    assert get(sandbox, "/employees/100", auth=("sandbox-key", ""), headers=JSON).status_code == 200


def test_xml_unless_json_is_asked_for(sandbox: SandboxProcess) -> None:
    xml = get(sandbox, "/employees/100", params={"fields": "firstName,lastName,supervisor"})
    assert xml.status_code == 200
    assert xml.headers["content-type"].startswith("text/xml")
    assert '<employee id="100">' in xml.text and '<field id="firstName">' in xml.text
    directory = get(sandbox, "/employees/directory")
    assert directory.text.count("<employee ") == len(
        get(sandbox, "/employees/directory", headers=JSON).json()["employees"]
    )
    assert "<fieldset>" in directory.text


def test_get_employee_unknown_is_404(sandbox: SandboxProcess) -> None:
    assert get(sandbox, "/employees/424242", headers=JSON).status_code == 404
    assert get(sandbox, "/employees/not-an-id", headers=JSON).status_code == 404


def test_table_rows_in_json_and_in_pybamboohrs_xml(sandbox: SandboxProcess) -> None:
    rows = get(sandbox, "/employees/101/tables/jobInfo", headers=JSON).json()
    assert rows and all(r["employeeId"] == "101" for r in rows)
    assert {
        "id",
        "employeeId",
        "date",
        "department",
        "division",
        "location",
        "jobTitle",
        "reportsTo",
    } <= set(rows[0])
    xml = get(sandbox, "/employees/101/tables/jobInfo")
    parsed = pybamboohr_utils.transform_tabular_data(xml.content)
    assert [r["row_id"] for r in parsed["101"]] == [r["id"] for r in rows]
    assert parsed["101"][0]["department"] == rows[0]["department"]
    every = get(sandbox, "/employees/all/tables/employmentStatus", headers=JSON).json()
    counts = httpx.get(f"{sandbox.base('control')}/truth/counts").json()["bamboohr"]
    assert len(every) == counts["employment_status"]
    assert get(sandbox, "/employees/101/tables/bogus", headers=JSON).status_code == 404


def test_time_off_requests_need_a_date_window(sandbox: SandboxProcess) -> None:
    response = get(sandbox, "/time_off/requests", params={"start": "2026-02-01"}, headers=JSON)
    assert response.status_code == 400
    by_employee = get(
        sandbox,
        "/time_off/requests",
        params={"start": "2025-01-01", "end": "2026-12-31", "employeeId": "101"},
        headers=JSON,
    ).json()
    assert all(r["employeeId"] == 101 for r in by_employee)


def test_custom_report_covers_every_live_employee(sandbox: SandboxProcess) -> None:
    response = httpx.post(
        f"{sandbox.base('bamboohr')}/reports/custom?format=JSON",
        auth=KEY,
        headers=JSON,
        json={"title": "all", "fields": ["employeeNumber", "workEmail", "status", "payRate"]},
    )
    assert response.status_code == 200
    report = response.json()
    counts = httpx.get(f"{sandbox.base('control')}/truth/counts").json()["bamboohr"]
    assert len(report["employees"]) == counts["employees"]
    assert {e["status"] for e in report["employees"]} <= {"Active", "Inactive"}
    assert [f["id"] for f in report["fields"]] == [
        "employeeNumber",
        "workEmail",
        "status",
        "payRate",
    ]


def test_deleted_employee_shows_only_in_changed(fresh_sandbox: SandboxProcess) -> None:
    before = httpx.get(f"{fresh_sandbox.base('control')}/truth/counts").json()["bamboohr"]
    now = httpx.get(f"{fresh_sandbox.base('control')}/clock").json()["business_now"]
    stamp = datetime.fromisoformat(now).astimezone(UTC)
    conn = sqlite3.connect(fresh_sandbox.state, timeout=30)
    with conn:
        conn.execute(
            "update bamboohr_employees set deletedAt = ? where id = 101",
            (stamp.strftime("%Y-%m-%dT%H:%M:%S+00:00"),),
        )
    conn.close()
    assert get(fresh_sandbox, "/employees/101", headers=JSON).status_code == 404
    directory = get(fresh_sandbox, "/employees/directory", headers=JSON).json()["employees"]
    assert "101" not in {e["id"] for e in directory}
    assert get(fresh_sandbox, "/employees/101/tables/jobInfo", headers=JSON).status_code == 404
    since = quote((stamp - timedelta(hours=1)).isoformat(), safe="")
    changed = changed_raw(fresh_sandbox, f"since={since}").json()["employees"]
    assert changed["101"]["action"] == "Deleted"
    deleted_only = changed_raw(fresh_sandbox, f"since={since}&type=deleted").json()["employees"]
    assert set(deleted_only) == {"101"}
    after = httpx.get(f"{fresh_sandbox.base('control')}/truth/counts").json()["bamboohr"]
    assert after["employees"] == before["employees"] - 1
    assert after["job_info"] < before["job_info"]
