"""PyBambooHR 0.8.1, BambooHR's community Python client, driven against the HCM emulator.

The client builds its base URL from the company subdomain
(`https://api.bamboohr.com/api/gateway.php/{subdomain}/v1/`) and offers no option to change it,
so the tests set its `base_url` attribute after construction and change nothing else. Its
`get_tabular_data` parses XML while sending `Accept: application/json` (BambooHR answers JSON
then), so table rows are read here through `get_employee_changed_table`, and the XML table shape
is checked against the client's own XML parser in test_bamboohr_api.py.
"""

from __future__ import annotations

import datetime

import httpx
import pytest
from PyBambooHR import PyBambooHR

from tests.support.sandbox_process import SandboxProcess

KEY = ("sandbox-key", "x")
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def client(sandbox: SandboxProcess) -> PyBambooHR.PyBambooHR:
    bamboo = PyBambooHR.PyBambooHR(subdomain="acme", api_key="sandbox-key")
    assert bamboo.base_url == "https://api.bamboohr.com/api/gateway.php/acme/v1/"
    bamboo.base_url = sandbox.base("bamboohr") + "/"  # the only change: where to send requests
    return bamboo


def test_directory_lists_active_current_employees(
    client: PyBambooHR.PyBambooHR, sandbox: SandboxProcess
) -> None:
    employees = client.get_employee_directory()
    counts = httpx.get(f"{sandbox.base('control')}/truth/counts").json()["bamboohr"]
    assert 0 < len(employees) <= counts["employees"]
    first = employees[0]
    for field in (
        "id",
        "displayName",
        "firstName",
        "lastName",
        "workEmail",
        "department",
        "division",
        "location",
        "jobTitle",
        "supervisor",
    ):
        assert field in first
    # Every directory entry is an Active employee when read one by one.
    sample = employees[:: max(1, len(employees) // 10)]
    for entry in sample:
        status = client.get_employee(entry["id"], ["status"])["status"]
        assert status == "Active"


def test_get_employee_returns_the_named_fields_as_strings(client: PyBambooHR.PyBambooHR) -> None:
    first_id = client.get_employee_directory()[1]["id"]
    employee = client.get_employee(
        first_id,
        [
            "first_name",
            "last_name",
            "work_email",
            "hire_date",
            "department",
            "supervisor",
            "customLegalEntity",
            "customLaborCategory",
        ],
    )
    assert employee["id"] == first_id
    assert set(employee) == {
        "id",
        "firstName",
        "lastName",
        "workEmail",
        "hireDate",
        "department",
        "supervisor",
        "customLegalEntity",
        "customLaborCategory",
    }
    assert employee["customLegalEntity"] in ("ACME-US", "ACME-UK", "ACME-DE")
    datetime.date.fromisoformat(employee["hireDate"])
    assert all(isinstance(v, str) for v in employee.values() if v is not None)


def test_get_employee_with_the_clients_full_field_list(client: PyBambooHR.PyBambooHR) -> None:
    # With no field list PyBambooHR asks for its ~90 known fields; unknown ones are left out.
    employee = client.get_employee(100)
    assert employee["id"] == "100"
    assert employee["employeeNumber"] == "E10000"
    assert employee["status"] in ("Active", "Inactive")
    assert "ssn" not in employee


def test_changed_since_maps_ids_to_actions(client: PyBambooHR.PyBambooHR) -> None:
    since = datetime.datetime(2026, 2, 1)
    changes = client.get_employee_changes(since=since)
    assert changes["employees"], "the generated firm has hires and changes in February"
    for employee_id, entry in changes["employees"].items():
        assert entry["id"] == employee_id
        assert entry["action"] in ("Inserted", "Updated", "Deleted")
        changed = datetime.datetime.fromisoformat(entry["lastChanged"])
        assert changed >= since.replace(tzinfo=datetime.UTC)
    assert changes["latest"] == max(e["lastChanged"] for e in changes["employees"].values())
    inserted = client.get_employee_changes(since=since, _type="inserted")["employees"]
    assert inserted and all(e["action"] == "Inserted" for e in inserted.values())
    assert set(inserted) <= set(changes["employees"])


def test_changed_table_gives_every_row_of_each_changed_employee(
    client: PyBambooHR.PyBambooHR, sandbox: SandboxProcess
) -> None:
    since = datetime.datetime(2026, 2, 1)
    changed = client.get_employee_changes(since=since)["employees"]
    table = client.get_employee_changed_table("compensation", since=since)
    live = {k for k, v in changed.items() if v["action"] != "Deleted"}
    assert set(table["employees"]) == live
    employee_id, entry = next(iter(table["employees"].items()))
    direct = httpx.get(
        f"{sandbox.base('bamboohr')}/employees/{employee_id}/tables/compensation",
        auth=KEY,
        headers=JSON,
    ).json()
    assert entry["rows"] == direct
    amount, currency = entry["rows"][0]["rate"].split(" ")
    assert float(amount) > 0 and currency in ("USD", "GBP", "EUR")
    assert f"{float(amount):.2f}" == amount  # money as "75000.00 USD"
    job_info = client.get_employee_changed_table("jobInfo", since=since)
    assert set(job_info["employees"]) == live
    assert all(row["date"] for e in job_info["employees"].values() for row in e["rows"])


def test_time_off_and_whos_out(client: PyBambooHR.PyBambooHR) -> None:
    requests = client.get_time_off_requests(start_date="2026-01-01", end_date="2026-02-28")
    assert requests
    request = requests[0]
    assert {"id", "employeeId", "name", "status", "start", "end", "type", "amount"} <= set(request)
    assert request["amount"]["unit"] == "days"
    assert request["start"] <= "2026-02-28" and request["end"] >= "2026-01-01"
    approved = client.get_time_off_requests(
        start_date="2026-01-01", end_date="2026-02-28", status="approved"
    )
    assert approved and all(r["status"]["status"] == "approved" for r in approved)
    out = client.get_whos_out(start_date="2026-01-01", end_date="2026-02-28")
    assert {e["id"] for e in out} == {r["id"] for r in approved}
