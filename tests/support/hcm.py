"""Hire through the sandbox's BambooHR API, as a person in HR would."""

from __future__ import annotations

import uuid

import httpx

from tests.support.sandbox_process import SandboxProcess

BAMBOOHR_KEY = ("sandbox-key", "x")
# Copied from an existing active billable employee, so the hire maps like the firm's own people.
TEMPLATE_FIELDS = (
    "department",
    "division",
    "location",
    "jobTitle",
    "supervisorEId",
    "payType",
    "customLegalEntity",
    "customCostCenter",
    "customLaborCategory",
    "customBillable",
)


def bamboohr(sandbox: SandboxProcess, method: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.request(
        method,
        sandbox.base("bamboohr") + path,
        auth=BAMBOOHR_KEY,
        headers={"Accept": "application/json"},
        timeout=30,
        **kwargs,
    )


def billable_template(sandbox: SandboxProcess) -> dict[str, str]:
    directory = bamboohr(sandbox, "GET", "/employees/directory").json()["employees"]
    fields = ",".join(("status", *TEMPLATE_FIELDS))
    for entry in directory:
        record = bamboohr(sandbox, "GET", f"/employees/{entry['id']}", params={"fields": fields})
        employee = record.json()
        if employee.get("status") == "Active" and employee.get("customBillable") == "Yes":
            return {k: employee[k] for k in TEMPLATE_FIELDS if employee.get(k)}
    raise AssertionError("the firm has no active billable employee to copy")


def hire(
    sandbox: SandboxProcess, template: dict[str, str], first_name: str = "Ada"
) -> tuple[str, str]:
    """Hire a billable worker like `template`, starting today; (HCM id, work email)."""
    today = httpx.get(sandbox.base("control") + "/clock", timeout=10).json()["business_now"]
    email = f"{first_name.lower()}.{uuid.uuid4().hex[:10]}@acme.example"
    created = bamboohr(
        sandbox,
        "POST",
        "/employees",
        json={
            **template,
            "firstName": first_name,
            "lastName": "Webhook",
            "workEmail": email,
            "hireDate": today[:10],
            "status": "Active",
        },
    )
    assert created.status_code == 201, created.text
    return created.headers["Location"].rsplit("/", 1)[1], email
