"""Flow handlers of the delivery and finance flows (docs/write-back.md §5).

Vendor quirks these handlers live with:
- Harvest takes no idempotency key and no natural-key uniqueness: a lost reply to a project
  create followed by a resend would duplicate it. So the create first looks the project up by
  its code (Harvest's only filter-free way is listing projects) and completes what exists; the
  task and user assignments it adds answer 422 when present, which (once seen listed) is success.
- NetSuite takes `X-NetSuite-Idempotency-Key` only on asynchronous writes (`Prefer:
  respond-async`, 202 + the job's Location). A reused key answers IDEMPOTENCY_ERROR with the
  earlier job's Location, which is followed like a fresh job, so a resend never writes twice
  (without a Location, the record is looked up by its externalId until it exists).
  Records also carry an externalId (the delta's natural key), which NetSuite keeps unique: a
  DUP_RCRD answer means the record exists and is adopted.
- A job still running is a TransientFailure: the engine retries later, the retry's reused key
  leads back to the same job. Handlers never sleep, retry or write the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import requests
from pydantic import BaseModel

from canonical_models.sync.delivery import (
    ActivateProject,
    LabourJournal,
    PayrollJournal,
    ResourceAllocation,
)
from dlt_sources.netsuite.helpers import problem_details
from orchestration.push.flows.answers import failure
from orchestration.push.flows.harvest_lists import harvest_list
from orchestration.push.types import (
    Delta,
    FlowHandler,
    PermanentFailure,
    TargetClient,
    TransientFailure,
)

JOB_POLL_RETRY_SECONDS = 5.0
FULL_DAY_HOURS = Decimal("8")  # a booking of 8 h/day is a 100 % allocation


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def _version_text(delta_version: Any) -> str:
    """A time entry version as Harvest writes `updated_at` (UTC, seconds, `Z`)."""
    return delta_version.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Harvest ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HarvestProjectHandler:
    """activate_project → Harvest: a project with charge codes and user access, or its flag.

    A create is three kinds of request; one that stopped after the project (a 5xx, a kill) is
    finished by the next attempt, which adopts the project and assigns what is missing.
    """

    flow: str = "activate_project"
    target_system: str = "harvest"
    completes_existing: bool = True

    def apply(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        assert isinstance(payload, ActivateProject)
        if not payload.is_create:
            return self._set_active(client, delta, payload)
        project_id = self.find_existing(client, delta, payload) or self._create(client, payload)
        assigned_before: set[int] = set()  # by an earlier attempt, or archived by a person
        for task_id in payload.task_ids or []:
            # Harvest makes a task assignment non-billable unless told (not the task's default).
            assignment = {"task_id": task_id, "billable": payload.is_billable}
            if not self._assign(client, project_id, "task_assignments", assignment):
                assigned_before.add(task_id)
        if assigned_before:
            self._complete_tasks(client, project_id, assigned_before, payload.is_billable)
        for user_id in payload.user_ids or []:
            self._assign(client, project_id, "user_assignments", {"user_id": user_id})
        return project_id

    def find_existing(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        assert isinstance(payload, ActivateProject)
        for project in harvest_list(client, "/projects"):
            if project.get("code") == payload.project_code:
                return str(project["id"])
        return None

    def _create(self, client: TargetClient, payload: ActivateProject) -> str:
        body = {
            "client_id": int(payload.psa_client_id or 0),
            "name": payload.name,
            "code": payload.project_code,
            "is_active": True,
            "is_billable": payload.is_billable,
            "is_fixed_fee": payload.is_fixed_fee,
            "bill_by": "People" if payload.is_billable else "none",
            "budget_by": "none",
            "starts_on": payload.start_date.isoformat() if payload.start_date else None,
            "ends_on": payload.end_date.isoformat() if payload.end_date else None,
        }
        response = client.request("POST", "/projects", json=body)
        if response.status_code != 201:
            raise failure(response, f"harvest: create project {payload.project_code}")
        return str(response.json()["id"])

    def _assign(
        self, client: TargetClient, project_id: str, kind: str, body: dict[str, Any]
    ) -> bool:
        """Assign; False when it already was (by an earlier attempt, or archived by a person).

        Harvest refuses a second assignment (422), so sending it again is harmless
        (`idempotent`): a multi-request create is not at the mercy of every request. Whether a
        422 means "already there" is judged by looking, not by the wording of Harvest's message.
        """
        path = f"/projects/{project_id}/{kind}"
        response = client.request("POST", path, json=body, idempotent=True)
        if response.status_code == 201:
            return True
        if response.status_code == 422 and self._assigned(client, path, body):
            return False
        raise failure(response, f"harvest: {kind} {body} on project {project_id}")

    def _assigned(self, client: TargetClient, path: str, body: dict[str, Any]) -> bool:
        """Whether the project's assignments (`path`) hold the task or user `body` names."""
        kind, wanted = ("task", body["task_id"]) if "task_id" in body else ("user", body["user_id"])
        return any(a[kind]["id"] == wanted for a in harvest_list(client, path))

    def _complete_tasks(
        self, client: TargetClient, project_id: str, task_ids: set[int], billable: bool
    ) -> None:
        """Charge codes already on the project, made usable: active and billed as the project is.

        They may be archived, or non-billable (made before assignments said billable).

        Only a create reaches here, and the rule proposes one only for a project with no active
        charge code, so a person's archiving on a project that has others is left alone.
        """
        wanted = {"is_active": True, "billable": billable}
        tasks = f"/projects/{project_id}/task_assignments"
        for assignment in harvest_list(client, tasks):
            if assignment["task"]["id"] not in task_ids:
                continue
            if any(assignment.get(field) != value for field, value in wanted.items()):
                path = f"/projects/{project_id}/task_assignments/{assignment['id']}"
                patched = client.request("PATCH", path, json=wanted)
                if patched.status_code != 200:
                    raise failure(patched, f"harvest: completing {path}")

    def _set_active(self, client: TargetClient, delta: Delta, payload: ActivateProject) -> str:
        if not delta.target_remote_id:
            raise PermanentFailure(f"no PSA project id to update for {payload.project_code}")
        response = client.request(
            "PATCH", f"/projects/{delta.target_remote_id}", json={"is_active": payload.is_active}
        )
        if response.status_code != 200:
            raise failure(response, f"harvest: update project {payload.project_code}")
        return delta.target_remote_id


