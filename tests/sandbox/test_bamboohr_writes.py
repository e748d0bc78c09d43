"""BambooHR writes: create (201 + Location), update, table rows, the create log, key lockout.

Writes share one private sandbox per module (rate limits on, as in `fresh_sandbox`); each test
uses its own employees and emails so the tests stay independent. The lockout test gets a
sandbox of its own because a lockout refuses every request from the client's address.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from PyBambooHR import PyBambooHR

from tests.support.sandbox_process import SandboxProcess, start_sandbox

KEY = ("sandbox-key", "x")
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox(tmp_path_factory.mktemp("bamboohr-writes"))
    yield process
    process.stop()


def api(sandbox: SandboxProcess, method: str, path: str, **kwargs: object) -> httpx.Response:
    kwargs.setdefault("auth", KEY)
    kwargs.setdefault("headers", JSON)
    return httpx.request(method, f"{sandbox.base('bamboohr')}{path}", timeout=30, **kwargs)


def new_email() -> str:
    return f"test.{uuid.uuid4().hex[:10]}@acme-consulting.example"


def hire(sandbox: SandboxProcess, **fields: str) -> str:
    """Create an employee of this test's own; returns its id."""
    body = {"firstName": "Test", "lastName": "Person", "workEmail": new_email(), **fields}
    response = api(sandbox, "POST", "/employees", json=body)
    assert response.status_code == 201, response.text
    return response.headers["Location"].rsplit("/", 1)[1]


def duplicates(sandbox: SandboxProcess) -> list[dict]:
    return httpx.get(f"{sandbox.base('control')}/truth/duplicates").json()["duplicates"]


def test_create_then_read_back(writable: SandboxProcess) -> None:
    email = new_email()
    created = api(
        writable,
        "POST",
        "/employees",
        json={
            "firstName": "Ada",
            "lastName": "Okafor",
            "workEmail": email,
            "department": "Strategy",
            "jobTitle": "Consultant",
            "hireDate": "2026-03-16",
            "customLegalEntity": "ACME-UK",
        },
    )
    assert created.status_code == 201
    location = created.headers["Location"]
    assert location.startswith(f"{writable.base('bamboohr')}/employees/")
    employee_id = location.rsplit("/", 1)[1]
    employee = httpx.get(
        location,
        params={"fields": "firstName,lastName,workEmail,status,customLegalEntity"},
        auth=KEY,
        headers=JSON,
    ).json()
    assert employee == {
        "id": employee_id,
        "firstName": "Ada",
        "lastName": "Okafor",
        "workEmail": email,
        "status": "Active",
        "customLegalEntity": "ACME-UK",
    }
    rows = api(writable, "GET", f"/employees/{employee_id}/tables/jobInfo").json()
    assert [(r["date"], r["department"]) for r in rows] == [("2026-03-16", "Strategy")]
    clock = httpx.get(f"{writable.base('control')}/clock").json()["business_now"]
    since = clock.replace("Z", "%2B00:00")
    changed = api(writable, "GET", f"/employees/changed?since={since}").json()["employees"]
    assert changed[employee_id]["action"] == "Inserted"
    assert employee_id not in {d["remote_id"] for d in duplicates(writable)}


def test_create_needs_first_and_last_name(writable: SandboxProcess) -> None:
    before = httpx.get(f"{writable.base('control')}/truth/counts").json()["bamboohr"]
    response = api(writable, "POST", "/employees", json={"firstName": "Solo"})
    assert response.status_code == 400
    assert "lastName" in response.headers["X-BambooHR-Error-Message"]
    after = httpx.get(f"{writable.base('control')}/truth/counts").json()["bamboohr"]
    assert after == before


def test_create_with_a_taken_email_is_logged_as_a_duplicate(writable: SandboxProcess) -> None:
    existing = api(writable, "GET", "/employees/102", params={"fields": "workEmail"}).json()
    response = api(
        writable,
        "POST",
        "/employees",
        json={
            "firstName": "Twin",
            "lastName": "Record",
            "workEmail": f"  {existing['workEmail'].upper()} ",
        },
    )
    assert response.status_code == 201
    new_id = response.headers["Location"].rsplit("/", 1)[1]
    found = [d for d in duplicates(writable) if d["remote_id"] == new_id]
    assert found == [
        {
            **found[0],
            "system": "bamboohr",
            "entity": "employees",
            "natural_key": existing["workEmail"].strip().lower(),
            "duplicate_of": "102",
        }
    ]


def test_update_bumps_last_changed_and_appends_job_info(writable: SandboxProcess) -> None:
    created = api(
        writable,
        "POST",
        "/employees",
        json={
            "firstName": "Bo",
            "lastName": "Lind",
            "workEmail": new_email(),
            "department": "Strategy",
            "division": "Acme Consulting Inc.",
            "location": "Boston",
            "jobTitle": "Consultant",
            "hireDate": "2026-01-05",
        },
    )
    employee_id = created.headers["Location"].rsplit("/", 1)[1]
    before = api(writable, "GET", f"/employees/{employee_id}", params={"fields": "lastChanged"})
    httpx.post(f"{writable.base('control')}/advance", params={"days": 1}, timeout=120)
    updated = api(
        writable,
        "POST",
        f"/employees/{employee_id}",
        json={"department": "Technology", "supervisorEId": "100"},
    )
    assert updated.status_code == 200
    after = api(
        writable,
        "GET",
        f"/employees/{employee_id}",
        params={"fields": "department,supervisorEId,supervisor,lastChanged"},
    ).json()
    assert after["department"] == "Technology" and after["supervisorEId"] == "100"
    assert after["supervisor"] == "Martinez, Mary"
    assert after["lastChanged"] > before.json()["lastChanged"]
    rows = api(writable, "GET", f"/employees/{employee_id}/tables/jobInfo").json()
    assert [(r["department"], r["reportsTo"]) for r in rows] == [
        ("Strategy", None),
        ("Technology", "100"),
    ]
    today = httpx.get(f"{writable.base('control')}/clock").json()["business_date"]
    assert rows[-1]["date"] == today


