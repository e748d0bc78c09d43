"""Every Gusto endpoint the sandbox serves answers as Gusto's published OpenAPI spec says.

Responses are real HTTP answers of a running sandbox, validated with openapi-core against
../shared/vendor-specs/gusto-openapi.yaml (loaded once per session). The spec declares no response
headers, so the headers Gusto's prose docs promise (pagination, version echo) are asserted here
directly.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest
from openapi_core.validation.response.exceptions import InvalidData

from tests.support.gusto import SPEC_VERSION, GustoSession, open_session, refresh
from tests.support.openapi import GUSTO_SPEC, gusto_openapi, validate_component
from tests.support.sandbox_process import SandboxProcess

PAGE_HEADERS = ("X-Page", "X-Per-Page", "X-Total-Count", "X-Total-Pages")


@pytest.fixture(scope="module")
def gusto(sandbox: SandboxProcess) -> Iterator[GustoSession]:
    gusto_openapi()  # load the spec before the first timed request
    session = open_session(sandbox)
    yield session
    session.close()


def test_token_answer_matches_the_refresh_token_schema(sandbox: SandboxProcess) -> None:
    response = refresh(sandbox)
    assert response.status_code == 200
    assert response.headers["X-Gusto-API-Version"] == SPEC_VERSION
    body = response.json()
    # The operation's schema is oneOf(Create, Refresh) where Refresh refines Create, so a refresh
    # answer always matches both and can never pass oneOf; validate against the intended schema.
    validate_component(GUSTO_SPEC, "Refresh-Token-Authentication", body)
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert body["refresh_token"] == "sandbox-refresh"
    assert isinstance(body["created_at"], int)


def test_validation_refuses_an_answer_that_breaks_the_spec(gusto: GustoSession) -> None:
    # Guards the guard: a real answer with one field of the wrong type must fail validation.
    real = gusto.get(f"/v1/companies/{gusto.company_uuid}/employees", per=1)
    gusto.validate(real)
    broken = real.json()
    broken[0]["terminated"] = "no"
    doctored = httpx.Response(
        200, headers=real.headers, content=orjson.dumps(broken), request=real.request
    )
    with pytest.raises(InvalidData):
        gusto.validate(doctored)


def test_company_reads_validate(gusto: GustoSession) -> None:
    company = gusto.company_uuid
    info = gusto.validate(gusto.get("/v1/token_info")).json()
    assert info["resource"] == {"type": "Company", "uuid": company}
    assert gusto.validate(gusto.get(f"/v1/companies/{company}")).json()["uuid"] == company
    departments = gusto.validate(gusto.get(f"/v1/companies/{company}/departments")).json()
    assert departments and all(d["company_uuid"] == company for d in departments)
    one = gusto.validate(gusto.get(f"/v1/departments/{departments[0]['uuid']}")).json()
    assert one["title"] == departments[0]["title"]
    for path in (f"/v1/companies/{company}/locations", f"/v1/companies/{company}/pay_schedules"):
        response = gusto.validate(gusto.get(path))
        assert response.json(), path
        assert all(name in response.headers for name in PAGE_HEADERS), path


def test_employee_jobs_compensations_terminations_validate(gusto: GustoSession) -> None:
    company = gusto.company_uuid
    listing = gusto.validate(
        gusto.get(
            f"/v1/companies/{company}/employees",
            per=100,
            include="all_compensations,custom_fields",
        )
    )
    employees = listing.json()
    assert isinstance(employees, list) and employees
    assert all(name in listing.headers for name in PAGE_HEADERS)
    employee = next(e for e in employees if e["jobs"])
    fetched = gusto.validate(gusto.get(f"/v1/employees/{employee['uuid']}")).json()
    assert fetched["version"] == employee["version"]
    jobs = gusto.validate(gusto.get(f"/v1/employees/{employee['uuid']}/jobs"))
    job = jobs.json()[0]
    assert jobs.headers["X-Total-Count"] == str(len(employee["jobs"]))
    assert gusto.validate(gusto.get(f"/v1/jobs/{job['uuid']}")).json()["uuid"] == job["uuid"]
    comps = gusto.validate(gusto.get(f"/v1/jobs/{job['uuid']}/compensations")).json()
    assert comps[0]["uuid"] == job["current_compensation_uuid"]
    comp = gusto.validate(gusto.get(f"/v1/compensations/{comps[0]['uuid']}")).json()
    assert comp["rate"] == job["rate"]
    terminated = gusto.get(f"/v1/companies/{company}/employees", terminated="true", per=5)
    leaver = terminated.json()[0]
    assert leaver["terminated"] is True
    terminations = gusto.validate(gusto.get(f"/v1/employees/{leaver['uuid']}/terminations"))
    assert terminations.json()[0]["employee_uuid"] == leaver["uuid"]


def test_payrolls_validate(gusto: GustoSession) -> None:
    company = gusto.company_uuid
    listing = gusto.validate(
        gusto.get(f"/v1/companies/{company}/payrolls", include="totals,payroll_status_meta")
    )
    payrolls = listing.json()
    assert payrolls and all(p["processed"] for p in payrolls)
    assert all(name in listing.headers for name in PAGE_HEADERS)
    assert all("totals" in p and "employee_compensations" not in p for p in payrolls)
    payroll_id = payrolls[-1]["uuid"]
    first = gusto.validate(
        gusto.get(
            f"/v1/companies/{company}/payrolls/{payroll_id}", include="taxes,benefits,deductions"
        )
    )
    full = first.json()
    # Gusto pages a payroll's statements even when no page is asked for (25, at most 100).
    assert first.headers["X-Per-Page"] == "25" and len(full["employee_compensations"]) <= 25
    statements, page, pages = [], 0, 1
    while page < pages:
        page += 1
        answer = gusto.get(
            f"/v1/companies/{company}/payrolls/{payroll_id}",
            include="taxes,benefits,deductions",
            page=page,
            per=100,
        )
        statements += gusto.validate(answer).json()["employee_compensations"]
        pages = int(answer.headers["X-Total-Pages"])
    assert len(statements) == int(first.headers["X-Total-Count"])
    assert statements and all("taxes" in s for s in statements)
    # Money of the payroll is decimal text to the cent; statements' gross/net are numbers.
    assert full["totals"]["gross_pay"].count(".") == 1
    assert round(sum(s["gross_pay"] for s in statements), 2) == float(full["totals"]["gross_pay"])
    paged = gusto.validate(
        gusto.get(f"/v1/companies/{company}/payrolls/{payroll_id}", page=2, per=5)
    )
    assert len(paged.json()["employee_compensations"]) == 5
    assert paged.headers["X-Total-Count"] == str(len(statements))


def test_events_and_errors_validate(gusto: GustoSession) -> None:
    events = gusto.validate(gusto.events(limit="5"))
    assert events.headers["X-Has-Next-Page"] in ("true", "false")
    assert all(e["resource_uuid"] == gusto.company_uuid for e in events.json())
    missing = gusto.validate(gusto.get("/v1/employees/00000000-0000-4000-8000-000000000000"))
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["category"] == "not_found"
    subscriptions = gusto.validate(gusto.system.get("/v1/webhook_subscriptions"))
    assert isinstance(subscriptions.json(), list)


def test_writes_validate(fresh_sandbox: SandboxProcess) -> None:
    gusto = open_session(fresh_sandbox)
    try:
        company = gusto.company_uuid
        created = gusto.validate(
            gusto.client.post(
                f"/v1/companies/{company}/employees",
                json={"first_name": "Ada", "last_name": "Byron", "email": "ada@example.com"},
            )
        )
        assert created.status_code == 201
        employee = created.json()
        updated = gusto.validate(
            gusto.client.put(
                f"/v1/employees/{employee['uuid']}",
                json={"version": employee["version"], "last_name": "Lovelace"},
            )
        )
        assert updated.json()["last_name"] == "Lovelace"
        stale = gusto.validate(
            gusto.client.put(
                f"/v1/employees/{employee['uuid']}",
                json={"version": employee["version"], "last_name": "King"},
            )
        )
        assert stale.status_code == 409
        assert gusto.get(f"/v1/employees/{employee['uuid']}").json()["last_name"] == "Lovelace"
        job = gusto.validate(
            gusto.client.post(
                f"/v1/employees/{employee['uuid']}/jobs",
                json={"title": "Analyst", "hire_date": "2026-03-02"},
            )
        )
        assert job.status_code == 201
        job_body = job.json()
        job_put = gusto.validate(
            gusto.client.put(
                f"/v1/jobs/{job_body['uuid']}",
                json={"version": job_body["version"], "title": "Senior Analyst"},
            )
        )
        assert job_put.json()["title"] == "Senior Analyst"
        comp = job_put.json()["compensations"][0]
        comp_put = gusto.validate(
            gusto.client.put(
                f"/v1/compensations/{comp['uuid']}",
                json={
                    "version": comp["version"],
                    "rate": "80000",
                    "payment_unit": "Year",
                    "flsa_status": "Exempt",
                },
            )
        )
        assert comp_put.json()["rate"] == "80000.00"
        termination = gusto.validate(
            gusto.client.post(
                f"/v1/employees/{employee['uuid']}/terminations",
                json={"effective_date": "2026-03-31"},
            )
        )
        assert termination.status_code == 201
        invalid = gusto.validate(
            gusto.client.post(f"/v1/employees/{employee['uuid']}/jobs", json={"title": "X"})
        )
        assert invalid.status_code == 422
        subscription = gusto.validate(
            gusto.system.post(
                "/v1/webhook_subscriptions",
                json={"url": "http://127.0.0.1:9/hook", "subscription_types": ["Employee"]},
            )
        )
        assert subscription.json()["status"] == "pending"
        sub_id = subscription.json()["uuid"]
        gusto.validate(gusto.system.get(f"/v1/webhook_subscriptions/{sub_id}"))
        changed = gusto.validate(
            gusto.system.put(
                f"/v1/webhook_subscriptions/{sub_id}",
                json={"subscription_types": ["Employee", "Payroll"]},
            )
        )
        assert changed.json()["subscription_types"] == ["Employee", "Payroll"]
        resent = gusto.validate(
            gusto.system.get(f"/v1/webhook_subscriptions/{sub_id}/request_verification_token")
        )
        assert resent.status_code == 200
        wrong = gusto.validate(
            gusto.system.put(
                f"/v1/webhook_subscriptions/{sub_id}/verify", json={"verification_token": "no"}
            )
        )
        assert wrong.status_code == 422
        deleted = gusto.validate(gusto.system.delete(f"/v1/webhook_subscriptions/{sub_id}"))
        assert deleted.status_code == 204
        assert gusto.system.get(f"/v1/webhook_subscriptions/{sub_id}").status_code == 404
    finally:
        gusto.close()
