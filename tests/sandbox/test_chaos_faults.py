"""The faults `crosswalk chaos` needs from the sandbox: timeouts, duplicate and late webhooks.

Over real HTTP: a timed-out write has still happened; a duplicated delivery arrives twice with
the same body; a held-back delivery arrives after one queued behind it. `/_sandbox/webhooks`
shows every delivery with its status.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.receiver import Receiver
from tests.support.sandbox_process import SandboxProcess
from tests.support.sandbox_process import start_sandbox as start
from vendor_sandbox.faults import PROFILES

HARVEST = {
    "Authorization": "Bearer sandbox-token",
    "Harvest-Account-Id": "100001",
    "User-Agent": "crosswalk tests",
}
BAMBOOHR_KEY = ("sandbox-key", "x")


def set_faults(sandbox: SandboxProcess, **overrides: object) -> None:
    response = httpx.post(
        sandbox.base("control") + "/faults",
        json={"profile": "none", "overrides": overrides},
        timeout=10,
    )
    response.raise_for_status()


def test_the_chaos_profile_is_the_issue_s_scenario() -> None:
    chaos = PROFILES["chaos"]
    assert (chaos.error_rate, chaos.throttle_rate, chaos.timeout_rate) == (0.10, 0.05, 0.02)
    assert chaos.webhook_duplicate_rate > 0 and chaos.webhook_reorder_rate > 0


def test_a_timed_out_write_still_happens(fresh_sandbox: SandboxProcess) -> None:
    set_faults(fresh_sandbox, timeout_rate=1.0, timeout_seconds=2.0)
    user = {"first_name": "Slow", "last_name": "Answer", "email": "slow.answer@example.com"}
    with pytest.raises(httpx.TimeoutException):
        httpx.post(fresh_sandbox.base("harvest") + "/users", json=user, headers=HARVEST, timeout=1)
    set_faults(fresh_sandbox)
    faults = httpx.get(fresh_sandbox.base("control") + "/faults", timeout=10).json()
    assert faults["injected"]["harvest"]["timeout"] == 1
    # The client gave up; the vendor did not: the user exists once.
    users = httpx.get(fresh_sandbox.base("harvest") + "/users", headers=HARVEST, timeout=30).json()[
        "users"
    ]
    assert [u["email"] for u in users if u["email"] == user["email"]] == [user["email"]]


def _register_bamboohr(sandbox: SandboxProcess, url: str) -> None:
    response = httpx.post(
        sandbox.base("bamboohr") + "/webhooks",
        auth=BAMBOOHR_KEY,
        headers={"Accept": "application/json"},
        json={
            "name": "chaos-test",
            "monitorFields": ["department"],
            "postFields": {"department": "Department"},
            "url": url,
            "format": "json",
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text


def _two_employees(sandbox: SandboxProcess) -> list[str]:
    directory = httpx.get(
        sandbox.base("bamboohr") + "/employees/directory",
        auth=BAMBOOHR_KEY,
        headers={"Accept": "application/json"},
        timeout=30,
    ).json()
    return [str(e["id"]) for e in directory["employees"][:2]]


def _move(sandbox: SandboxProcess, employee_id: str, department: str) -> None:
    response = httpx.post(
        f"{sandbox.base('bamboohr')}/employees/{employee_id}",
        auth=BAMBOOHR_KEY,
        json={"department": department},
        timeout=10,
    )
    assert response.is_success, response.text


def test_duplicated_and_held_back_deliveries(
    tmp_path_factory: pytest.TempPathFactory, receiver: Receiver
) -> None:
    sandbox = start(tmp_path_factory.mktemp("chaos-webhooks"))
    try:
        first_id, second_id = _two_employees(sandbox)
        _register_bamboohr(sandbox, receiver.url)
        set_faults(sandbox, webhook_duplicate_rate=1.0)
        _move(sandbox, first_id, "Strategy")
        first, again = receiver.next(), receiver.next()
        assert first.body == again.body  # one change, delivered twice

        set_faults(sandbox, webhook_reorder_rate=1.0, webhook_reorder_seconds=1.0)
        _move(sandbox, first_id, "Operations")
        assert receiver.nothing_within(0.5)  # held back, not lost
        set_faults(sandbox)
        _move(sandbox, second_id, "Finance")
        late_first, late_second = receiver.next(), receiver.next()
        assert b"Finance" in late_first.body  # queued second, arrived first
        assert b"Operations" in late_second.body

        shown = httpx.get(sandbox.base("control") + "/webhooks", timeout=10).json()
        assert shown["by_status"] == {"delivered": 3}
        faults = httpx.get(sandbox.base("control") + "/faults", timeout=10).json()["injected"]
        assert faults["bamboohr"]["webhook_duplicate"] == 1
        assert faults["bamboohr"]["webhook_reordered"] >= 1
    finally:
        sandbox.stop()
