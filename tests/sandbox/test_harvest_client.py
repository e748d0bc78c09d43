"""python-harvest-redux 4.0.0, unchanged but for base URL and credentials, against the sandbox.

The library authenticates the API v2 way (`Authorization: Bearer` plus `Harvest-Account-Id`,
with a User-Agent) and its client, project, task and task-assignment calls use v2 paths, so
those work against a v2 server. Its people, time-tracking (`/daily`) and update calls are API v1
(`/people`, `/daily/...`, PUT instead of PATCH): Harvest v2 has no such routes, and neither does
the sandbox. Time entries and users are therefore exercised with plain httpx elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harvest import Harvest

from tests.support.harvest import state
from tests.support.sandbox_process import SandboxProcess


@pytest.fixture()
def redux(fresh_sandbox: SandboxProcess) -> Iterator[Harvest]:
    yield Harvest(
        fresh_sandbox.base("harvest"), personal_token="sandbox-token", account_id="100001"
    )


def test_reads_through_the_library(fresh_sandbox: SandboxProcess, redux: Harvest) -> None:
    clients = redux.clients()
    with state(fresh_sandbox) as db:
        assert (
            clients["total_entries"]
            == db.execute("select count(*) from harvest_clients").fetchone()[0]
        )
    first = clients["clients"][0]
    assert redux.get_client(first["id"])["name"] == first["name"]
    project = redux.projects()["projects"][0]
    assert redux.get_project(project["id"])["code"] == project["code"]
    task = redux.tasks()["tasks"][0]
    assert redux.get_task(task["id"]) == task
    assignments = redux.get_all_tasks_from_project(project["id"])["task_assignments"]
    assert assignments
    one = redux.get_one_task_assigment(project["id"], assignments[0]["id"])
    assert one["project"]["id"] == project["id"]


def test_creates_through_the_library(fresh_sandbox: SandboxProcess, redux: Harvest) -> None:
    client = redux.create_client(name="Redux Client", currency="EUR")
    assert client["id"] and client["currency"] == "EUR"
    task = redux.create_task(name="Redux Task")
    project = redux.create_project(
        client_id=client["id"],
        name="Redux Project",
        is_billable=True,
        bill_by="Tasks",
        budget_by="none",
    )
    assigned = redux.assign_task_to_project(project["id"], task_id=task["id"], hourly_rate=120.0)
    assert assigned["task"]["id"] == task["id"] and assigned["hourly_rate"] == 120.0
    with state(fresh_sandbox) as db:
        assert (
            db.execute("select name from harvest_clients where id = ?", (client["id"],)).fetchone()[
                0
            ]
            == "Redux Client"
        )


def test_v1_only_calls_find_no_route(fresh_sandbox: SandboxProcess, redux: Harvest) -> None:
    client = redux.clients()["clients"][0]
    # v1's PUT update is not a v2 method: refused, and the client keeps its name.
    refused = redux.update_client(client["id"], name="Renamed by v1")
    assert refused == {"detail": "Method Not Allowed"}
    assert redux.get_client(client["id"])["name"] == client["name"]
    assert redux.users == {"detail": "Not Found"}  # v1's /people
