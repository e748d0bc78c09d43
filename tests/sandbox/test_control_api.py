"""The control API over real HTTP: health, advance, ground truth of drift, counts, faults."""

from __future__ import annotations

from email.utils import format_datetime

import httpx
import pytest

from tests.support.contract import RAW_TABLES
from tests.support.harvest import add_contractor
from tests.support.sandbox_process import SandboxProcess, start_sandbox
from vendor_sandbox.clock import parse_ts
from vendor_sandbox.truth.rules import RULES

HARVEST_HEADERS = {
    "Authorization": "Bearer sandbox-token",
    "Harvest-Account-Id": "100001",
    "User-Agent": "crosswalk-tests (tests@example.com)",
}
ACTIVITY_KINDS = {
    "hires",
    "terminations",
    "transfers",
    "leave_approved",
    "projects_opened",
    "projects_closed",
    "bookings",
    "time_entries_logged",
    "time_entries_approved",
    "payrolls_processed",
}


def control(sandbox: SandboxProcess, method: str, path: str, **kwargs) -> dict:
    response = httpx.request(method, sandbox.base("control") + path, timeout=120, **kwargs)
    response.raise_for_status()
    return response.json()


def standing_drift(sandbox: SandboxProcess, rule: str) -> list[dict]:
    """The truth's standing entries of `rule`."""
    return control(sandbox, "GET", "/truth/drift", params={"standing": "true", "rule": rule})[
        "drift"
    ]


def test_health_names_the_firm_and_the_business_clock(sandbox: SandboxProcess) -> None:
    health = control(sandbox, "GET", "/health")
    assert health["status"] == "ok"
    assert (health["size"], health["seed"]) == ("small", 42)
    assert health["business_now"] == "2026-03-04T00:00:00Z"


def test_every_answer_is_dated_by_the_business_clock(sandbox: SandboxProcess) -> None:
    # A vendor's `Date` is the clock its records are stamped by; a client may bound a read by it.
    now = parse_ts(control(sandbox, "GET", "/clock")["business_now"])
    harvest = httpx.get(sandbox.base("harvest") + "/users/me", timeout=30)  # 401: no token
    for answer in (harvest, httpx.get(sandbox.base("control") + "/health", timeout=30)):
        assert answer.headers.get_list("date") == [format_datetime(now, usegmt=True)]


def test_counts_name_every_raw_table_of_every_system(sandbox: SandboxProcess) -> None:
    counts = control(sandbox, "GET", "/truth/counts")
    assert {system: set(tables) for system, tables in counts.items()} == RAW_TABLES
    assert counts["bamboohr"]["employees"] == 200
    assert all(n > 0 for tables in counts.values() for n in tables.values())
    listed = httpx.get(
        sandbox.base("harvest") + "/time_entries",
        params={"per_page": 1},
        headers=HARVEST_HEADERS,
        timeout=30,
    ).json()
    assert listed["total_entries"] == counts["harvest"]["time_entries"]


@pytest.mark.parametrize("seed", [42, 7])
def test_one_day_makes_every_kind_of_activity_and_drift_of_every_rule(
    tmp_path_factory: pytest.TempPathFactory, seed: int
) -> None:
    sandbox = start_sandbox(tmp_path_factory.mktemp(f"advance-{seed}"), seed=seed)
    try:
        result = control(sandbox, "POST", "/advance", params={"days": 1})
        [day] = result["days"]
        assert {k for k, n in day["activity"].items() if n > 0} == ACTIVITY_KINDS
        assert result["to"].startswith("2026-03-05T00:00:00")
        drift = control(sandbox, "GET", "/truth/drift", params={"standing": "true"})["drift"]
        standing_rules = {entry["rule"] for entry in drift}
        missing = set(RULES) - standing_rules
        assert not missing, f"no standing drift for {sorted(missing)}"
        # Every drift the sandbox injected is among what it reports as standing.
        injected = control(sandbox, "GET", "/truth/injections")["injections"]
        keys = {(d["rule"], d["entity_type"], d["entity_id"], tuple(d["systems"])) for d in drift}
        assert injected and all(
            (i["rule"], i["entity_type"], i["entity_id"], tuple(i["systems"])) in keys
            for i in injected
        )
        # Business events show up too, with their cause.
        causes = {entry["cause"] for entry in drift}
        assert {"seeded", "business_event"} <= causes
    finally:
        sandbox.stop()


