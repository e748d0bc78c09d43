"""Gusto writes over real HTTP: versions, tokens, API versions, duplicates, terminations.

Every refusal asserts both sides: the answer Gusto would give, and that the record (and the
change feed) kept its state.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.gusto import CLIENT, GustoSession, gusto_root, open_session, refresh
from tests.support.sandbox_process import SandboxProcess, start_sandbox


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A private sandbox for this module's writes (vendor rate limits on)."""
    process = start_sandbox(tmp_path_factory.mktemp("gusto-writes"))
    yield process
    process.stop()


@pytest.fixture()
def gusto(writable: SandboxProcess) -> Iterator[GustoSession]:
    session = open_session(writable)
    yield session
    session.close()


def _first_employee(gusto: GustoSession) -> dict:
    path = f"/v1/companies/{gusto.company_uuid}/employees"
    return next(e for e in gusto.get(path, per=50).json() if not e["terminated"] and e["jobs"])


def _events_about(gusto: GustoSession, entity_uuid: str) -> list[dict]:
    feed = gusto.events(limit="100", sort_order="desc").json()
    return [e for e in feed if e["entity_uuid"] == entity_uuid]


def test_stale_version_is_refused_and_changes_nothing(gusto: GustoSession) -> None:
    employee = _first_employee(gusto)
    path = f"/v1/employees/{employee['uuid']}"
    ok = gusto.client.put(path, json={"version": employee["version"], "first_name": "Renamed"})
    assert ok.status_code == 200
    current = ok.json()
    assert current["first_name"] == "Renamed" and current["version"] != employee["version"]
    events_before = _events_about(gusto, employee["uuid"])
    assert events_before[0]["event_type"] == "employee.updated"

    stale = gusto.client.put(path, json={"version": employee["version"], "first_name": "Lost"})
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["error_key"] == "version"
    missing = gusto.client.put(path, json={"first_name": "Lost"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["error_key"] == "version"

    kept = gusto.get(path).json()
    assert kept["first_name"] == "Renamed"
    assert kept["version"] == current["version"]
    assert _events_about(gusto, employee["uuid"]) == events_before


def test_compensation_change_reaches_its_job(gusto: GustoSession) -> None:
    job = _first_employee(gusto)["jobs"][0]
    comp = job["compensations"][0]
    stale = gusto.client.put(
        f"/v1/compensations/{comp['uuid']}", json={"version": "0" * 32, "rate": "1.00"}
    )
    assert stale.status_code == 409
    assert gusto.get(f"/v1/compensations/{comp['uuid']}").json()["rate"] == comp["rate"]
    new_rate = f"{float(comp['rate']) + 1000:.2f}"
    changed = gusto.client.put(
        f"/v1/compensations/{comp['uuid']}", json={"version": comp["version"], "rate": new_rate}
    )
    assert changed.status_code == 200 and changed.json()["rate"] == new_rate
    job_now = gusto.get(f"/v1/jobs/{job['uuid']}").json()
    assert job_now["rate"] == new_rate and job_now["version"] != job["version"]
    event = _events_about(gusto, comp["uuid"])[0]
    assert (event["event_type"], event["entity_type"]) == (
        "employee_job_compensation.updated",
        "Compensation",
    )


def test_unknown_and_expired_tokens_get_401(writable: SandboxProcess, gusto: GustoSession) -> None:
    employee = _first_employee(gusto)
    path = f"{gusto_root(writable)}/v1/employees/{employee['uuid']}"
    unknown = httpx.put(
        path,
        headers={"Authorization": "Bearer not-a-token"},
        json={"version": employee["version"], "last_name": "Intruder"},
    )
    assert unknown.status_code == 401
    assert "invalid_token" in unknown.headers["WWW-Authenticate"]
    assert httpx.get(path).status_code == 401  # no Authorization at all

    expiring = open_session(writable)
    try:
        # Two hours of wall clock cannot pass in a test: age the token where the sandbox keeps it.
        with sqlite3.connect(writable.state, timeout=30) as db:
            db.execute(
                "update gusto_tokens set expires_at = ? where access_token = ?",
                (time.time() - 1, expiring.access_token),
            )
        expired = expiring.client.put(
            f"/v1/employees/{employee['uuid']}",
            json={"version": employee["version"], "last_name": "Expired"},
        )
        assert expired.status_code == 401
        assert "expired" in expired.json()["errors"][0]["message"]
    finally:
        expiring.close()
    kept = gusto.get(f"/v1/employees/{employee['uuid']}").json()
    assert kept["last_name"] == employee["last_name"] and kept["version"] == employee["version"]


def test_token_endpoint_refuses_bad_grants_and_takes_forms(
    writable: SandboxProcess, gusto: GustoSession
) -> None:
    bad_refresh = refresh(writable, "not-a-refresh-token")
    assert bad_refresh.status_code == 401
    assert bad_refresh.json()["error"] == "invalid_grant"
    bad_client = httpx.post(
        f"{gusto_root(writable)}/oauth/token",
        json={
            **CLIENT,
            "client_secret": "wrong",
            "grant_type": "refresh_token",
            "refresh_token": "sandbox-refresh",
        },
    )
    assert bad_client.status_code == 401
    assert bad_client.json()["error"] == "invalid_client"
    assert "access_token" not in bad_client.json()
    form = httpx.post(
        f"{gusto_root(writable)}/oauth/token",
        data={**CLIENT, "grant_type": "refresh_token", "refresh_token": "sandbox-refresh-de"},
    )
    assert form.status_code == 200
    headers = {"Authorization": f"Bearer {form.json()['access_token']}"}
    info = httpx.get(f"{gusto_root(writable)}/v1/token_info", headers=headers).json()
    de_company = info["resource"]["uuid"]
    assert de_company != gusto.company_uuid
    company = httpx.get(f"{gusto_root(writable)}/v1/companies/{de_company}", headers=headers)
    assert company.json()["name"] == "Acme Consulting GmbH"


def test_api_version_header_is_checked_and_echoed(gusto: GustoSession) -> None:
    path = f"/v1/companies/{gusto.company_uuid}"
    assert gusto.client.get(path).headers["X-Gusto-API-Version"] == "2025-06-15"
    older = gusto.client.get(path, headers={"X-Gusto-API-Version": "2024-04-01"})
    assert older.status_code == 200
    assert older.headers["X-Gusto-API-Version"] == "2024-04-01"
    too_old = gusto.client.get(path, headers={"X-Gusto-API-Version": "2022-09-15"})
    assert too_old.status_code == 406
    assert too_old.json()["name"] == "Invalid X-Gusto-API-Version Header"
    future = gusto.client.get(path, headers={"X-Gusto-API-Version": "2999-01-01"})
    assert future.status_code == 406


def test_duplicate_email_is_created_and_logged(
    writable: SandboxProcess, gusto: GustoSession
) -> None:
    existing = _first_employee(gusto)
    messy = f"  {existing['work_email'].upper()} "
    created = gusto.client.post(
        f"/v1/companies/{gusto.company_uuid}/employees",
        json={
            "first_name": existing["first_name"],
            "last_name": existing["last_name"],
            "work_email": messy,
        },
    )
    # Gusto does not refuse a second employee with the same email; the sandbox's truth notes it.
    assert created.status_code == 201
    twin = created.json()
    assert twin["uuid"] != existing["uuid"] and twin["onboarded"] is False
    duplicates = httpx.get(f"{writable.base('control')}/truth/duplicates").json()["duplicates"]
    mine = [d for d in duplicates if d["remote_id"] == twin["uuid"]]
    assert mine == [
        {
            "system": "gusto",
            "entity": "employee",
            "natural_key": existing["work_email"].strip().lower(),
            "remote_id": twin["uuid"],
            "duplicate_of": existing["uuid"],
            "created_at": mine[0]["created_at"],
        }
    ]
    fresh = gusto.client.post(
        f"/v1/companies/{gusto.company_uuid}/employees",
        json={"first_name": "New", "last_name": "Person", "work_email": "new.person@example.com"},
    )
    assert fresh.status_code == 201
    duplicates = httpx.get(f"{writable.base('control')}/truth/duplicates").json()["duplicates"]
    assert fresh.json()["uuid"] not in {d["remote_id"] for d in duplicates}


def test_termination_is_recorded_once(gusto: GustoSession) -> None:
    employee = _first_employee(gusto)
    path = f"/v1/employees/{employee['uuid']}/terminations"
    bad_date = gusto.client.post(path, json={"effective_date": "31/03/2026"})
    assert bad_date.status_code == 422
    assert gusto.get(path).json() == []
    created = gusto.client.post(path, json={"effective_date": "2026-03-31"})
    assert created.status_code == 201
    assert created.json()["active"] is True and created.json()["cancelable"] is True
    again = gusto.client.post(path, json={"effective_date": "2026-04-30"})
    assert again.status_code == 422
    terminations = gusto.get(path).json()
    assert [t["effective_date"] for t in terminations] == ["2026-03-31"]
    assert gusto.get(f"/v1/employees/{employee['uuid']}").json()["terminated"] is True
    assert _events_about(gusto, employee["uuid"])[0]["event_type"] == "employee.terminated"
