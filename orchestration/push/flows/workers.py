"""Flow handlers of the worker flows: provision_worker, update_worker, offboard_worker.

What each vendor needs (docs/write-back.md §5; /work/shared/vendor-specs):
- Harvest users (`/users`): no idempotency key, so a create whose reply was lost is found again by
  its natural key, the normalised email. Harvest has no email filter: the lookup reads the user
  list (2,000 a page). Harvest refuses a second user with a taken email (422): after a refusal
  the create looks the user up by email and adopts it if it is there (whatever the message
  says). Harvest refuses to rename an archived user, so an update that reactivates does that
  first. Deactivating is `is_active: false` (Harvest refuses to delete users with tracked time).
- Forecast bookings (`/assignments`, Harvest's scheduling API, its own base URL and
  `Forecast-Account-ID` header): a leaver's booking that ends after their termination is cut back
  to end on that date, or removed when it starts after it.
- NetSuite employees: a create is an upsert `PUT /record/v1/employee/eid:{externalId}` (the HCM
  id after its HCM instance's prefix, seed map_hcm_instance), so a resend updates the same
  record; references go by id, the supervisor by its externalId. A supervisor the ERP does not
  have yet is left out of a create (the next build's update_worker sets it once they exist)
  rather than failing it.
- Gusto employees: created in the token's company (`GET /v1/token_info`); Gusto takes no employee
  code on create, so the work email finds the record again.

Handlers make requests only through the TargetClient they are given and never sleep, retry or
write the ledger; a 4xx the vendor means is a PermanentFailure carrying the vendor's message.
"""

from __future__ import annotations

from typing import Any

import requests
from pydantic import BaseModel

from canonical_models.sync.workers import (
    BookingRelease,
    ErpEmployeeUpdate,
    ErpEmployeeUpsert,
    PayrollEmployeeCreate,
    PsaUserCreate,
    PsaUserUpdate,
    TargetDeactivation,
)
from orchestration.push.flows.answers import ok
from orchestration.push.flows.harvest_lists import harvest_list
from orchestration.push.types import (
    Delta,
    FlowHandler,
    PermanentFailure,
    TargetClient,
)

GUSTO_PAGE_SIZE = 100


def _json(response: requests.Response) -> Any:
    return response.json() if response.content else None


def _normalised(email: str | None) -> str:
    return (email or "").strip().lower()


def _payload(payload: BaseModel, model: type[BaseModel]) -> Any:
    """The validated payload as `model` (the engine validates; a wrong model is a wiring bug)."""
    inner = getattr(payload, "root", payload)
    if not isinstance(inner, model):
        raise PermanentFailure(f"payload is {type(inner).__name__}, expected {model.__name__}")
    return inner


# Harvest ------------------------------------------------------------------------------------


def _harvest_user_by_email(client: TargetClient, email: str | None) -> str | None:
    key = _normalised(email)
    if not key:
        return None
    for user in harvest_list(client, "/users"):
        if _normalised(user.get("email")) == key:
            return str(user["id"])
    return None


