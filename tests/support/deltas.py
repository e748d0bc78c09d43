"""Deltas made by hand for the push engine's tests and benchmark: the simplest real writes."""

from __future__ import annotations

from datetime import datetime

from orchestration.push.types import Delta

NOW = datetime(2026, 3, 2, 9, 0)


def psa_user(tag: str, i: int, *, email: str | None = None) -> Delta:
    address = email or f"{tag}-{i}@crosswalk-tests.example"
    return Delta(
        delta_id=f"{tag}-psa-{i}",
        flow="provision_worker",
        target_system="harvest",
        target_instance="harvest_acme",
        operation="create",
        entity_type="worker",
        entity_id=f"{tag}-{i}",
        target_remote_id=None,
        natural_key=address,
        payload={"first_name": "Test", "last_name": f"{tag.title()} {i}", "email": address},
        observed_at=NOW,
    )


def erp_employee(tag: str, i: int) -> Delta:
    return Delta(
        delta_id=f"{tag}-erp-{i}",
        flow="provision_worker",
        target_system="netsuite",
        target_instance="netsuite_sandbox",
        operation="create",
        entity_type="worker",
        entity_id=f"{tag}-{i}",
        target_remote_id=None,
        natural_key=f"{tag}-{i}",
        payload={
            "hcm_employee_id": f"{tag}-{i}",
            "first_name": "Test",
            "last_name": f"{tag.title()} {i}",
            "email": f"{tag}-{i}@crosswalk-tests.example",
            "subsidiary_id": 1,
        },
        observed_at=NOW,
    )


def psa_project(tag: str, client_id: int, task_ids: list[int], *, build: int = 1) -> Delta:
    """An activate_project create: a Harvest project with `task_ids` as its charge codes.

    `build` tells apart the deltas of two builds proposing the same project.
    """
    code = f"CW-{tag}".upper()
    return Delta(
        delta_id=f"{tag}-project-{build}",
        flow="activate_project",
        target_system="harvest",
        target_instance="harvest_acme",
        operation="create",
        entity_type="project",
        entity_id=code,
        target_remote_id=None,
        natural_key=code,
        payload={
            "project_code": code,
            "name": f"Test {tag}",
            "psa_client_id": str(client_id),
            "is_active": True,
            "is_billable": True,
            "is_fixed_fee": False,
            "task_ids": task_ids,
            "user_ids": [],
        },
        observed_at=NOW,
    )
