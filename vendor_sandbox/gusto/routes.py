"""HTTP surface of the Gusto emulator, mounted at `/gusto`.

The API answers under `/gusto/v1/...` and the token endpoint at `/gusto/oauth/token`.

Handlers only translate HTTP: parse parameters, call queries/backend in one read or one write
transaction, render, and set headers. Version, auth and rate limiting happen in `GustoRoute`.
Quirks kept from Gusto (details in each module): bare JSON arrays with page data in `X-*`
headers; array query parameters comma-separated (`include=totals,payroll_status_meta`);
`POST /oauth/token` takes JSON or a form body.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Body, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vendor_sandbox.context import Ctx, SandboxContext
from vendor_sandbox.gusto import auth, backend, events, queries, render, subscriptions
from vendor_sandbox.gusto.errors import oauth_error, unprocessable
from vendor_sandbox.gusto.pagination import PageRequest, page_headers, page_request
from vendor_sandbox.gusto.routing import (
    AnyGrant,
    ApiVersion,
    CompanyScope,
    GustoRoute,
    SystemGrant,
)
from vendor_sandbox.gusto.versioning import numeric_token_timestamps

router = APIRouter(route_class=GustoRoute)

JsonBody = Annotated[dict[str, Any], Body()]
ListParam = Annotated[list[str] | None, Query()]
MAX_PAYROLL_PER = 100
_APP_NAMESPACE = uuid.UUID("0d2f5a8c-3e61-4b7a-9f0e-5c1d7b2a4e96")


def json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(data), status_code=status, headers=headers, media_type="application/json"
    )


def csv_values(values: list[str] | None) -> set[str]:
    """Gusto's array parameters: comma-separated, possibly repeated."""
    return {part.strip() for value in values or [] for part in value.split(",") if part.strip()}


def wake_webhooks(ctx: SandboxContext) -> None:
    deliverer = ctx.extras.get("webhooks")
    if deliverer is not None:
        deliverer.wake()  # type: ignore[attr-defined]


def _now(ctx: SandboxContext) -> tuple[str, int]:
    moment = ctx.clock.now()
    return ctx.clock.now_iso(), int(moment.timestamp())


# -- OAuth ------------------------------------------------------------------------------------


async def _token_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        body = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError as exc:
        raise oauth_error("invalid_request", "The request body is not valid JSON.", 400) from exc
    if not isinstance(body, dict):
        raise oauth_error("invalid_request", "The request body must be an object.", 400)
    return body


def _issue(ctx: SandboxContext, body: dict[str, Any], now: float) -> auth.IssuedToken:
    grant_type = body.get("grant_type")
    if grant_type not in ("refresh_token", "system_access"):
        raise oauth_error(
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
            400,
        )
    auth.check_client(body.get("client_id"), body.get("client_secret"))
    with ctx.store.transaction() as conn:
        if grant_type == "system_access":
            return auth.system_access_token(conn, now)
        return auth.refresh_access_token(
            conn,
            body.get("refresh_token"),
            now,
            rotate=ctx.settings.rotate_refresh_tokens,
        )


@router.post("/oauth/token")
async def oauth_token(request: Request, ctx: Ctx, version: ApiVersion) -> Response:
    body = await _token_body(request)
    now = datetime.now(UTC).timestamp()
    issued = await run_in_threadpool(_issue, ctx, body, now)
    created_at: object = (
        int(issued.created_at)
        if numeric_token_timestamps(version)
        else datetime.fromtimestamp(issued.created_at, UTC).isoformat(timespec="milliseconds")
    )
    answer: dict[str, object] = {
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": auth.TOKEN_TTL_SECONDS,
        "scope": issued.scope,
        "created_at": created_at,
    }
    if issued.refresh_token is not None:
        answer["refresh_token"] = issued.refresh_token
    return json(answer, headers={"Cache-Control": "no-store"})


