"""Gusto's two ways of paging: page/per with X-* headers, and the event feed's cursor."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.gusto import GustoSession, open_session
from tests.support.sandbox_process import SandboxProcess
from vendor_sandbox.clock import parse_ts

DAY = 86_400


@pytest.fixture(scope="module")
def gusto(sandbox: SandboxProcess) -> Iterator[GustoSession]:
    session = open_session(sandbox)
    yield session
    session.close()


def test_employee_pages_are_bare_arrays_with_page_headers(gusto: GustoSession) -> None:
    path = f"/v1/companies/{gusto.company_uuid}/employees"
    default = gusto.get(path)
    assert default.headers["X-Per-Page"] == "25" and len(default.json()) == 25
    total = int(default.headers["X-Total-Count"])
    pages = int(default.headers["X-Total-Pages"])
    assert pages == -(-total // 25)
    seen: list[str] = []
    for page in range(1, pages + 2):
        response = gusto.get(path, page=page, per=25)
        body = response.json()
        assert isinstance(body, list)
        assert response.headers["X-Page"] == str(page)
        assert response.headers["X-Total-Count"] == str(total)
        seen += [e["uuid"] for e in body]
        if page < pages:
            assert len(body) == 25
        if page > pages:
            assert body == []  # past the end: empty page, same headers
    assert len(seen) == total == len(set(seen))


def test_pages_follow_filters(gusto: GustoSession) -> None:
    path = f"/v1/companies/{gusto.company_uuid}/employees"
    everyone = int(gusto.get(path, per=1).headers["X-Total-Count"])
    leavers = gusto.get(path, terminated="true", per=100)
    stayers = gusto.get(path, terminated="false", per=1)
    assert all(e["terminated"] for e in leavers.json())
    assert int(leavers.headers["X-Total-Count"]) + int(stayers.headers["X-Total-Count"]) == everyone
    refused = gusto.get(path, page=0)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["error_key"] == "page"


def test_other_companies_are_out_of_reach(gusto: GustoSession, sandbox: SandboxProcess) -> None:
    uk = open_session(sandbox, "sandbox-refresh-uk")
    try:
        assert uk.company_uuid != gusto.company_uuid
        other = gusto.get(f"/v1/companies/{uk.company_uuid}/employees")
        assert other.status_code == 403
        uk_employee = uk.get(f"/v1/companies/{uk.company_uuid}/employees", per=1).json()[0]
        assert gusto.get(f"/v1/employees/{uk_employee['uuid']}").status_code == 404
        # The feed is the application's (a system token): `resource_uuid` picks one company's,
        # and a company token is refused there.
        uk_events = uk.events(limit="100").json()
        assert uk_events and all(e["resource_uuid"] == uk.company_uuid for e in uk_events)
        everyone = {
            e["resource_uuid"] for e in uk.system.get("/v1/events", params={"limit": "100"}).json()
        }
        assert len(everyone) > 1
        refused = uk.get("/v1/events")
        assert refused.status_code == 403
        assert uk.get("/v1/webhook_subscriptions").status_code == 403
    finally:
        uk.close()


def _walk(gusto: GustoSession, cursor: str | None, limit: int = 2) -> tuple[list[dict], str | None]:
    """Follow the feed from `cursor` to its end; returns the events and the last uuid."""
    walked: list[dict] = []
    while True:
        params = {"limit": str(limit)}
        if cursor:
            params["starting_after_uuid"] = cursor
        response = gusto.events(**params)
        assert response.status_code == 200
        page = response.json()
        assert len(page) <= limit
        walked += page
        if page:
            cursor = page[-1]["uuid"]
        if response.headers["X-Has-Next-Page"] == "false":
            return walked, cursor


def _create_employee(gusto: GustoSession, name: str) -> dict:
    response = gusto.client.post(
        f"/v1/companies/{gusto.company_uuid}/employees",
        json={"first_name": name, "last_name": "Feed", "email": f"{name.lower()}@example.com"},
    )
    assert response.status_code == 201
    return response.json()


def test_event_cursor_pages_forward_without_gaps(fresh_sandbox: SandboxProcess) -> None:
    gusto = open_session(fresh_sandbox)
    try:
        before, cursor = _walk(gusto, None)
        assert before, "the generated firm has events of the last 30 days"
        created = [_create_employee(gusto, f"Walker{i}") for i in range(5)]
        after, cursor = _walk(gusto, cursor)
        assert [e["entity_uuid"] for e in after] == [c["uuid"] for c in created]
        assert {e["event_type"] for e in after} == {"employee.created"}
        # The walk in small pages equals one big page: nothing skipped, nothing repeated.
        whole = gusto.events(limit="100").json()
        assert [e["uuid"] for e in before + after] == [e["uuid"] for e in whole]
        timestamps = [e["timestamp"] for e in whole]
        assert timestamps == sorted(timestamps)
        backwards = gusto.events(limit="100", sort_order="desc").json()
        assert backwards == list(reversed(whole))
        updated = gusto.events(event_type="employee.*", limit="100").json()
        assert {e["event_type"].split(".")[0] for e in updated} == {"employee"}
        unknown = gusto.events(starting_after_uuid="not-an-event")
        assert unknown.status_code == 422
        assert cursor == after[-1]["uuid"]
    finally:
        gusto.close()


def test_events_older_than_30_business_days_are_gone(fresh_sandbox: SandboxProcess) -> None:
    gusto = open_session(fresh_sandbox)
    try:
        marker = _create_employee(gusto, "Retained")
        feed = gusto.events(limit="100").json()
        mine = next(e for e in feed if e["entity_uuid"] == marker["uuid"])
        oldest_before = feed[0]
        advanced = httpx.post(
            f"{fresh_sandbox.base('control')}/advance", params={"days": 31}, timeout=600
        )
        assert advanced.status_code == 200
        now = _business_now(fresh_sandbox)
        later = _walk(gusto, None, limit=100)[0]
        assert mine["uuid"] not in {e["uuid"] for e in later}
        assert oldest_before["uuid"] not in {e["uuid"] for e in later}
        assert all(e["timestamp"] >= now - 30 * DAY for e in later)
        assert any(e["event_type"] == "payroll.processed" for e in later)
        # An expired event still works as a cursor: the feed resumes after its position.
        resumed = gusto.events(starting_after_uuid=mine["uuid"], limit="100").json()
        assert [e["uuid"] for e in resumed] == [e["uuid"] for e in later][:100]
    finally:
        gusto.close()


def _business_now(sandbox: SandboxProcess) -> int:
    clock = httpx.get(f"{sandbox.base('control')}/clock").json()
    return int(parse_ts(clock["business_now"]).timestamp())
