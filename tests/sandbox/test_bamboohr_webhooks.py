"""BambooHR webhooks end to end: register, receive signed field-based payloads, verify, delete.

A small HTTP server started by the test (127.0.0.1, free port, stopped by the test) plays the
receiver. Deliveries are checked with vendor_sandbox.webhooks.bamboohr_signature: the hex
HMAC-SHA256 of body + X-BambooHR-Timestamp keyed with the webhook's private key; a tampered body
must fail the check.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.receiver import Delivery, Receiver
from tests.support.sandbox_process import SandboxProcess, start_sandbox
from vendor_sandbox.webhooks import bamboohr_signature

KEY = ("sandbox-key", "x")
JSON = {"Accept": "application/json"}
QUIET_SECONDS = 1.5  # several delivery polls (0.2 s each) with nothing arriving


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox(tmp_path_factory.mktemp("bamboohr-webhooks"))
    yield process
    process.stop()


def api(sandbox: SandboxProcess, method: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.request(
        method, f"{sandbox.base('bamboohr')}{path}", auth=KEY, headers=JSON, timeout=30, **kwargs
    )


def register(sandbox: SandboxProcess, url: str, **overrides: object) -> dict:
    body = {
        "name": f"crosswalk-{uuid.uuid4().hex[:6]}",
        "monitorFields": ["department", "status"],
        "postFields": {"department": "Department", "firstName": "First Name"},
        "url": url,
        "format": "json",
        **overrides,
    }
    response = api(sandbox, "POST", "/webhooks", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def signed(private_key: str, delivery: Delivery) -> bool:
    timestamp = delivery.headers["X-BambooHR-Timestamp"]
    expected = bamboohr_signature(private_key, delivery.body, timestamp)
    return expected == delivery.headers["X-BambooHR-Signature"]


def hire(sandbox: SandboxProcess) -> str:
    created = api(
        sandbox,
        "POST",
        "/employees",
        json={"firstName": "Wren", "lastName": "Hook", "department": "Strategy"},
    )
    assert created.status_code == 201
    return created.headers["Location"].rsplit("/", 1)[1]


def test_monitored_change_is_delivered_signed(hooked: SandboxProcess, receiver: Receiver) -> None:
    employee_id = hire(hooked)  # before the webhook exists: its creation is not announced
    hook = register(hooked, receiver.url)
    try:
        assert hook["privateKey"] and hook["id"].isdigit()
        # An unmonitored change first: nothing may be sent for it.
        update = api(hooked, "POST", f"/employees/{employee_id}", json={"jobTitle": "Manager"})
        assert update.is_success
        assert receiver.nothing_within(QUIET_SECONDS)
        update = api(hooked, "POST", f"/employees/{employee_id}", json={"department": "IT"})
        assert update.is_success
        delivery = receiver.next()
        assert signed(hook["privateKey"], delivery)
        entry = delivery.payload()["employees"][0]
        assert entry["id"] == employee_id and entry["action"] == "Updated"
        assert entry["changedFields"] == ["department"]
        assert entry["fields"] == {"Department": "IT", "First Name": "Wren"}
        assert entry["timestamp"].endswith("+0000")
        # A tampered body, or another key, fails the check.
        tampered = Delivery(
            delivery.headers, delivery.body.replace(b'"IT"', b'"HR"'), delivery.answered
        )
        assert not signed(hook["privateKey"], tampered)
        assert not signed("another-key", delivery)
        assert receiver.nothing_within(QUIET_SECONDS)
    finally:
        api(hooked, "DELETE", f"/webhooks/{hook['id']}")


def test_created_employee_is_announced_without_fields(
    hooked: SandboxProcess, receiver: Receiver
) -> None:
    hook = register(hooked, receiver.url)
    try:
        created = api(
            hooked,
            "POST",
            "/employees",
            json={"firstName": "New", "lastName": "Hire", "department": "Strategy"},
        )
        new_id = created.headers["Location"].rsplit("/", 1)[1]
        delivery = receiver.next()
        assert signed(hook["privateKey"], delivery)
        entry = delivery.payload()["employees"][0]
        assert (entry["id"], entry["action"]) == (new_id, "Created")
        assert entry["fields"] == {} and entry["changedFields"] == []
    finally:
        api(hooked, "DELETE", f"/webhooks/{hook['id']}")


def test_list_get_and_delete(hooked: SandboxProcess, receiver: Receiver) -> None:
    hook = register(hooked, receiver.url, monitorFields=["jobTitle"])
    listed = api(hooked, "GET", "/webhooks").json()["webhooks"]
    assert hook["id"] in {w["id"] for w in listed}
    one = api(hooked, "GET", f"/webhooks/{hook['id']}").json()
    assert one["monitorFields"] == ["jobTitle"] and "privateKey" not in one
    deleted = api(hooked, "DELETE", f"/webhooks/{hook['id']}")
    assert deleted.status_code == 200
    assert api(hooked, "GET", f"/webhooks/{hook['id']}").status_code == 404
    # Deleted: a monitored change is no longer sent.
    employee_id = hire(hooked)
    assert api(hooked, "POST", f"/employees/{employee_id}", json={"jobTitle": "Lead"}).is_success
    assert receiver.nothing_within(QUIET_SECONDS)


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"format": None}, 400),
        ({"monitorFields": []}, 400),
        ({"url": "http://hooks.example.com/in"}, 400),
        ({"monitorFields": ["favouriteColour"]}, 403),
    ],
)
def test_invalid_webhooks_are_refused(hooked: SandboxProcess, overrides: dict, status: int) -> None:
    before = api(hooked, "GET", "/webhooks").json()["webhooks"]
    body = {
        "name": "bad",
        "monitorFields": ["department"],
        "url": "https://hooks.example.com",
        "format": "json",
        **overrides,
    }
    body = {k: v for k, v in body.items() if v is not None}
    response = api(hooked, "POST", "/webhooks", json=body)
    assert response.status_code == status
    assert response.json()["errors"]
    assert api(hooked, "GET", "/webhooks").json()["webhooks"] == before


def test_simulated_activity_is_delivered(hooked: SandboxProcess, receiver: Receiver) -> None:
    hook = register(hooked, receiver.url, monitorFields=["department", "status"])
    try:
        control = hooked.base("control")
        since = httpx.get(f"{control}/clock").json()["business_now"].replace("Z", "%2B00:00")
        report = httpx.post(f"{control}/advance", params={"days": 10}, timeout=300).json()
        activity = [day["activity"] for day in report["days"]]
        expected = sum(
            a.get("hires", 0) + a.get("terminations", 0) + a.get("transfers", 0) for a in activity
        )
        assert expected > 0, "ten business days of a small firm bring hires or leavers"
        deliveries = [receiver.next() for _ in range(expected)]
        # Injected drift (unmapped transfers, missed leavers) adds deliveries of its own.
        deliveries += receiver.drain(QUIET_SECONDS)
        assert all(signed(hook["privateKey"], d) for d in deliveries)
        changed = api(hooked, "GET", f"/employees/changed?since={since}").json()["employees"]
        for delivery in deliveries:
            entry = delivery.payload()["employees"][0]
            assert entry["action"] in ("Created", "Updated")
            assert entry["id"] in changed
    finally:
        api(hooked, "DELETE", f"/webhooks/{hook['id']}")