@router.get("/v1/token_info")
def token_info(grant: AnyGrant) -> Response:
    if grant.company_uuid is None:
        return json(
            {
                "scope": auth.SYSTEM_SCOPES,
                "resource": {
                    "type": "Oauth::Application",
                    "uuid": str(uuid.uuid5(_APP_NAMESPACE, auth.CLIENT_ID)),
                },
                "resource_owner": None,
            }
        )
    return json(
        {
            "scope": auth.COMPANY_SCOPES,
            "resource": {"type": "Company", "uuid": grant.company_uuid},
            "resource_owner": {
                "type": "CompanyAdmin",
                "uuid": str(uuid.uuid5(_APP_NAMESPACE, f"admin:{grant.company_uuid}")),
            },
        }
    )


# -- Companies, departments, locations, pay schedules ------------------------------------------


@router.get("/v1/companies/{company_id}")
def get_company(company_id: str, ctx: Ctx, company: CompanyScope) -> Response:
    conn = ctx.store.connection()
    row = queries.company_row(conn, company, company_id)
    return json(render.company(row, queries.company_locations(conn, company_id)))


@router.get("/v1/companies/{company_id}/departments")
def list_departments(company_id: str, ctx: Ctx, company: CompanyScope) -> Response:
    conn = ctx.store.connection()
    queries.company_row(conn, company, company_id)
    rows = conn.execute(
        "select * from gusto_departments where company_uuid = ? order by title, uuid",
        (company_id,),
    ).fetchall()
    members = queries.department_members(conn, [r["uuid"] for r in rows])
    return json([render.department(r, members.get(r["uuid"], [])) for r in rows])


@router.get("/v1/departments/{department_uuid}")
def get_department(department_uuid: str, ctx: Ctx, company: CompanyScope) -> Response:
    conn = ctx.store.connection()
    row = queries.department_row(conn, company, department_uuid)
    members = queries.department_members(conn, [department_uuid])
    return json(render.department(row, members.get(department_uuid, [])))


@router.delete("/v1/departments/{department_uuid}")
def delete_department(department_uuid: str, ctx: Ctx, company: CompanyScope) -> Response:
    """Gusto's rule: a department is deleted only once nobody is in it (else 422)."""
    with ctx.store.transaction() as conn:
        queries.department_row(conn, company, department_uuid)
        if queries.department_members(conn, [department_uuid]).get(department_uuid):
            raise unprocessable(
                "base",
                "You cannot delete a department until all employees and contractors have been "
                "removed",
            )
        conn.execute("delete from gusto_departments where uuid = ?", (department_uuid,))
    return Response(status_code=204)


def _paged_list(
    ctx: SandboxContext,
    sql: str,
    args: tuple[object, ...],
    order: str,
    page: PageRequest,
    shape: Any,
) -> Response:
    rows, total = queries.paged(ctx.store.connection(), sql, args, order, page)
    return json([shape(r) for r in rows], headers=page_headers(page, total))


@router.get("/v1/companies/{company_id}/locations")
def list_locations(
    company_id: str,
    ctx: Ctx,
    company: CompanyScope,
    page: int | None = None,
    per: int | None = None,
) -> Response:
    queries.company_row(ctx.store.connection(), company, company_id)
    return _paged_list(
        ctx,
        "select * from gusto_locations where company_uuid = ?",
        (company_id,),
        "created_at, uuid",
        page_request(page, per),
        render.location,
    )


@router.get("/v1/companies/{company_id}/pay_schedules")
def list_pay_schedules(
    company_id: str,
    ctx: Ctx,
    company: CompanyScope,
    page: int | None = None,
    per: int | None = None,
) -> Response:
    queries.company_row(ctx.store.connection(), company, company_id)
    return _paged_list(
        ctx,
        "select * from gusto_pay_schedules where company_uuid = ?",
        (company_id,),
        "uuid",
        page_request(page, per),
        render.pay_schedule,
    )


# -- Employees ----------------------------------------------------------------------------------


def _employee_response(
    ctx: SandboxContext, company: str, employee_uuid: str, include: set[str], status: int = 200
) -> Response:
    conn = ctx.store.connection()
    row = queries.employee_row(conn, company, employee_uuid)
    details = queries.load_employees(conn, [row], "all_compensations" in include)[0]
    name = _company_name(ctx, company) if "company_name" in include else None
    body = render.employee(
        details,
        ctx.clock.today().isoformat(),
        company_name=name,
        custom_fields="custom_fields" in include,
    )
    return json(body, status)