# --- NetSuite ---------------------------------------------------------------------------------


def _relative(location: str) -> str:
    """A Location header's path below the REST base (the client adds its base URL)."""
    marker = "/services/rest"
    return location[location.index(marker) + len(marker) :] if marker in location else location


def _location_id(response: requests.Response) -> str:
    return response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class NetSuiteRecordWriter:
    """Creates one NetSuite record idempotently: async + idempotency key, adopted on DUP_RCRD."""

    record_type: str  # as the Record API spells it, e.g. journalEntry

    def create(self, client: TargetClient, delta: Delta, body: dict[str, Any]) -> str:
        response = client.request(
            "POST",
            f"/record/v1/{self.record_type}",
            json=body,
            headers={"Prefer": "respond-async", "X-NetSuite-Idempotency-Key": delta.delta_id},
        )
        if response.status_code == 204:  # answered synchronously
            return _location_id(response)
        code, detail = problem_details(response)
        location = response.headers.get("Location")
        accepted = response.status_code == 202 or code == "IDEMPOTENCY_ERROR"
        if accepted and location:
            return self._job_outcome(client, delta, body, _relative(location))
        if accepted:  # no job named: the record, once it exists
            found = self.find(client, body.get("externalId"))
            if found:
                return found
            raise TransientFailure(
                f"NetSuite {self.record_type}: accepted, no job named and no record yet",
                retry_after=JOB_POLL_RETRY_SECONDS,
            )
        return self._refused(client, body, response.status_code, code, detail)

    def find(self, client: TargetClient, external_id: str | None) -> str | None:
        if not external_id:
            return None
        response = client.request(
            "GET", f"/record/v1/{self.record_type}/eid:{quote(external_id, safe='')}"
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            code, detail = problem_details(response)
            raise PermanentFailure(
                f"NetSuite lookup failed: {code} {detail}", status=response.status_code
            )
        return str(response.json()["id"])

    def _job_outcome(
        self, client: TargetClient, delta: Delta, body: dict[str, Any], job_path: str
    ) -> str:
        job = client.request("GET", job_path)
        if job.status_code != 200:
            code, detail = problem_details(job)
            raise PermanentFailure(
                f"NetSuite job {job_path}: {code} {detail}", status=job.status_code
            )
        if not job.json().get("completed"):
            raise TransientFailure(
                f"NetSuite job {job_path} still running", retry_after=JOB_POLL_RETRY_SECONDS
            )
        listed = client.request("GET", f"{job_path}/task")
        if listed.status_code != 200:
            code, detail = problem_details(listed)
            raise PermanentFailure(
                f"NetSuite job {job_path} tasks: {code} {detail}", status=listed.status_code
            )
        tasks = listed.json().get("items") or []
        if not tasks:
            raise PermanentFailure(f"NetSuite job {job_path} has no task")
        result = client.request("GET", f"{job_path}/task/{tasks[0]['id']}/result")
        if result.status_code == 204:
            return _location_id(result)
        code, detail = problem_details(result)
        return self._refused(client, body, result.status_code, code, detail)

    def _refused(
        self, client: TargetClient, body: dict[str, Any], status: int, code: str, detail: str
    ) -> str:
        if code == "DUP_RCRD":  # the externalId exists: an earlier attempt wrote it
            found = self.find(client, body.get("externalId"))
            if found:
                return found
        raise PermanentFailure(
            f"NetSuite refused {self.record_type}: {code} {detail}".strip(), status=status
        )


JOURNALS = NetSuiteRecordWriter("journalEntry")
ALLOCATIONS = NetSuiteRecordWriter("resourceAllocation")


def _ref(record_id: object) -> dict[str, str]:
    return {"id": str(record_id)}


def labour_journal_body(delta: Delta, payload: LabourJournal) -> dict[str, Any]:
    """One debit per time entry version (tagged as the rules read it), one balancing credit."""
    items: list[dict[str, Any]] = []
    for line in payload.lines:
        item: dict[str, Any] = {
            "account": _ref(line.gl_account_id),
            "debit": _money(line.amount),
            "memo": f"Time entry {line.time_entry_id}",
            "custcol_cw_time_entry": line.time_entry_id,
            "custcol_cw_entry_version": _version_text(line.entry_version),
            "custcol_cw_hours": _money(line.hours),
            "custcol_cw_cost_rate": _money(line.cost_rate),
        }
        if line.erp_employee_id:
            item["entity"] = _ref(line.erp_employee_id)
        if line.erp_job_id is not None:
            item["custcol_cw_project"] = _ref(line.erp_job_id)
        items.append(item)
    items.append(
        {
            "account": _ref(payload.credit_account_id),
            "credit": _money(payload.total),
            "memo": "Accrued labour",
        }
    )
    return {
        "externalId": delta.natural_key,
        "tranDate": payload.posting_date.isoformat(),
        "subsidiary": _ref(payload.subsidiary_id),
        "memo": payload.memo,
        "line": {"items": items},
    }


def payroll_journal_body(delta: Delta, payload: PayrollJournal) -> dict[str, Any]:
    """Gross pay and employer taxes to expense, their sum to payroll liabilities."""
    tag = {"custcol_cw_pay_run": payload.pay_run_id}
    items = [
        {"account": _ref(payload.salaries_account_id), "debit": _money(payload.gross_pay)}
        | {"memo": "Gross pay"}
        | tag,
        {"account": _ref(payload.employer_tax_account_id), "debit": _money(payload.employer_taxes)}
        | {"memo": "Employer taxes"}
        | tag,
        {
            "account": _ref(payload.liability_account_id),
            "credit": _money(payload.gross_pay + payload.employer_taxes),
            "memo": "Payroll liabilities",
        }
        | tag,
    ]
    # NetSuite refuses a zero line: a run without employer taxes has two lines.
    items = [i for i in items if i.get("debit", i.get("credit"))]
    return {
        "externalId": delta.natural_key,
        "tranDate": payload.posting_date.isoformat(),
        "subsidiary": _ref(payload.subsidiary_id),
        "memo": f"Payroll {payload.period_start_date}..{payload.period_end_date}",
        "line": {"items": items},
    }


@dataclass(frozen=True)
class LabourJournalHandler:
    """post_approved_time → NetSuite: one labour journal per delta."""

    flow: str = "post_approved_time"
    target_system: str = "netsuite"

    def apply(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        assert isinstance(payload, LabourJournal)
        return JOURNALS.create(client, delta, labour_journal_body(delta, payload))

    def find_existing(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        return JOURNALS.find(client, delta.natural_key)


@dataclass(frozen=True)
class PayrollJournalHandler:
    """post_payroll_journal → NetSuite: one GL journal per approved pay run."""

    flow: str = "post_payroll_journal"
    target_system: str = "netsuite"

    def apply(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        assert isinstance(payload, PayrollJournal)
        return JOURNALS.create(client, delta, payroll_journal_body(delta, payload))

    def find_existing(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        return JOURNALS.find(client, delta.natural_key)


@dataclass(frozen=True)
class ResourceAllocationHandler:
    """confirm_assignment → NetSuite: the allocation costing a booking (externalId = booking)."""

    flow: str = "confirm_assignment"
    target_system: str = "netsuite"

    def apply(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        assert isinstance(payload, ResourceAllocation)
        percent = (payload.hours_per_day / FULL_DAY_HOURS * 100).quantize(Decimal("0.01"))
        body = {
            "externalId": delta.natural_key or payload.booking_id,
            "allocationResource": _ref(payload.erp_employee_id),
            "project": _ref(payload.erp_job_id),
            "startDate": payload.start_date.isoformat(),
            "endDate": payload.end_date.isoformat(),
            "allocationAmount": float(percent),
            "allocationUnit": {"id": "P"},
        }
        return ALLOCATIONS.create(client, delta, body)

    def find_existing(self, client: TargetClient, delta: Delta, payload: BaseModel) -> str | None:
        return ALLOCATIONS.find(client, delta.natural_key)


HANDLERS: dict[tuple[str, str], FlowHandler] = {
    (h.flow, h.target_system): h
    for h in (
        HarvestProjectHandler(),
        ResourceAllocationHandler(),
        LabourJournalHandler(),
        PayrollJournalHandler(),
    )
}