class HarvestUserCreate:
    """provision_worker → Harvest: a PSA user for a new active billable worker."""

    flow = "provision_worker"
    target_system = "harvest"

    def apply(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        user = _payload(payload, PsaUserCreate)
        response = client.request(
            "POST",
            "/users",
            json={"first_name": user.first_name, "last_name": user.last_name, "email": user.email},
        )
        if response.status_code == 422:
            # The user may exist (an earlier attempt whose reply was lost, or made by hand): then
            # adopt it. Judged by looking, not by the wording of Harvest's message.
            existing = self.find_existing(client, delta, payload)
            if existing is not None:
                return existing
        return str(ok(response, "harvest: create user").json()["id"])

    def find_existing(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        user = _payload(payload, PsaUserCreate)
        return _harvest_user_by_email(client, delta.natural_key or user.email)


class HarvestUserUpdate:
    """update_worker → Harvest: the user's names as HCM has them, and active.

    Harvest refuses to rename an archived user (422), so an update that reactivates is two
    requests, activation first; one that archives renames first. Each is safe to repeat.
    """

    flow = "update_worker"
    target_system = "harvest"

    def apply(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        user = _payload(payload, PsaUserUpdate)
        user_id = _required_remote_id(delta)
        names = {"first_name": user.first_name, "last_name": user.last_name}
        activity = {"is_active": user.is_active}
        for body in (activity, names) if user.is_active else (names, activity):
            ok(
                client.request("PATCH", f"/users/{user_id}", json=body),
                f"harvest: update user {user_id}",
            )
        return user_id

    def find_existing(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        return delta.target_remote_id


class HarvestOffboarding:
    """offboard_worker → Harvest: deactivate a leaver's user, or release a booking of theirs."""

    flow = "offboard_worker"
    target_system = "harvest"

    def apply(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        inner = getattr(payload, "root", payload)
        if isinstance(inner, BookingRelease):
            return _release_booking(client, _required_remote_id(delta), inner)
        _payload(payload, TargetDeactivation)
        user_id = _required_remote_id(delta)
        ok(
            client.request("PATCH", f"/users/{user_id}", json={"is_active": False}),
            f"harvest: deactivate user {user_id}",
        )
        return user_id

    def find_existing(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        return delta.target_remote_id


def _release_booking(client: TargetClient, booking_id: str, release: BookingRelease) -> str:
    """End the booking on the termination date, or remove it if it starts after that date."""
    forecast = _forecast_client(client)
    response = forecast.request("GET", f"/assignments/{booking_id}")
    if response.status_code == 404:
        return booking_id  # already removed: nothing left to release
    booking = ok(response, f"forecast: read booking {booking_id}").json()["assignment"]
    after = release.released_after.isoformat()
    if booking["start_date"] > after:
        response = forecast.request("DELETE", f"/assignments/{booking_id}")
        if response.status_code != 404:
            ok(response, f"forecast: remove booking {booking_id}")
    elif booking["end_date"] > after:
        ok(
            forecast.request(
                "PUT", f"/assignments/{booking_id}", json={"assignment": {"end_date": after}}
            ),
            f"forecast: end booking {booking_id}",
        )
    return booking_id


def _forecast_client(client: TargetClient) -> TargetClient:
    """The Forecast API of the client's Harvest account (a separate base URL and header)."""
    forecast = getattr(client, "forecast", None)
    if forecast is None:
        raise PermanentFailure(
            f"{client.instance}: no Forecast API configured (bookings live in Harvest Forecast)"
        )
    return forecast() if callable(forecast) else forecast


# NetSuite -----------------------------------------------------------------------------------


def _netsuite_employee_id(client: TargetClient, external_id: str) -> str | None:
    response = client.request("GET", f"/record/v1/employee/eid:{external_id}")
    if response.status_code == 404:
        return None
    return str(ok(response, "netsuite: read employee").json()["id"])


def _ref(record_id: int | None) -> dict[str, str] | None:
    return None if record_id is None else {"id": str(record_id)}


def _id_from_location(response: requests.Response) -> str | None:
    location = response.headers.get("Location")
    return location.rstrip("/").rsplit("/", 1)[-1] if location else None


class NetsuiteEmployeeUpsert:
    """provision_worker → NetSuite: the employee upserted by its externalId (prefix + HCM id)."""

    flow = "provision_worker"
    target_system = "netsuite"

    def apply(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        employee = _payload(payload, ErpEmployeeUpsert)
        body: dict[str, Any] = {
            "firstName": employee.first_name,
            "lastName": employee.last_name,
            "email": employee.email,
            "subsidiary": _ref(employee.subsidiary_id),
        }
        if employee.department_id is not None:
            body["department"] = _ref(employee.department_id)
        if employee.class_id is not None:
            body["class"] = _ref(employee.class_id)
        if employee.hire_date is not None:
            body["hireDate"] = employee.hire_date.isoformat()
        supervisor = employee.supervisor_erp_external_id
        if supervisor is not None and _netsuite_employee_id(client, supervisor) is not None:
            body["supervisor"] = {"externalId": supervisor}
        response = ok(
            client.request(
                "PUT",
                f"/record/v1/employee/eid:{employee.erp_external_id}",
                json=body,
                headers={"X-NetSuite-Idempotency-Key": delta.delta_id},
            ),
            f"netsuite: upsert employee eid:{employee.erp_external_id}",
        )
        return _id_from_location(response) or self.find_existing(client, delta, payload)

    def find_existing(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        employee = _payload(payload, ErpEmployeeUpsert)
        return _netsuite_employee_id(client, employee.erp_external_id)


class NetsuiteEmployeeUpdate:
    """update_worker → NetSuite: the employee's HCM-owned fields as HCM has them, and active.

    By internal id: the record may have been matched by email and carry no externalId.
    """

    flow = "update_worker"
    target_system = "netsuite"

    def apply(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        employee = _payload(payload, ErpEmployeeUpdate)
        record_id = _required_remote_id(delta)
        body: dict[str, Any] = {
            "firstName": employee.first_name,
            "lastName": employee.last_name,
            "email": employee.email,
            "isInactive": not employee.is_active,
            # HCM names no supervisor: clear the ERP's.
            "supervisor": (
                None
                if employee.supervisor_erp_external_id is None
                else {"externalId": employee.supervisor_erp_external_id}
            ),
        }
        # Unmapped HCM codes arrive as null: the ERP keeps what it has.
        for field, value in (
            ("subsidiary", employee.subsidiary_id),
            ("department", employee.department_id),
            ("class", employee.class_id),
        ):
            if value is not None:
                body[field] = _ref(value)
        ok(
            client.request("PATCH", f"/record/v1/employee/{record_id}", json=body),
            f"netsuite: update employee {record_id}",
        )
        return record_id

    def find_existing(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        return delta.target_remote_id


class NetsuiteEmployeeDeactivation:
    """offboard_worker → NetSuite: the leaver's employee inactive, released on their last day."""

    flow = "offboard_worker"
    target_system = "netsuite"

    def apply(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        leaver = _payload(payload, TargetDeactivation)
        record_id = _required_remote_id(delta)
        body: dict[str, Any] = {"isInactive": True}
        if leaver.termination_date is not None:
            body["releaseDate"] = leaver.termination_date.isoformat()
        ok(
            client.request("PATCH", f"/record/v1/employee/{record_id}", json=body),
            f"netsuite: deactivate employee {record_id}",
        )
        return record_id

    def find_existing(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        return delta.target_remote_id


# Gusto --------------------------------------------------------------------------------------


def _gusto_company(client: TargetClient) -> str:
    """The company the instance's token belongs to (one Gusto instance per company)."""
    info = ok(client.request("GET", "/v1/token_info"), "gusto: token info").json()
    return str(info["resource"]["uuid"])


def _gusto_employee_by_email(client: TargetClient, company: str, email: str) -> str | None:
    key = _normalised(email)
    page = 1
    while True:
        response = ok(
            client.request(
                "GET",
                f"/v1/companies/{company}/employees",
                params={"page": page, "per": GUSTO_PAGE_SIZE},
            ),
            "gusto: list employees",
        )
        employees = response.json()
        for employee in employees:
            if key in (_normalised(employee.get("work_email")), _normalised(employee.get("email"))):
                return str(employee["uuid"])
        if len(employees) < GUSTO_PAGE_SIZE:
            return None
        page += 1


class GustoEmployeeCreate:
    """provision_worker → Gusto: the payroll employee, if the company has none with the email."""

    flow = "provision_worker"
    target_system = "gusto"

    def apply(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        employee = _payload(payload, PayrollEmployeeCreate)
        company = _gusto_company(client)
        # "If absent": Gusto has no idempotency key on create, so look first.
        existing = _gusto_employee_by_email(client, company, employee.work_email)
        if existing is not None:
            return existing
        response = ok(
            client.request(
                "POST",
                f"/v1/companies/{company}/employees",
                json={
                    "first_name": employee.first_name,
                    "last_name": employee.last_name,
                    "work_email": employee.work_email,
                },
            ),
            "gusto: create employee",
        )
        return str(response.json()["uuid"])

    def find_existing(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        employee = _payload(payload, PayrollEmployeeCreate)
        return _gusto_employee_by_email(client, _gusto_company(client), employee.work_email)


def _required_remote_id(delta: Delta) -> str:
    if not delta.target_remote_id:
        raise PermanentFailure(f"{delta.flow} {delta.operation} needs the target record's id")
    return delta.target_remote_id


HANDLERS: dict[tuple[str, str], FlowHandler] = {
    (handler.flow, handler.target_system): handler
    for handler in (
        HarvestUserCreate(),
        HarvestUserUpdate(),
        HarvestOffboarding(),
        NetsuiteEmployeeUpsert(),
        NetsuiteEmployeeUpdate(),
        NetsuiteEmployeeDeactivation(),
        GustoEmployeeCreate(),
    )
}