def _company_name(ctx: SandboxContext, company: str) -> str:
    return (
        ctx.store.connection()
        .execute("select name from gusto_companies where uuid = ?", (company,))
        .fetchone()[0]
    )


@router.get("/v1/companies/{company_id}/employees")
def list_employees(
    company_id: str,
    ctx: Ctx,
    company: CompanyScope,
    page: int | None = None,
    per: int | None = None,
    terminated: bool | None = None,
    terminated_today: bool | None = None,
    onboarded: bool | None = None,
    onboarded_active: bool | None = None,
    location_uuid: str | None = None,
    payroll_uuid: str | None = None,
    search_term: str | None = None,
    sort_by: Literal["created_at", "name", "onboarding_status"] | None = None,
    include: ListParam = None,
    uuids: ListParam = None,
) -> Response:
    conn = ctx.store.connection()
    company_row = queries.company_row(conn, company, company_id)
    request = page_request(page, per)
    flt = queries.EmployeeFilter(
        terminated=terminated,
        terminated_today=terminated_today,
        onboarded=onboarded,
        onboarded_active=onboarded_active,
        location_uuid=location_uuid,
        payroll_uuid=payroll_uuid,
        search_term=search_term,
        uuids=tuple(sorted(csv_values(uuids))),
        sort_by=sort_by,
    )
    today = ctx.clock.today()
    rows, total = queries.employees_page(conn, company_id, flt, request, today)
    wanted = csv_values(include)
    details = queries.load_employees(conn, rows, "all_compensations" in wanted)
    name = company_row["name"] if "company_name" in wanted else None
    body = [
        render.employee(
            d, today.isoformat(), company_name=name, custom_fields="custom_fields" in wanted
        )
        for d in details
    ]
    return json(body, headers=page_headers(request, total))


@router.post("/v1/companies/{company_id}/employees")
def create_employee(company_id: str, body: JsonBody, ctx: Ctx, company: CompanyScope) -> Response:
    queries.company_row(ctx.store.connection(), company, company_id)
    now_iso, now_ts = _now(ctx)
    with ctx.store.transaction() as conn:
        employee_uuid = backend.create_employee(
            conn, company_uuid=company_id, body=body, now_iso=now_iso, now_ts=now_ts
        )
    wake_webhooks(ctx)
    return _employee_response(ctx, company, employee_uuid, set(), 201)


@router.get("/v1/employees/{employee_id}")
def get_employee(
    employee_id: str, ctx: Ctx, company: CompanyScope, include: ListParam = None
) -> Response:
    return _employee_response(ctx, company, employee_id, csv_values(include))


@router.put("/v1/employees/{employee_id}")
def update_employee(employee_id: str, body: JsonBody, ctx: Ctx, company: CompanyScope) -> Response:
    now_iso, now_ts = _now(ctx)
    with ctx.store.transaction() as conn:
        backend.update_employee(
            conn,
            company_uuid=company,
            employee_uuid=employee_id,
            body=body,
            now_iso=now_iso,
            now_ts=now_ts,
        )
    wake_webhooks(ctx)
    return _employee_response(ctx, company, employee_id, set())


@router.get("/v1/employees/{employee_id}/terminations")
def list_terminations(employee_id: str, ctx: Ctx, company: CompanyScope) -> Response:
    conn = ctx.store.connection()
    queries.employee_row(conn, company, employee_id)
    rows = conn.execute(
        "select * from gusto_terminations where employee_uuid = ? order by effective_date, uuid",
        (employee_id,),
    ).fetchall()
    today = ctx.clock.today().isoformat()
    return json([render.termination(r, today) for r in rows])


@router.post("/v1/employees/{employee_id}/terminations")
def create_termination(
    employee_id: str, body: JsonBody, ctx: Ctx, company: CompanyScope
) -> Response:
    now_iso, now_ts = _now(ctx)
    with ctx.store.transaction() as conn:
        termination_uuid = backend.create_termination(
            conn,
            company_uuid=company,
            employee_uuid=employee_id,
            body=body,
            now_iso=now_iso,
            now_ts=now_ts,
        )
    wake_webhooks(ctx)
    row = (
        ctx.store.connection()
        .execute("select * from gusto_terminations where uuid = ?", (termination_uuid,))
        .fetchone()
    )
    return json(render.termination(row, ctx.clock.today().isoformat()), 201)


