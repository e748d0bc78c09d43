"""Helpers for the Harvest emulator's tests: an HTTP client as Harvest's docs describe, spec
validation of real answers, link following, and read-only access to the sandbox's state file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tests.support.openapi import HARVEST_SERVER, harvest_openapi, validate_response
from tests.support.sandbox_process import SandboxProcess

HEADERS = {
    "Authorization": "Bearer sandbox-token",
    "Harvest-Account-Id": "100001",
    "User-Agent": "crosswalk tests (tests@crosswalk.example)",
}
FORECAST_HEADERS = {"Authorization": "Bearer sandbox-token", "Forecast-Account-ID": "100001"}


def harvest_client(sandbox: SandboxProcess) -> httpx.Client:
    """A client of the sandbox's Harvest API with the three headers Harvest requires."""
    return httpx.Client(base_url=sandbox.base("harvest"), headers=HEADERS, timeout=60)


def add_contractor(sandbox: SandboxProcess) -> dict[str, Any]:
    """A contractor added by hand in the PSA and staffed on an active project: no cost rate and no
    HR record (so no ERP labour cost to fall back on). The time they log can be approved, not
    costed. Their Harvest user."""
    with harvest_client(sandbox) as harvest:
        user = harvest.post(
            "/users",
            json={
                "first_name": "Casey",
                "last_name": "Contractor",
                "email": "casey@contract.example",
            },
        )
        assert user.status_code == 201, user.text
        projects = harvest.get("/projects", params={"is_active": "true"}).raise_for_status()
        project_id = projects.json()["projects"][0]["id"]
        assignment = harvest.post(
            f"/projects/{project_id}/user_assignments", json={"user_id": user.json()["id"]}
        )
        assert assignment.status_code == 201, assignment.text
    return user.json()


def forecast_client(sandbox: SandboxProcess) -> httpx.Client:
    return httpx.Client(base_url=sandbox.base("forecast"), headers=FORECAST_HEADERS, timeout=60)


def validate(sandbox: SandboxProcess, response: httpx.Response) -> httpx.Response:
    """Raise unless `response` is what the Harvest spec declares for its operation."""
    validate_response(
        harvest_openapi(),
        response,
        sandbox_base=sandbox.base("harvest"),
        spec_server=HARVEST_SERVER,
    )
    return response


def follow(
    client: httpx.Client, key: str, path: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every row of a list, following `links.next` as Harvest says clients should.

    Returns:
        The rows and every page envelope (without its rows), in order.
    """
    rows: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    response = client.get(path, params=params)
    while True:
        response.raise_for_status()
        body = response.json()
        rows.extend(body.pop(key))
        pages.append(body)
        following = body["links"]["next"]
        if following is None:
            return rows, pages
        response = client.get(following)


@contextmanager
def state(sandbox: SandboxProcess) -> Iterator[sqlite3.Connection]:
    """The sandbox's SQLite file, read directly: the ground truth the API must agree with."""
    conn = sqlite3.connect(sandbox.state, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        yield conn
    finally:
        conn.close()