def test_pybamboohr_writes_xml(writable: SandboxProcess) -> None:
    client = PyBambooHR.PyBambooHR(subdomain="acme", api_key="sandbox-key")
    client.base_url = writable.base("bamboohr") + "/"
    result = client.add_employee(
        {"first_name": "Xml", "last_name": "Writer", "work_email": new_email()}
    )
    assert result["id"].isdigit()
    assert client.update_employee(result["id"], {"job_title": "Manager"}) is True
    employee = client.get_employee(result["id"], ["firstName", "jobTitle"])
    assert employee == {"id": result["id"], "firstName": "Xml", "jobTitle": "Manager"}


def test_termination_appends_an_employment_status_row(writable: SandboxProcess) -> None:
    leaver = hire(writable, hireDate="2025-06-02", employmentHistoryStatus="Full-Time")
    directory = api(writable, "GET", "/employees/directory").json()["employees"]
    assert leaver in {e["id"] for e in directory}
    updated = api(
        writable,
        "POST",
        f"/employees/{leaver}",
        json={"status": "Inactive", "terminationDate": "2026-03-20"},
    )
    assert updated.status_code == 200
    employee = api(
        writable,
        "GET",
        f"/employees/{leaver}",
        params={"fields": "status,terminationDate,employmentHistoryStatus"},
    ).json()
    assert employee["status"] == "Inactive"
    assert employee["employmentHistoryStatus"] == "Terminated"
    rows = api(writable, "GET", f"/employees/{leaver}/tables/employmentStatus").json()
    assert [(r["date"], r["employmentStatus"]) for r in rows] == [
        ("2025-06-02", "Full-Time"),
        ("2026-03-20", "Terminated"),
    ]
    directory = api(writable, "GET", "/employees/directory").json()["employees"]
    assert leaver not in {e["id"] for e in directory}


def test_update_refuses_bad_values_and_changes_nothing(writable: SandboxProcess) -> None:
    employee_id = hire(writable, hireDate="2026-01-05")
    fields = {"fields": "status,hireDate,supervisorEId,lastChanged"}
    before = api(writable, "GET", f"/employees/{employee_id}", params=fields).json()
    for body in (
        {"status": "Retired"},
        {"hireDate": "03/01/2026"},
        {"supervisorEId": "999999"},
        {"nothingKnown": "x"},
    ):
        response = api(writable, "POST", f"/employees/{employee_id}", json=body)
        assert response.status_code == 400, body
    assert api(writable, "GET", f"/employees/{employee_id}", params=fields).json() == before
    assert api(writable, "POST", "/employees/424242", json={"jobTitle": "X"}).status_code == 404


def test_add_compensation_row(writable: SandboxProcess) -> None:
    employee_id = hire(writable)
    posted = api(
        writable,
        "POST",
        f"/employees/{employee_id}/tables/compensation",
        json={
            "startDate": "2026-03-01",
            "rate": "88000.00 USD",
            "type": "Salary",
            "paidPer": "Year",
            "reason": "Promotion",
        },
    )
    assert posted.status_code == 200
    rows = api(writable, "GET", f"/employees/{employee_id}/tables/compensation").json()
    assert [(r["startDate"], r["rate"], r["reason"]) for r in rows] == [
        ("2026-03-01", "88000.00 USD", "Promotion")
    ]
    pay = api(writable, "GET", f"/employees/{employee_id}", params={"fields": "payRate,payType"})
    assert pay.json() == {"id": employee_id, "payRate": "88000.00 USD", "payType": "Salary"}
    bad = api(
        writable, "POST", f"/employees/{employee_id}/tables/compensation", json={"rate": "1 USD"}
    )
    assert bad.status_code == 400
    assert api(writable, "GET", f"/employees/{employee_id}/tables/compensation").json() == rows


def test_repeated_bad_keys_lock_the_api(fresh_sandbox: SandboxProcess) -> None:
    for _ in range(4):
        response = api(fresh_sandbox, "GET", "/employees/100", auth=("wrong-key", "x"))
        assert response.status_code == 401
    assert api(fresh_sandbox, "GET", "/employees/100").status_code == 200
    locked = api(fresh_sandbox, "GET", "/employees/100", auth=("wrong-key", "x"))
    assert locked.status_code == 403
    # Locked: even the right key is refused, and a write is not applied.
    assert api(fresh_sandbox, "GET", "/employees/100").status_code == 403
    refused = api(fresh_sandbox, "POST", "/employees", json={"firstName": "No", "lastName": "Body"})
    assert refused.status_code == 403
    counts = httpx.get(f"{fresh_sandbox.base('control')}/truth/counts").json()["bamboohr"]
    assert counts["employees"] == 200
