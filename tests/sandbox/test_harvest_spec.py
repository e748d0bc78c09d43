"""Every Harvest endpoint the sandbox serves answers as the Harvest v2 OpenAPI spec says.

Real HTTP answers of a running sandbox are validated with openapi-core against
../shared/vendor-specs/harvest-openapi.yaml (mended at load time, see tests/support/openapi.py):
status, body schema, and headers where the spec declares any. Reads use the shared sandbox;
writes use a private one so the shared firm stays as generated.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from openapi_core.validation.response.exceptions import InvalidData

from tests.support.harvest import harvest_client, validate
from tests.support.openapi import harvest_openapi
from tests.support.sandbox_process import SandboxProcess, start_sandbox

LISTS = (
    "users",
    "clients",
    "projects",
    "tasks",
    "user_assignments",
    "task_assignments",
    "time_entries",
)


@pytest.fixture(scope="module")
def hv(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    harvest_openapi()  # load the spec before the first request
    with harvest_client(sandbox) as client:
        yield client


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox(Path(tmp_path_factory.mktemp("harvest-spec")), rate_limits=False)
    yield process
    process.stop()


def first(client: httpx.Client, key: str, **params: Any) -> dict[str, Any]:
    rows = client.get(f"/{key}", params={"per_page": 1, **params}).json()[key]
    assert rows, f"the firm has no {key} matching {params}"
    return rows[0]


def test_validation_refuses_an_answer_that_breaks_the_spec(
    sandbox: SandboxProcess, hv: httpx.Client
) -> None:
    # Guards the guard: a real answer with one field of the wrong type must fail validation.
    real = validate(sandbox, hv.get("/time_entries", params={"per_page": 1}))
    broken = real.json()
    broken["time_entries"][0]["hours"] = "five"
    doctored = httpx.Response(
        200, headers=real.headers, content=orjson.dumps(broken), request=real.request
    )
    with pytest.raises(InvalidData):
        validate(sandbox, doctored)


@pytest.mark.parametrize("key", LISTS)
def test_list_pages_validate_first_middle_and_last(
    sandbox: SandboxProcess, hv: httpx.Client, key: str
) -> None:
    first_page = validate(sandbox, hv.get(f"/{key}", params={"per_page": 3})).json()
    assert len(first_page[key]) == 3
    assert first_page["page"] == 1 and first_page["total_entries"] >= 6
    middle = validate(sandbox, hv.get(first_page["links"]["next"])).json()
    assert len(middle[key]) == 3
    last = validate(sandbox, hv.get(first_page["links"]["last"])).json()
    assert last["page"] == last["total_pages"] and last["links"]["next"] is None


@pytest.mark.parametrize("key", ("user_assignments", "task_assignments"))
def test_project_scoped_assignment_lists_validate(
    sandbox: SandboxProcess, hv: httpx.Client, key: str
) -> None:
    project_id = first(hv, key)["project"]["id"]
    body = validate(sandbox, hv.get(f"/projects/{project_id}/{key}")).json()
    assert body[key] and {row["project"]["id"] for row in body[key]} == {project_id}


@pytest.mark.parametrize("key", ("users", "clients", "projects", "tasks", "time_entries"))
def test_single_objects_validate(sandbox: SandboxProcess, hv: httpx.Client, key: str) -> None:
    row = first(hv, key)
    one = validate(sandbox, hv.get(f"/{key}/{row['id']}")).json()
    assert one == row


@pytest.mark.parametrize("key", ("user_assignments", "task_assignments"))
def test_single_assignments_validate(sandbox: SandboxProcess, hv: httpx.Client, key: str) -> None:
    row = first(hv, key)
    one = validate(sandbox, hv.get(f"/projects/{row['project']['id']}/{key}/{row['id']}")).json()
    assert one == row


def test_me_validates(sandbox: SandboxProcess, hv: httpx.Client) -> None:
    me = validate(sandbox, hv.get("/users/me")).json()
    assert me["id"] and isinstance(me["access_roles"], list)


def test_unknown_record_is_a_404_error_payload(sandbox: SandboxProcess, hv: httpx.Client) -> None:
    response = validate(sandbox, hv.get("/time_entries/1"))
    assert response.status_code == 404
    assert response.json() == {"status": 404, "error": "Not Found"}


def _write_cycle(
    sandbox: SandboxProcess,
    client: httpx.Client,
    path: str,
    create: dict[str, Any],
    patch: dict[str, Any],
) -> dict[str, Any]:
    created = validate(sandbox, client.post(path, json=create))
    assert created.status_code == 201, created.text
    record = created.json()
    patched = validate(sandbox, client.patch(f"{path}/{record['id']}", json=patch))
    assert patched.status_code == 200, patched.text
    for field, value in patch.items():
        assert patched.json()[field] == value
    return patched.json()


def test_user_writes_validate(writable: SandboxProcess) -> None:
    with harvest_client(writable) as client:
        user = _write_cycle(
            writable,
            client,
            "/users",
            {
                "first_name": "Spec",
                "last_name": "Writer",
                "email": "spec.writer@acme.example",
                "roles": ["Consultant"],
                "access_roles": ["member"],
            },
            {"last_name": "Rewritten", "is_contractor": True},
        )
        deleted = validate(writable, client.delete(f"/users/{user['id']}"))
        assert deleted.status_code == 200 and deleted.content == b""


def test_client_writes_validate(writable: SandboxProcess) -> None:
    with harvest_client(writable) as client:
        record = _write_cycle(
            writable,
            client,
            "/clients",
            {"name": "Spec Client Ltd"},
            {"address": "1 Spec Street", "currency": "EUR"},
        )
        deleted = validate(writable, client.delete(f"/clients/{record['id']}"))
        assert deleted.status_code == 200


def test_project_and_task_writes_validate(writable: SandboxProcess) -> None:
    with harvest_client(writable) as client:
        client_id = first(client, "clients")["id"]
        project = _write_cycle(
            writable,
            client,
            "/projects",
            {
                "client_id": client_id,
                "name": "Spec Project",
                "code": "SPEC-1",
                "is_billable": True,
                "bill_by": "Project",
                "budget_by": "project",
                "hourly_rate": 150.0,
                "starts_on": "2026-03-01",
            },
            {"notes": "patched", "budget": 120.0},
        )
        task = _write_cycle(
            writable, client, "/tasks", {"name": "Spec Task"}, {"default_hourly_rate": 99.5}
        )
        path = f"/projects/{project['id']}/task_assignments"
        _write_cycle(writable, client, path, {"task_id": task["id"]}, {"budget": 10.0})
        user_id = first(client, "users", is_active="true")["id"]
        path = f"/projects/{project['id']}/user_assignments"
        assignment = _write_cycle(
            writable, client, path, {"user_id": user_id}, {"is_project_manager": True}
        )
        deleted = validate(writable, client.delete(f"{path}/{assignment['id']}"))
        assert deleted.status_code == 200
        deleted = validate(writable, client.delete(f"/projects/{project['id']}"))
        assert deleted.status_code == 200


def test_time_entry_writes_validate(writable: SandboxProcess) -> None:
    with harvest_client(writable) as client:
        assignment = first(client, "user_assignments", is_active="true")
        project_id = assignment["project"]["id"]
        task = client.get(f"/projects/{project_id}/task_assignments").json()["task_assignments"][0]
        entry = _write_cycle(
            writable,
            client,
            "/time_entries",
            {
                "user_id": assignment["user"]["id"],
                "project_id": project_id,
                "task_id": task["task"]["id"],
                "spent_date": "2026-03-03",
                "hours": 1.5,
                "notes": "spec check",
                "external_reference": {"id": "SPEC-1", "permalink": "https://tickets.example/1"},
            },
            {"hours": 2.25, "notes": "spec check, patched"},
        )
        assert entry["external_reference"]["id"] == "SPEC-1"
        deleted = validate(writable, client.delete(f"/time_entries/{entry['id']}"))
        assert deleted.status_code == 200