def test_drift_stops_standing_when_the_systems_agree_again(fresh_sandbox: SandboxProcess) -> None:
    control(fresh_sandbox, "POST", "/advance", params={"days": 1})
    drift = standing_drift(fresh_sandbox, "worker_status_mismatch")
    reactivated = [d for d in drift if d["cause"] == "PSA user reactivated behind HR's back"]
    assert reactivated, drift
    entry = reactivated[0]
    # Find the PSA user of that worker by email, then deactivate it as offboarding would.
    worker = httpx.get(
        fresh_sandbox.base("bamboohr") + f"/employees/{entry['entity_id']}",
        params={"fields": "workEmail"},
        auth=("sandbox-key", "x"),
        headers={"Accept": "application/json"},
        timeout=30,
    ).json()
    users = httpx.get(
        fresh_sandbox.base("harvest") + "/users",
        params={"is_active": "true"},
        headers=HARVEST_HEADERS,
        timeout=30,
    ).json()["users"]
    [user] = [u for u in users if u["email"].strip().lower() == worker["workEmail"].strip().lower()]
    patched = httpx.patch(
        fresh_sandbox.base("harvest") + f"/users/{user['id']}",
        json={"is_active": False},
        headers=HARVEST_HEADERS,
        timeout=30,
    )
    assert patched.status_code == 200
    after = control(fresh_sandbox, "GET", "/truth/drift", params={"rule": "worker_status_mismatch"})
    [resolved] = [
        d
        for d in after["drift"]
        if d["entity_id"] == entry["entity_id"] and d["systems"] == entry["systems"]
    ]
    assert resolved["standing"] is False
    assert resolved["resolved_at"] == after["business_now"]
    assert resolved["injected_at"] == entry["injected_at"]
    # Nothing else was resolved by that one fix.
    still = {(d["rule"], d["entity_id"]) for d in after["drift"] if d["standing"]}
    assert ("worker_status_mismatch", entry["entity_id"]) not in still


def test_fault_profiles_take_each_vendors_own_shape(fresh_sandbox: SandboxProcess) -> None:
    control(
        fresh_sandbox,
        "POST",
        "/faults",
        json={"profile": "none", "overrides": {"throttle_rate": 1.0, "retry_after_seconds": 2}},
    )
    harvest = httpx.get(fresh_sandbox.base("harvest") + "/users", headers=HARVEST_HEADERS)
    bamboo = httpx.get(
        fresh_sandbox.base("bamboohr") + "/employees/directory",
        auth=("sandbox-key", "x"),
        headers={"Accept": "application/json"},
    )
    assert (harvest.status_code, harvest.headers["Retry-After"]) == (429, "2")
    assert (bamboo.status_code, bamboo.headers["Retry-After"]) == (503, "2")
    control(
        fresh_sandbox,
        "POST",
        "/faults",
        json={"profile": "none", "overrides": {"fail_all": ["netsuite"]}},
    )
    netsuite = httpx.post(
        fresh_sandbox.base("netsuite") + "/query/v1/suiteql",
        json={"q": "SELECT id FROM subsidiary"},
        headers={"Authorization": "Bearer sandbox-token", "Prefer": "transient"},
    )
    assert netsuite.status_code == 500
    assert netsuite.json()["o:errorDetails"][0]["o:errorCode"] == "UNEXPECTED_ERROR"
    ok = httpx.get(fresh_sandbox.base("harvest") + "/users", headers=HARVEST_HEADERS)
    assert ok.status_code == 200
    faults = control(fresh_sandbox, "GET", "/faults")
    assert faults["injected"]["harvest"]["throttle"] == 1
    assert faults["injected"]["netsuite"]["error"] == 1
    refused = httpx.post(fresh_sandbox.base("control") + "/faults", json={"profile": "meltdown"})
    assert refused.status_code == 422
    assert control(fresh_sandbox, "GET", "/faults")["profile"]["fail_all"] == ["netsuite"]


def test_a_lost_reply_applies_the_write_but_never_answers(fresh_sandbox: SandboxProcess) -> None:
    control(
        fresh_sandbox,
        "POST",
        "/faults",
        json={"profile": "none", "overrides": {"lost_reply_rate": 1.0}},
    )
    new_user = {"first_name": "Lost", "last_name": "Reply", "email": "lost.reply@example.com"}
    with pytest.raises(httpx.HTTPError):
        httpx.post(
            fresh_sandbox.base("harvest") + "/users",
            json=new_user,
            headers=HARVEST_HEADERS,
            timeout=30,
        )
    control(fresh_sandbox, "POST", "/faults", json={"profile": "none"})
    users = httpx.get(
        fresh_sandbox.base("harvest") + "/users", headers=HARVEST_HEADERS, timeout=30
    ).json()["users"]
    assert [u["email"] for u in users if u["email"] == "lost.reply@example.com"] == [
        "lost.reply@example.com"
    ]
    # A blind resend duplicates nothing here (Harvest refuses a taken email) ...
    again = httpx.post(
        fresh_sandbox.base("harvest") + "/users", json=new_user, headers=HARVEST_HEADERS, timeout=30
    )
    assert again.status_code == 422
    assert control(fresh_sandbox, "GET", "/truth/duplicates")["count"] == 0