# -- Jobs and compensations -------------------------------------------------------------------


def _job_response(
    ctx: SandboxContext, company: str, job_uuid: str, all_compensations: bool, status: int = 200
) -> Response:
    conn = ctx.store.connection()
    row = queries.job_row(conn, company, job_uuid)
    return json(render.job(queries.load_jobs(conn, [row], all_compensations)[0]), status)


@router.get("/v1/employees/{employee_id}/jobs")
def list_jobs(
    employee_id: str,
    ctx: Ctx,
    company: CompanyScope,
    page: int | None = None,
    per: int | None = None,
    include: str | None = None,
) -> Response:
    conn = ctx.store.connection()
    queries.employee_row(conn, company, employee_id)
    request = page_request(page, per)
    rows, total = queries.paged(
        conn,
        "select * from gusto_jobs where employee_uuid = ?",
        (employee_id,),
        '"primary" desc, hire_date, uuid',
        request,
    )
    details = queries.load_jobs(conn, rows, include == "all_compensations")
    return json([render.job(d) for d in details], headers=page_headers(request, total))


@router.post("/v1/employees/{employee_id}/jobs")
def create_job(employee_id: str, body: JsonBody, ctx: Ctx, company: CompanyScope) -> Response:
    now_iso, now_ts = _now(ctx)
    with ctx.store.transaction() as conn:
        job_uuid = backend.create_job(
            conn,
            company_uuid=company,
            employee_uuid=employee_id,
            body=body,
            now_iso=now_iso,
            now_ts=now_ts,
        )
    wake_webhooks(ctx)
    return _job_response(ctx, company, job_uuid, False, 201)


@router.get("/v1/jobs/{job_id}")
def get_job(job_id: str, ctx: Ctx, company: CompanyScope, include: str | None = None) -> Response:
    return _job_response(ctx, company, job_id, include == "all_compensations")


@router.put("/v1/jobs/{job_id}")
def update_job(job_id: str, body: JsonBody, ctx: Ctx, company: CompanyScope) -> Response:
    now_iso, now_ts = _now(ctx)
    with ctx.store.transaction() as conn:
        backend.update_job(
            conn,
            company_uuid=company,
            job_uuid=job_id,
            body=body,
            now_iso=now_iso,
            now_ts=now_ts,
        )
    wake_webhooks(ctx)
    return _job_response(ctx, company, job_id, False)


@router.get("/v1/jobs/{job_id}/compensations")
def list_compensations(
    job_id: str,
    ctx: Ctx,
    company: CompanyScope,
    page: int | None = None,
    per: int | None = None,
    include: str | None = None,
) -> Response:
    conn = ctx.store.connection()
    job = queries.job_row(conn, company, job_id)
    request = page_request(page, per)
    sql = (
        "select c.*, j.title as job_title from gusto_compensations c "
        "join gusto_jobs j on j.uuid = c.job_uuid where c.job_uuid = ?"
    )
    args: tuple[object, ...] = (job_id,)
    if include != "all_compensations":
        sql += " and c.uuid = ?"
        args = (job_id, job["current_compensation_uuid"])
    return _paged_list(ctx, sql, args, "effective_date, uuid", request, render.compensation)


def _compensation_response(ctx: SandboxContext, company: str, compensation_uuid: str) -> Response:
    row = queries.compensation_row(ctx.store.connection(), company, compensation_uuid)
    return json(render.compensation(row))


@router.get("/v1/compensations/{compensation_id}")
def get_compensation(compensation_id: str, ctx: Ctx, company: CompanyScope) -> Response:
    return _compensation_response(ctx, company, compensation_id)


