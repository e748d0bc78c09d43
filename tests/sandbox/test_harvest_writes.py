"""Harvest writes: round trips, what Harvest refuses (and that nothing of it is applied), hard
deletes, business-clock stamps, and the create log behind /_sandbox/truth/duplicates.

One private sandbox (rate limits off) serves the module, so the shared firm stays as generated.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.harvest import forecast_client, harvest_client, state
from tests.support.sandbox_process import SandboxProcess, start_sandbox


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox(Path(tmp_path_factory.mktemp("harvest-writes")), rate_limits=False)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def hv(box: SandboxProcess) -> Iterator[httpx.Client]:
    with harvest_client(box) as client:
        yield client


def clock(box: SandboxProcess) -> str:
    with state(box) as db:
        return db.execute("select value from sandbox_meta where key = 'business_now'").fetchone()[0]


def counts(box: SandboxProcess) -> dict[str, int]:
    return httpx.get(f"{box.base('control')}/truth/counts").json()["harvest"]


def duplicates(box: SandboxProcess) -> list[dict[str, Any]]:
    return httpx.get(f"{box.base('control')}/truth/duplicates").json()["duplicates"]


def new_project(hv: httpx.Client, name: str, *, billable: bool) -> dict[str, Any]:
    """A project of the first client: billed by person, or not billed."""
    client_id = hv.get("/clients", params={"per_page": 1}).json()["clients"][0]["id"]
    body = {
        "client_id": client_id,
        "name": name,
        "is_billable": billable,
        "bill_by": "People" if billable else "none",
        "budget_by": "none",
    }
    return hv.post("/projects", json=body).json()


def placement(hv: httpx.Client) -> dict[str, int]:
    """A user, project and task a new time entry may use (both assignments exist)."""
    assignment = hv.get("/user_assignments", params={"is_active": "true", "per_page": 1}).json()[
        "user_assignments"
    ][0]
    project_id = assignment["project"]["id"]
    task = hv.get(f"/projects/{project_id}/task_assignments").json()["task_assignments"][0]
    return {
        "user_id": assignment["user"]["id"],
        "project_id": project_id,
        "task_id": task["task"]["id"],
    }


def test_user_round_trip_and_hard_delete(box: SandboxProcess, hv: httpx.Client) -> None:
    before = counts(box)["users"]
    created = hv.post(
        "/users",
        json={"first_name": "Ada", "last_name": "Round", "email": "ada.round@acme.example"},
    )
    assert created.status_code == 201
    user = created.json()
    assert user["created_at"] == user["updated_at"] == clock(box)
    assert hv.get(f"/users/{user['id']}").json() == user
    patched = hv.patch(f"/users/{user['id']}", json={"last_name": "Trip", "is_active": False})
    assert patched.status_code == 200
    assert hv.get(f"/users/{user['id']}").json()["last_name"] == "Trip"
    assert counts(box)["users"] == before + 1
    assert hv.delete(f"/users/{user['id']}").status_code == 200
    assert hv.get(f"/users/{user['id']}").status_code == 404
    assert counts(box)["users"] == before
    with state(box) as db:
        assert (
            db.execute("select count(*) from harvest_users where id = ?", (user["id"],)).fetchone()[
                0
            ]
            == 0
        )


def test_duplicate_email_is_refused_ignoring_case_and_whitespace(
    box: SandboxProcess, hv: httpx.Client
) -> None:
    existing = hv.get("/users", params={"per_page": 1}).json()["users"][0]
    variant = f"  {existing['email'].strip().upper()} "
    before = counts(box)["users"]
    refused = hv.post("/users", json={"first_name": "Dup", "last_name": "Licate", "email": variant})
    assert refused.status_code == 422
    assert refused.json() == {"message": "Email has already been taken"}
    assert counts(box)["users"] == before
    with state(box) as db:
        same = db.execute(
            "select count(*) from harvest_users where lower(trim(email)) = ?",
            (existing["email"].strip().lower(),),
        ).fetchone()[0]
    assert same == 1
    # Changing another user's email to it is refused too, and that user keeps theirs.
    other = hv.get("/users", params={"per_page": 2}).json()["users"][1]
    refused = hv.patch(f"/users/{other['id']}", json={"email": variant})
    assert refused.status_code == 422
    assert hv.get(f"/users/{other['id']}").json()["email"] == other["email"]


def test_an_archived_users_names_are_refused_until_it_is_reactivated(hv: httpx.Client) -> None:
    created = hv.post(
        "/users",
        json={"first_name": "Ann", "last_name": "Archived", "email": "ann.archived@acme.example"},
    ).json()
    user = f"/users/{created['id']}"
    assert hv.patch(user, json={"is_active": False}).status_code == 200

    # Refused, even in the request that reactivates, and nothing of it is applied.
    for body in ({"last_name": "Renamed"}, {"last_name": "Renamed", "is_active": True}):
        refused = hv.patch(user, json=body)
        assert refused.status_code == 422
        assert refused.json() == {"message": "Last name can't be updated if the user is inactive"}
        kept = hv.get(user).json()
        assert (kept["last_name"], kept["is_active"]) == ("Archived", False)
    # An unchanged name is no update; reactivating, then renaming, is accepted.
    assert hv.patch(user, json={"first_name": "Ann", "weekly_capacity": 3600}).status_code == 200
    assert hv.patch(user, json={"is_active": True}).status_code == 200
    assert hv.patch(user, json={"last_name": "Renamed"}).status_code == 200
    renamed = hv.get(user).json()
    assert (renamed["last_name"], renamed["is_active"], renamed["weekly_capacity"]) == (
        "Renamed",
        True,
        3600,
    )


def test_duplicate_user_assignment_is_refused(box: SandboxProcess, hv: httpx.Client) -> None:
    taken = hv.get("/user_assignments", params={"per_page": 1}).json()["user_assignments"][0]
    project_id, user_id = taken["project"]["id"], taken["user"]["id"]
    refused = hv.post(f"/projects/{project_id}/user_assignments", json={"user_id": user_id})
    assert refused.status_code == 422
    assert "already" in refused.json()["message"]
    listed = hv.get(f"/projects/{project_id}/user_assignments", params={"user_id": user_id}).json()
    assert [a["id"] for a in listed["user_assignments"]] == [taken["id"]]


def test_approved_and_locked_entries_are_refused_and_kept(
    box: SandboxProcess, hv: httpx.Client
) -> None:
    with state(box) as db:
        closed = dict(
            db.execute(
                "select * from harvest_time_entries where is_closed = 1 order by id limit 1"
            ).fetchone()
        )
    refused = hv.patch(f"/time_entries/{closed['id']}", json={"hours": 9.0, "notes": "edit"})
    assert refused.status_code == 403
    assert hv.delete(f"/time_entries/{closed['id']}").status_code == 403
    kept = hv.get(f"/time_entries/{closed['id']}").json()
    assert (kept["hours"], kept["notes"], kept["updated_at"]) == (
        closed["hours"],
        closed["notes"],
        closed["updated_at"],
    )
    # An entry locked for another reason (e.g. invoiced) is refused with a 422 naming it.
    entry = hv.post(
        "/time_entries", json={**placement(hv), "spent_date": "2026-03-02", "hours": 1.0}
    ).json()
    with state(box) as db:
        db.execute(
            "update harvest_time_entries set is_locked = 1, locked_reason = ? where id = ?",
            ("Item Invoiced and Locked for this Time Period", entry["id"]),
        )
        db.commit()
    refused = hv.delete(f"/time_entries/{entry['id']}")
    assert refused.status_code == 422 and "Invoiced" in refused.json()["message"]
    assert hv.get(f"/time_entries/{entry['id']}").status_code == 200


def test_time_entry_round_trip_and_hard_delete(box: SandboxProcess, hv: httpx.Client) -> None:
    where = placement(hv)
    before = counts(box)["time_entries"]
    created = hv.post(
        "/time_entries",
        json={
            **where,
            "spent_date": "2026-03-03",
            "started_time": "9:00am",
            "ended_time": "11:30am",
            "notes": "round trip",
        },
    )
    assert created.status_code == 201
    entry = created.json()
    assert entry["hours"] == 2.5 and entry["user"]["id"] == where["user_id"]
    assert entry["user_assignment"] and entry["task_assignment"]
    assert entry["created_at"] == clock(box)
    patched = hv.patch(f"/time_entries/{entry['id']}", json={"hours": 3.0}).json()
    assert patched["hours"] == 3.0 and patched["notes"] == "round trip"
    listed = hv.get(
        "/time_entries",
        params={"user_id": where["user_id"], "from": "2026-03-03", "to": "2026-03-03"},
    ).json()
    assert entry["id"] in {e["id"] for e in listed["time_entries"]}
    assert counts(box)["time_entries"] == before + 1
    assert hv.delete(f"/time_entries/{entry['id']}").status_code == 200
    assert hv.get(f"/time_entries/{entry['id']}").status_code == 404
    assert counts(box)["time_entries"] == before
    listed = hv.get(
        "/time_entries",
        params={"user_id": where["user_id"], "from": "2026-03-03", "to": "2026-03-03"},
    ).json()
    assert entry["id"] not in {e["id"] for e in listed["time_entries"]}


def test_creates_log_natural_keys_and_duplicates(box: SandboxProcess, hv: httpx.Client) -> None:
    body = {
        **placement(hv),
        "spent_date": "2026-03-02",
        "hours": 0.5,
        "external_reference": {"id": "JIRA-42", "permalink": "https://jira.example/42"},
    }
    first = hv.post("/time_entries", json=body).json()
    second = hv.post("/time_entries", json=body).json()
    found = hv.get("/time_entries", params={"external_reference_id": "JIRA-42"}).json()
    assert {e["id"] for e in found["time_entries"]} == {first["id"], second["id"]}
    logged = [d for d in duplicates(box) if d["natural_key"] == "JIRA-42"]
    assert logged == [
        {
            "system": "harvest",
            "entity": "time_entries",
            "natural_key": "JIRA-42",
            "remote_id": str(second["id"]),
            "duplicate_of": str(first["id"]),
            "created_at": clock(box),
        }
    ]
    code = hv.get("/projects", params={"per_page": 1}).json()["projects"][0]
    again = hv.post(
        "/projects",
        json={
            "client_id": code["client"]["id"],
            "name": "Copy",
            "code": code["code"],
            "is_billable": True,
            "bill_by": "Project",
            "budget_by": "none",
        },
    )
    assert again.status_code == 201
    projects = [d for d in duplicates(box) if d["entity"] == "projects"]
    assert projects[-1]["natural_key"] == code["code"]
    assert projects[-1]["duplicate_of"] == str(code["id"])


def test_deleting_a_project_deletes_its_entries_and_assignments(
    box: SandboxProcess, hv: httpx.Client
) -> None:
    project = new_project(hv, "Short lived", billable=False)
    task_id = hv.get("/tasks", params={"per_page": 1}).json()["tasks"][0]["id"]
    user_id = hv.get("/users/me").json()["id"]
    pid = project["id"]
    assert hv.post(f"/projects/{pid}/task_assignments", json={"task_id": task_id}).is_success
    assert hv.post(f"/projects/{pid}/user_assignments", json={"user_id": user_id}).is_success
    entry = hv.post(
        "/time_entries",
        json={"project_id": pid, "task_id": task_id, "spent_date": "2026-03-03", "hours": 1},
    ).json()
    assert entry["user"]["id"] == user_id  # no user_id: the token's own user
    assert hv.delete(f"/projects/{pid}").status_code == 200
    assert hv.get(f"/projects/{pid}").status_code == 404
    assert hv.get(f"/time_entries/{entry['id']}").status_code == 404
    with state(box) as db:
        left = db.execute(
            "select (select count(*) from harvest_user_assignments where project_id = ?) + "
            "(select count(*) from harvest_task_assignments where project_id = ?)",
            (pid, pid),
        ).fetchone()[0]
    assert left == 0


def test_a_task_assignment_is_not_billable_unless_told(hv: httpx.Client) -> None:
    # Harvest: "Defaults to false", even for a task billable by default on a billable project.
    project = new_project(hv, "Billable by the hour", billable=True)
    tasks = hv.get("/tasks", params={"is_active": "true"}).json()["tasks"]
    default_billable = [t["id"] for t in tasks if t["billable_by_default"]][:2]
    assert len(default_billable) == 2
    assignments = f"/projects/{project['id']}/task_assignments"
    unsaid = hv.post(assignments, json={"task_id": default_billable[0]}).json()
    said = hv.post(assignments, json={"task_id": default_billable[1], "billable": True}).json()
    assert (unsaid["billable"], said["billable"]) == (False, True)


def test_nested_objects_follow_a_rename(box: SandboxProcess, hv: httpx.Client) -> None:
    # The nested-object cache must not serve a stale name after a write.
    entry = hv.get("/time_entries", params={"per_page": 1}).json()["time_entries"][0]
    project_id = entry["project"]["id"]
    assert hv.patch(f"/projects/{project_id}", json={"name": "Renamed Project"}).is_success
    again = hv.get("/time_entries", params={"per_page": 1}).json()["time_entries"][0]
    assert again["id"] == entry["id"] and again["project"]["name"] == "Renamed Project"


def test_forecast_booking_round_trip(box: SandboxProcess, hv: httpx.Client) -> None:
    where = placement(hv)
    before = counts(box)["forecast_assignments"]
    booking = {
        "person_id": where["user_id"],
        "project_id": where["project_id"],
        "start_date": "2026-04-06",
        "end_date": "2026-04-17",
        "allocation": 14400,
    }
    with forecast_client(box) as fc:
        created = fc.post("/assignments", json={"assignment": booking})
        assert created.status_code == 201
        made = created.json()["assignment"]
        assert {k: made[k] for k in booking} == booking
        moved = fc.put(
            f"/assignments/{made['id']}", json={"assignment": {"end_date": "2026-04-24"}}
        )
        assert moved.json()["assignment"]["end_date"] == "2026-04-24"
        refused = fc.put(f"/assignments/{made['id']}", json={"end_date": "2026-01-01"})
        assert refused.status_code == 422
        assert counts(box)["forecast_assignments"] == before + 1
        assert fc.delete(f"/assignments/{made['id']}").status_code == 204
        listed = fc.get("/assignments", params={"person_id": where["user_id"]}).json()
        assert made["id"] not in {a["id"] for a in listed["assignments"]}
    assert counts(box)["forecast_assignments"] == before


def test_a_prefetched_next_page_never_serves_stale_rows(
    box: SandboxProcess, hv: httpx.Client
) -> None:
    # Answering page 1 starts building page 2 in the background; a commit made meanwhile, even
    # by another process, must show on page 2 when the client follows links.next.
    first_page = hv.get("/time_entries", params={"per_page": 3}).json()
    with state(box) as db:
        target = db.execute(
            "select id from harvest_time_entries order by spent_date desc, id desc limit 1 offset 3"
        ).fetchone()[0]
        db.execute(
            "update harvest_time_entries set notes = ? where id = ?",
            ("changed behind the API", target),
        )
        db.commit()
    second_page = hv.get(first_page["links"]["next"]).json()["time_entries"]
    assert second_page[0]["id"] == target
    assert second_page[0]["notes"] == "changed behind the API"