def test_a_planned_lost_reply_takes_the_next_matching_write_only(
    fresh_sandbox: SandboxProcess,
) -> None:
    # `lose_next`: the next N writes matching "<METHOD> <pattern>" lose their reply; reads and
    # other methods pass, and after N the writes answer again.
    control(
        fresh_sandbox,
        "POST",
        "/faults",
        json={"profile": "none", "overrides": {"lose_next": {"POST /harvest/*": 1, "GET /*": 5}}},
    )
    before = control(fresh_sandbox, "GET", "/faults")["injected"].get("harvest", {})
    users = fresh_sandbox.base("harvest") + "/users"
    assert httpx.get(users, headers=HARVEST_HEADERS, timeout=30).status_code == 200
    first = {"first_name": "Planned", "last_name": "Loss", "email": "planned.loss@example.com"}
    second = {"first_name": "Next", "last_name": "Answered", "email": "next.answered@example.com"}
    with pytest.raises(httpx.HTTPError):
        httpx.post(users, json=first, headers=HARVEST_HEADERS, timeout=30)
    assert httpx.post(users, json=second, headers=HARVEST_HEADERS, timeout=30).status_code == 201
    emails = {
        u["email"] for u in httpx.get(users, headers=HARVEST_HEADERS, timeout=30).json()["users"]
    }
    assert {first["email"], second["email"]} <= emails  # the lost one was applied too
    injected = control(fresh_sandbox, "GET", "/faults")["injected"]["harvest"]
    control(fresh_sandbox, "POST", "/faults", json={"profile": "none"})
    assert {kind: n - before.get(kind, 0) for kind, n in injected.items()} == {"lost_reply": 1}


def test_advance_refuses_nonsense_and_leaves_the_clock(fresh_sandbox: SandboxProcess) -> None:
    before = control(fresh_sandbox, "GET", "/clock")
    for days in (0, -1, 367):
        response = httpx.post(fresh_sandbox.base("control") + "/advance", params={"days": days})
        assert response.status_code == 422
    assert control(fresh_sandbox, "GET", "/clock") == before


def test_approved_time_nobody_can_cost_is_standing_drift_but_not_auto_fixable(
    fresh_sandbox: SandboxProcess,
) -> None:
    harvest = fresh_sandbox.base("harvest")
    contractor = add_contractor(fresh_sandbox)
    assert contractor["cost_rate"] is None
    control(fresh_sandbox, "POST", "/advance", params={"days": 3})
    drift = standing_drift(fresh_sandbox, "approved_time_not_posted")
    uncostable = [d for d in drift if d["details"] == {"costable": False}]
    costable = [d for d in drift if d["details"] == {"costable": True}]
    assert uncostable, "none of the contractor's time came due"
    assert costable
    assert len(uncostable) + len(costable) == len(drift)
    assert not any(d["auto_fixable"] for d in uncostable)
    assert all(d["auto_fixable"] and d["fix_flow"] == "post_approved_time" for d in costable)
    for entry in uncostable:
        time_entry = httpx.get(
            harvest + f"/time_entries/{entry['entity_id']}", headers=HARVEST_HEADERS, timeout=30
        ).json()
        assert time_entry["user"]["id"] == contractor["id"], time_entry
        assert time_entry["cost_rate"] is None


def test_a_psa_project_left_with_no_charge_code_is_not_in_psa(
    fresh_sandbox: SandboxProcess,
) -> None:
    """A create that stopped after the project: there, but nobody can log time to it."""
    harvest = fresh_sandbox.base("harvest")
    mismatched = {d["entity_id"] for d in standing_drift(fresh_sandbox, "project_status_mismatch")}
    projects = httpx.get(
        harvest + "/projects", params={"is_active": "true"}, headers=HARVEST_HEADERS, timeout=30
    ).json()["projects"]
    project = next(p for p in projects if p["code"] not in mismatched)
    assignments = httpx.get(
        harvest + f"/projects/{project['id']}/task_assignments", headers=HARVEST_HEADERS, timeout=30
    ).json()["task_assignments"]
    assert assignments and project["code"] not in {
        d["entity_id"] for d in standing_drift(fresh_sandbox, "project_not_in_psa")
    }

    def set_active(assignment: dict, active: bool) -> None:
        patched = httpx.patch(
            harvest + f"/projects/{project['id']}/task_assignments/{assignment['id']}",
            json={"is_active": active},
            headers=HARVEST_HEADERS,
            timeout=30,
        )
        assert patched.status_code == 200, patched.text

    # Time tracked to a charge code keeps it from being deleted: it is archived instead.
    for assignment in assignments:
        set_active(assignment, False)
    [entry] = [
        d
        for d in standing_drift(fresh_sandbox, "project_not_in_psa")
        if d["entity_id"] == project["code"]
    ]
    assert entry["auto_fixable"] and entry["fix_flow"] == "activate_project"

    # One charge code back in use: in the PSA again.
    set_active(assignments[0], True)
    assert project["code"] not in {
        d["entity_id"] for d in standing_drift(fresh_sandbox, "project_not_in_psa")
    }
