"""Deltas made by hand for the push engine's tests and benchmark: the simplest real writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orchestration.push.types import Delta

NOW = datetime(2026, 3, 2, 9, 0)
INSTANCES = {"harvest": "harvest_acme", "netsuite": "netsuite_sandbox", "gusto": "gusto_acme"}


def delta(
    delta_id: str,
    flow: str,
    target_system: str,
    entity_type: str,
    entity_id: str,
    natural_key: str,
    payload: dict[str, Any],
    *,
    operation: str = "create",
    target_remote_id: str | None = None,
) -> Delta:
    """A delta to the sandbox's one instance of `target_system`, observed at NOW."""
    return Delta(
        delta_id=delta_id,
        flow=flow,
        target_system=target_system,
        target_instance=INSTANCES[target_system],
        operation=operation,
        entity_type=entity_type,
        entity_id=entity_id,
        target_remote_id=target_remote_id,
        natural_key=natural_key,
        payload=payload,
        observed_at=NOW,
    )


def psa_user(tag: str, i: int, *, email: str | None = None) -> Delta:
    address = email or f"{tag}-{i}@crosswalk-tests.example"
    payload = {"first_name": "Test", "last_name": f"{tag.title()} {i}", "email": address}
    return delta(
        f"{tag}-psa-{i}", "provision_worker", "harvest", "worker", f"{tag}-{i}", address, payload
    )


def erp_employee(tag: str, i: int) -> Delta:
    payload = {
        "hcm_employee_id": str(i),
        "erp_external_id": f"{tag}-{i}",  # the instance's prefix, then the HCM id
        "first_name": "Test",
        "last_name": f"{tag.title()} {i}",
        "email": f"{tag}-{i}@crosswalk-tests.example",
        "subsidiary_id": 1,
    }
    key = f"{tag}-{i}"
    return delta(f"{tag}-erp-{i}", "provision_worker", "netsuite", "worker", key, key, payload)


def psa_project(tag: str, client_id: int, task_ids: list[int], *, build: int = 1) -> Delta:
    """An activate_project create: a Harvest project with `task_ids` as its charge codes.

    `build` tells apart the deltas of two builds proposing the same project.
    """
    code = f"CW-{tag}".upper()
    payload = {
        "project_code": code,
        "name": f"Test {tag}",
        "psa_client_id": str(client_id),
        "is_active": True,
        "is_billable": True,
        "is_fixed_fee": False,
        "task_ids": task_ids,
        "user_ids": [],
    }
    return delta(
        f"{tag}-project-{build}", "activate_project", "harvest", "project", code, code, payload
    )