@router.put("/v1/compensations/{compensation_id}")
def update_compensation(
    compensation_id: str, body: JsonBody, ctx: Ctx, company: CompanyScope
) -> Response:
    now_iso, now_ts = _now(ctx)
    with ctx.store.transaction() as conn:
        backend.update_compensation(
            conn,
            company_uuid=company,
            compensation_uuid=compensation_id,
            body=body,
            now_iso=now_iso,
            now_ts=now_ts,
        )
    wake_webhooks(ctx)
    return _compensation_response(ctx, company, compensation_id)


# -- Payrolls -----------------------------------------------------------------------------------


def _date_param(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise unprocessable(name, f"{name} must be a date (YYYY-MM-DD)") from exc


def _payroll_filter(
    today: date,
    processing_statuses: set[str],
    processed: bool | None,
    payroll_types: set[str],
    include_off_cycle: bool | None,
    start_date: str | None,
    end_date: str | None,
    date_filter_by: str | None,
    sort_order: str | None,
) -> queries.PayrollFilter:
    """Gusto's defaults: processed regular payrolls of the last six months up to today."""
    if processed is not None:
        states = {processed}
    else:
        unknown = processing_statuses - {"processed", "unprocessed"}
        if unknown:
            raise unprocessable("processing_statuses", f"Unknown statuses: {sorted(unknown)}")
        states = {s == "processed" for s in processing_statuses} or {True}
    kinds = {t == "off_cycle" for t in payroll_types if t in ("regular", "off_cycle")} or {False}
    if include_off_cycle:
        kinds.add(True)
    end = _date_param(end_date, "end_date") or today
    start = _date_param(start_date, "start_date") or (end - timedelta(days=183))
    if end > today + timedelta(days=92):
        raise unprocessable("end_date", "end_date can be at most 3 months in the future")
    if (end - start).days > 366:
        raise unprocessable("start_date", "start_date and end_date can't be more than 1 year apart")
    return queries.PayrollFilter(
        processed=states,
        off_cycle=kinds,
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        by_check_date=date_filter_by == "check_date",
        descending=sort_order == "desc",
    )


@router.get("/v1/companies/{company_id}/payrolls")
def list_payrolls(
    company_id: str,
    ctx: Ctx,
    company: CompanyScope,
    processing_statuses: ListParam = None,
    payroll_types: ListParam = None,
    processed: bool | None = None,
    include_off_cycle: bool | None = None,
    include: ListParam = None,
    start_date: str | None = None,
    end_date: str | None = None,
    date_filter_by: Literal["check_date"] | None = None,
    sort_order: Literal["asc", "desc"] | None = None,
    page: int | None = None,
    per: int | None = None,
) -> Response:
    conn = ctx.store.connection()
    queries.company_row(conn, company, company_id)
    flt = _payroll_filter(
        ctx.clock.today(),
        csv_values(processing_statuses),
        processed,
        csv_values(payroll_types),
        include_off_cycle,
        start_date,
        end_date,
        date_filter_by,
        sort_order,
    )
    request = page_request(page, per)
    rows, total = queries.payrolls_page(conn, company_id, flt, request)
    wanted = csv_values(include)
    body = [
        render.payroll(
            r,
            wanted,
            queries.payroll_line_totals(conn, r["uuid"]) if "totals" in wanted else None,
        )
        for r in rows
    ]
    return json(body, headers=page_headers(request, total))


def statement_version(payroll: Any, employee_uuid: str) -> str:
    """An opaque version of one pay statement, changing whenever its payroll changes."""
    seed = f"{payroll['uuid']}:{employee_uuid}:{payroll['updated_at']}"
    return hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest()


@router.get("/v1/companies/{company_id}/payrolls/{payroll_id}")
def get_payroll(
    company_id: str,
    payroll_id: str,
    ctx: Ctx,
    company: CompanyScope,
    include: ListParam = None,
    page: int | None = None,
    per: int | None = None,
    sort_by: Literal["first_name", "last_name"] | None = None,
) -> Response:
    """A payroll with its pay statements, paged like a collection (at most 100 a page).

    Gusto's spec: "Results are paginated, with a maximum page size of 100
    employee_compensations." A client that never asks for page 2 sees the first 25 statements
    and headers saying there are more; the payroll's totals are the whole payroll's.
    """
    conn = ctx.store.connection()
    queries.company_row(conn, company, company_id)
    row = queries.payroll_row(conn, company_id, payroll_id)
    wanted = csv_values(include)
    if row["processed"]:
        wanted.add("totals")  # Gusto returns totals of a calculated or processed payroll
    request = page_request(page, per, max_per=MAX_PAYROLL_PER)
    statements, total = queries.payroll_statements(conn, payroll_id, request, sort_by)
    employee_uuids = [s["employee_uuid"] for s in statements]
    lines = queries.pay_lines(conn, payroll_id, employee_uuids)
    jobs = queries.primary_jobs(conn, employee_uuids)
    body = render.payroll(row, wanted, queries.payroll_line_totals(conn, payroll_id))
    body["employee_compensations"] = [
        render.statement(
            s,
            lines.get(s["employee_uuid"], []),
            jobs.get(s["employee_uuid"]),
            statement_version(row, s["employee_uuid"]),
            wanted,
        )
        for s in statements
    ]
    return json(body, headers=page_headers(request, total))


# -- Events and webhook subscriptions ----------------------------------------------------------


@router.get("/v1/events")
def list_events(
    ctx: Ctx,
    grant: SystemGrant,
    starting_after_uuid: str | None = None,
    resource_uuid: str | None = None,
    limit: str | None = None,
    event_type: str | None = None,
    sort_order: Literal["asc", "desc"] | None = None,
) -> Response:
    """The change feed of every company, or of `resource_uuid`'s (a system token only)."""
    _, now_ts = _now(ctx)
    feed = events.list_events(
        ctx.store.connection(),
        now_ts=now_ts,
        company_uuid=grant.company_uuid,
        resource_uuid=resource_uuid,
        starting_after_uuid=starting_after_uuid,
        limit=events.parse_limit(limit),
        event_type=event_type,
        descending=sort_order == "desc",
    )
    return json(
        [render.event(e) for e in feed.events],
        headers={"X-Has-Next-Page": "true" if feed.has_next else "false"},
    )


@router.get("/v1/webhook_subscriptions")
def list_subscriptions(ctx: Ctx, grant: SystemGrant) -> Response:
    return json(subscriptions.list_all(ctx.store.connection()))


@router.post("/v1/webhook_subscriptions")
def create_subscription(body: JsonBody, ctx: Ctx, grant: SystemGrant) -> Response:
    now_iso, _ = _now(ctx)
    with ctx.store.transaction() as conn:
        created = subscriptions.create(conn, body, now_iso)
    wake_webhooks(ctx)
    return json(created, 201)


@router.get("/v1/webhook_subscriptions/{subscription_uuid}")
def get_subscription(subscription_uuid: str, ctx: Ctx, grant: SystemGrant) -> Response:
    return json(subscriptions.get(ctx.store.connection(), subscription_uuid))


@router.put("/v1/webhook_subscriptions/{subscription_uuid}")
def update_subscription(
    subscription_uuid: str, body: JsonBody, ctx: Ctx, grant: SystemGrant
) -> Response:
    with ctx.store.transaction() as conn:
        return json(subscriptions.update(conn, subscription_uuid, body))


@router.delete("/v1/webhook_subscriptions/{subscription_uuid}")
def delete_subscription(subscription_uuid: str, ctx: Ctx, grant: SystemGrant) -> Response:
    with ctx.store.transaction() as conn:
        subscriptions.delete(conn, subscription_uuid)
    return Response(status_code=204)


@router.put("/v1/webhook_subscriptions/{subscription_uuid}/verify")
def verify_subscription(
    subscription_uuid: str, body: JsonBody, ctx: Ctx, grant: SystemGrant
) -> Response:
    with ctx.store.transaction() as conn:
        return json(subscriptions.verify(conn, subscription_uuid, body))


@router.get("/v1/webhook_subscriptions/{subscription_uuid}/request_verification_token")
def request_verification_token(subscription_uuid: str, ctx: Ctx, grant: SystemGrant) -> Response:
    now_iso, _ = _now(ctx)
    with ctx.store.transaction() as conn:
        subscriptions.request_verification_token(conn, subscription_uuid, now_iso)
    wake_webhooks(ctx)
    return Response(status_code=200)
