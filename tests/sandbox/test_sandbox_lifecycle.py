"""The sandbox as a long-lived service: restarts, dirty records, webhook retries."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest

from tests.support.receiver import Receiver
from tests.support.sandbox_process import SandboxProcess, start_sandbox
from vendor_sandbox.webhooks import bamboohr_signature

HARVEST_HEADERS = {
    "Authorization": "Bearer sandbox-token",
    "Harvest-Account-Id": "100001",
    "User-Agent": "crosswalk-tests (tests@example.com)",
}


def test_state_survives_a_restart(tmp_path) -> None:
    first = start_sandbox(tmp_path)
    try:
        httpx.post(first.base("control") + "/advance", params={"days": 2}, timeout=120)
        counts = httpx.get(first.base("control") + "/truth/counts", timeout=60).json()
        clock = httpx.get(first.base("control") + "/clock").json()
    finally:
        first.stop()
    second = start_sandbox(tmp_path, state=first.state)
    try:
        assert httpx.get(second.base("control") + "/clock").json() == clock
        assert httpx.get(second.base("control") + "/truth/counts", timeout=60).json() == counts
        log = second.log_path.read_text()
        assert "generating" not in log  # reused, not regenerated
    finally:
        second.stop()


def test_dirty_records_are_served_as_the_vendor_would(tmp_path) -> None:
    sandbox = start_sandbox(tmp_path, dirty=0.002, rate_limits=False)
    try:
        dirty = httpx.get(sandbox.base("control") + "/truth/dirty").json()["dirty"]
        negative = next(d for d in dirty if d["defect"] == "negative_hours")
        entry = httpx.get(
            sandbox.base("harvest") + f"/time_entries/{negative['remote_id']}",
            headers=HARVEST_HEADERS,
        ).json()
        assert entry["hours"] < 0
        hostile = next(d for d in dirty if d["defect"] == "hostile_notes")
        served = httpx.get(
            sandbox.base("harvest") + f"/time_entries/{hostile['remote_id']}",
            headers=HARVEST_HEADERS,
        ).json()
        assert served["notes"]  # the hostile string arrives intact, for later layers to judge
        # Dirty records never become drift: quarantine is the reconciler's job, not a finding.
        drift = httpx.get(sandbox.base("control") + "/truth/drift", timeout=60).json()["drift"]
        dirty_ids = {d["remote_id"] for d in dirty}
        assert not [d for d in drift if d["entity_id"] in dirty_ids]
    finally:
        sandbox.stop()


@pytest.fixture()
def flaky_receiver():
    # Fails each delivery twice, then accepts it: the sandbox must retry.
    receiver = Receiver(answer=lambda _body, seen: 500 if seen < 2 else 200)
    yield receiver
    receiver.stop()


def test_webhooks_are_retried_until_accepted(
    fresh_sandbox: SandboxProcess, flaky_receiver: Receiver
) -> None:
    created = httpx.post(
        fresh_sandbox.base("bamboohr") + "/webhooks",
        json={
            "name": "crosswalk",
            "monitorFields": ["department"],
            "postFields": {"department": "department", "workEmail": "workEmail"},
            "url": flaky_receiver.url,
            "format": "json",
        },
        auth=("sandbox-key", "x"),
        headers={"Accept": "application/json"},
    )
    assert created.status_code == 201, created.text
    private_key = created.json()["privateKey"]
    httpx.post(fresh_sandbox.base("control") + "/advance", params={"days": 1}, timeout=120)
    deadline = time.monotonic() + 30
    accepted: list = []
    while time.monotonic() < deadline and not accepted:
        time.sleep(0.2)
        accepted = [d for d in flaky_receiver.deliveries if d.answered == 200]
    delivery = accepted[0]
    attempts = [d.answered for d in flaky_receiver.deliveries if d.body == delivery.body]
    assert attempts == [500, 500, 200]  # the same delivery, retried until accepted
    timestamp = delivery.headers["X-BambooHR-Timestamp"]
    assert delivery.headers["X-BambooHR-Signature"] == bamboohr_signature(
        private_key, delivery.body, timestamp
    )
    changes = [
        e
        for d in flaky_receiver.deliveries
        for e in orjson.loads(d.body)["employees"]
        if "department" in e.get("changedFields", [])
    ]
    assert changes  # the day's transfer reached the department webhook
