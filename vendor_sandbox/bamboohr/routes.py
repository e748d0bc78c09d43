"""HTTP routes of the BambooHR emulator, mounted at /bamboohr/api/gateway.php/{company}/v1.

The routes translate HTTP to backend calls: company and API key checks (auth.py), JSON or XML
by the Accept header (payloads.py), and BambooHR's error shape (errors.py). Paths are served
with and without a trailing slash, because BambooHR clients use both (PyBambooHR posts to
`employees/` and reads `employees/changed/`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import orjson
from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vendor_sandbox.bamboohr import backend, payloads
from vendor_sandbox.bamboohr import webhooks as hooks
from vendor_sandbox.bamboohr.auth import authenticate
from vendor_sandbox.bamboohr.errors import BambooHRError, BambooHRRoute
from vendor_sandbox.context import Ctx, SandboxContext

T = TypeVar("T")


def _authenticated(request: Request, ctx: Ctx) -> None:
    authenticate(request, ctx)


router = APIRouter(route_class=BambooHRRoute, dependencies=[Depends(_authenticated)])


def _both(method: Callable, path: str) -> Callable:
    """Register a handler at `path` and at `path/` (the second hidden from the schema)."""

    def register(handler: Callable) -> Callable:
        method(path)(handler)
        method(path + "/", include_in_schema=False)(handler)
        return handler

    return register


def _wake(ctx: SandboxContext) -> None:
    deliverer = ctx.extras.get("webhooks")
    if deliverer is not None:
        deliverer.wake()


async def _write(ctx: SandboxContext, action: Callable[..., T], *args: object) -> T:
    """Run a backend write in a transaction off the event loop, then wake the webhook sender.

    The write lock can be held by the activity simulator for a while; waiting for it in a
    worker thread keeps the other requests flowing.
    """

    def run() -> T:
        with ctx.store.transaction() as conn:
            return action(conn, *args, ctx.clock.now())

    result = await run_in_threadpool(run)
    _wake(ctx)
    return result


def _api_base(request: Request) -> str:
    """The absolute URL of this company's /v1, as Location headers give it."""
    path = request.url.path
    return str(request.url.replace(path=path[: path.index("/v1") + 3], query=""))


@_both(router.get, "/employees/directory")
def get_directory(
    request: Request, ctx: Ctx, only_current: Annotated[bool, Query(alias="onlyCurrent")] = True
) -> Response:
    conn = ctx.store.connection()
    fields, employees = backend.directory(conn, ctx.clock.today(), only_current=only_current)
    if payloads.wants_json(request):
        return payloads.json_response({"fields": fields, "employees": employees})
    return payloads.xml_response(payloads.directory_xml(fields, employees))


@_both(router.get, "/employees/changed")
def get_changed(
    request: Request,
    ctx: Ctx,
    since: str | None = None,
    type: str | None = None,  # noqa: A002 - BambooHR's parameter name
) -> Response:
    result = backend.changed(ctx.store.connection(), backend.parse_since(since), type)
    if payloads.wants_json(request):
        return payloads.json_response(result)
    return payloads.xml_response(payloads.changed_xml(result["latest"], result["employees"]))


@_both(router.get, "/employees/changed/tables/{table}")
def get_changed_table(ctx: Ctx, table: str, since: str | None = None) -> Response:
    result = backend.changed_table(ctx.store.connection(), table, backend.parse_since(since))
    return payloads.json_response(result)


@_both(router.get, "/employees/{employee_id}/tables/{table}")
def get_table(request: Request, ctx: Ctx, employee_id: str, table: str) -> Response:
    rows = backend.table_rows(ctx.store.connection(), employee_id, table)
    if payloads.wants_json(request):
        return payloads.json_response(rows)
    return payloads.xml_response(payloads.table_xml(rows))


@_both(router.post, "/employees/{employee_id}/tables/{table}")
async def post_table_row(request: Request, ctx: Ctx, employee_id: str, table: str) -> Response:
    values = await payloads.read_fields(request, "row")
    await _write(ctx, backend.add_table_row, employee_id, table, values)
    return Response(status_code=200)


@_both(router.get, "/employees/{employee_id}")
def get_employee(
    request: Request, ctx: Ctx, employee_id: str, fields: str | None = None
) -> Response:
    employee = backend.get_employee(ctx.store.connection(), employee_id, fields)
    if payloads.wants_json(request):
        return payloads.json_response(employee)
    return payloads.xml_response(payloads.employee_xml(employee))


@_both(router.post, "/employees")
async def post_employee(request: Request, ctx: Ctx) -> Response:
    values = await payloads.read_fields(request, "employee")
    new_id = await _write(ctx, backend.create_employee, values)
    return Response(
        status_code=201, headers={"Location": f"{_api_base(request)}/employees/{new_id}"}
    )


@_both(router.post, "/employees/{employee_id}")
async def post_employee_update(request: Request, ctx: Ctx, employee_id: str) -> Response:
    values = await payloads.read_fields(request, "employee")
    await _write(ctx, backend.update_employee, employee_id, values)
    return Response(status_code=200)


@_both(router.post, "/reports/custom")
async def post_custom_report(request: Request, ctx: Ctx) -> Response:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise BambooHRError(400, f"Malformed JSON: {exc}") from exc
    fmt = (request.query_params.get("format") or "json").lower()
    if fmt != "json":
        raise BambooHRError(404, f"Report format '{fmt}' is not served by the sandbox")
    return payloads.json_response(backend.custom_report(ctx.store.connection(), body))


@_both(router.get, "/time_off/requests")
def get_time_off_requests(
    ctx: Ctx,
    start: str | None = None,
    end: str | None = None,
    status: str | None = None,
    type: str | None = None,  # noqa: A002 - BambooHR's parameter name
    id: str | None = None,  # noqa: A002 - BambooHR's parameter name
    employee_id: Annotated[str | None, Query(alias="employeeId")] = None,
) -> Response:
    requests = backend.time_off_requests(
        ctx.store.connection(),
        start=start,
        end=end,
        status=status,
        employee_id=employee_id,
        type_ids=type,
        request_id=id,
    )
    return payloads.json_response(requests)


@_both(router.get, "/time_off/whos_out")
def get_whos_out(ctx: Ctx, start: str | None = None, end: str | None = None) -> Response:
    return payloads.json_response(
        backend.whos_out(ctx.store.connection(), ctx.clock.today(), start, end)
    )


@_both(router.post, "/webhooks")
async def post_webhook(request: Request, ctx: Ctx) -> Response:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise BambooHRError(
            400, "Invalid request body", json_errors=[{"error": f"Malformed JSON: {exc}"}]
        ) from exc
    created = await run_in_threadpool(_create_webhook, ctx, body)
    return payloads.json_response(created, status=201)


def _create_webhook(ctx: SandboxContext, body: object) -> dict[str, object]:
    with ctx.store.transaction() as conn:
        return hooks.create_webhook(conn, body, ctx.clock.now_iso())


@_both(router.get, "/webhooks")
def get_webhooks(ctx: Ctx) -> Response:
    return payloads.json_response(hooks.list_webhooks(ctx.store.connection()))


@_both(router.get, "/webhooks/{webhook_id}")
def get_webhook(ctx: Ctx, webhook_id: int) -> Response:
    return payloads.json_response(hooks.get_webhook(ctx.store.connection(), webhook_id))


@_both(router.delete, "/webhooks/{webhook_id}")
def delete_webhook(ctx: Ctx, webhook_id: int) -> Response:
    with ctx.store.transaction() as conn:
        hooks.delete_webhook(conn, webhook_id)
    return Response("Web hook has been deleted.", media_type="text/plain")
