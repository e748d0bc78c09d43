"""HTTP routes of the NetSuite emulator, mounted at /netsuite/services/rest.

Every request passes the account's concurrency governor (governance.py; 429, or the fault
profile's `netsuite_throttle_status`, when over the cap, before anything is done) and
authentication (auth.py: Bearer or TBA), and every refusal comes out in NetSuite's
problem-details shape (errors.py). The routes translate HTTP to backend calls:
SuiteQL needs `Prefer: transient`; record writes answer 204 + Location, or with
`Prefer: respond-async` 202 + Location of an async job (an `X-NetSuite-Idempotency-Key` makes a
retry safe).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vendor_sandbox.context import Ctx, SandboxContext
from vendor_sandbox.netsuite import backend
from vendor_sandbox.netsuite.auth import NonceCache, authenticate
from vendor_sandbox.netsuite.backend import WriteOutcome
from vendor_sandbox.netsuite.errors import NetSuiteError, throttled
from vendor_sandbox.netsuite.governance import RETRY_AFTER_SECONDS, ConcurrencyGovernor
from vendor_sandbox.netsuite.records import RecordType

GOVERNOR_KEY = "netsuite_governor"
NONCES_KEY = "netsuite_nonces"


def _extra(ctx: SandboxContext, key: str, factory: Callable[[], object]) -> object:
    value = ctx.extras.get(key)
    return value if value is not None else ctx.extras.setdefault(key, factory())


def governor(ctx: SandboxContext) -> ConcurrencyGovernor:
    found = _extra(ctx, GOVERNOR_KEY, ConcurrencyGovernor)
    assert isinstance(found, ConcurrencyGovernor)
    return found


class NetSuiteRoute(APIRoute):
    """Route class applying the concurrency cap and NetSuite's error shape to each request.

    The slot is taken before dependencies (authentication) and the body are handled and given
    back once the handler has answered, so a refused request does nothing at all.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def governed(request: Request) -> Response:
            ctx: SandboxContext = request.app.state.sandbox
            limited = ctx.settings.rate_limits
            gov = governor(ctx)
            if limited and not gov.try_enter():
                status = ctx.faults.profile.netsuite_throttle_status
                return throttled(RETRY_AFTER_SECONDS, status=status)
            try:
                return await handler(request)
            except NetSuiteError as exc:
                return exc.response()
            finally:
                if limited:
                    gov.leave()

        return governed


def _authenticated(request: Request, ctx: Ctx) -> None:
    nonces = _extra(ctx, NONCES_KEY, NonceCache)
    assert isinstance(nonces, NonceCache)
    authenticate(request, check_signature=ctx.settings.check_tba_signature, nonces=nonces)


router = APIRouter(route_class=NetSuiteRoute, dependencies=[Depends(_authenticated)])


def _base(request: Request) -> str:
    """The absolute URL of /services/rest as this request reached it."""
    path = request.url.path
    end = path.index("/services/rest") + len("/services/rest")
    return str(request.url.replace(path=path[:end], query=""))


def _json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def _prefers(request: Request, token: str) -> bool:
    values = ",".join(request.headers.getlist("prefer")).lower()
    return token in [v.strip() for v in values.replace(";", ",").split(",")]


async def _body(request: Request) -> dict:
    raw = await request.body()
    try:
        body = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError as exc:
        raise NetSuiteError(
            400, f"Invalid JSON in the request body: {exc}", "INVALID_CONTENT"
        ) from exc
    if not isinstance(body, dict):
        raise NetSuiteError(400, "The request body must be a JSON object.", "INVALID_CONTENT")
    return body


def _strict(request: Request) -> bool:
    """X-NetSuite-PropertyNameValidation: error makes unknown fields an error (else ignored)."""
    return request.headers.get("x-netsuite-propertynamevalidation", "").lower() == "error"


@router.post("/query/v1/suiteql")
async def post_suiteql(
    request: Request,
    ctx: Ctx,
    limit: Annotated[str | None, Query()] = None,
    offset: Annotated[str | None, Query()] = None,
) -> Response:
    if not _prefers(request, "transient"):
        raise NetSuiteError(
            400,
            "The SuiteQL resource needs the request header 'Prefer: transient'.",
            "INVALID_HEADER",
            errorHeader="Prefer",
        )
    body = await _body(request)
    url = f"{_base(request)}/query/v1/suiteql"

    def run() -> dict[str, object]:
        return backend.suiteql_page(
            ctx.store.connection(), body.get("q"), limit=limit, offset=offset, url=url
        )

    return _json(await run_in_threadpool(run))


@router.get("/record/v1/{record_type}")
def list_records(
    request: Request,
    ctx: Ctx,
    record_type: str,
    limit: Annotated[str | None, Query()] = None,
    offset: Annotated[str | None, Query()] = None,
    q: Annotated[str | None, Query()] = None,
) -> Response:
    rt = backend.record_type(record_type)
    base = _base(request)
    return _json(
        backend.list_records(
            ctx.store.connection(),
            rt,
            limit=limit,
            offset=offset,
            q=q,
            url=f"{base}/record/v1/{rt.url_name}",
            base=base,
        )
    )


@router.get("/record/v1/{record_type}/{key}")
def get_record(
    request: Request,
    ctx: Ctx,
    record_type: str,
    key: str,
    expand: Annotated[str | None, Query(alias="expandSubResources")] = None,
) -> Response:
    rt = backend.record_type(record_type)
    record = backend.read_record(
        ctx.store.connection(), rt, key, _base(request), expand=(expand or "").lower() == "true"
    )
    return _json(record)


@router.get("/record/v1/{record_type}/{key}/line")
def get_record_lines(request: Request, ctx: Ctx, record_type: str, key: str) -> Response:
    rt = backend.record_type(record_type)
    if not rt.has_lines:
        raise NetSuiteError(404, f"Record type {rt.name} has no line sublist.", "NONEXISTENT_ID")
    conn = ctx.store.connection()
    return _json(backend.lines_collection(conn, backend.require_id(conn, rt, key), _base(request)))


async def _write(
    request: Request,
    ctx: SandboxContext,
    rt: RecordType,
    write: Callable[..., WriteOutcome],
) -> Response:
    """Apply a write, synchronously (204 + Location) or as an async job (202 + job Location)."""
    base = _base(request)
    run_async = _prefers(request, "respond-async")
    key = request.headers.get("x-netsuite-idempotency-key") if run_async else None

    def run() -> tuple[WriteOutcome | None, int | None]:
        with ctx.store.transaction() as conn:
            now_iso = ctx.clock.now_iso()
            if run_async:
                job_id = backend.submit_async(
                    conn,
                    idempotency_key=key,
                    record_type=rt.url_name,
                    write=lambda: write(conn, now_iso),
                    now_iso=now_iso,
                    base=base,
                )
                return None, job_id
            return write(conn, now_iso), None

    outcome, job_id = await run_in_threadpool(run)
    if job_id is not None:
        return Response(
            status_code=202,
            headers={
                "Location": backend.job_url(base, job_id),
                "Preference-Applied": "respond-async",
            },
        )
    assert outcome is not None
    headers = {}
    if outcome.operation != "delete":
        headers["Location"] = f"{base}/record/v1/{outcome.record_type}/{outcome.record_id}"
    return Response(status_code=204, headers=headers)


@router.post("/record/v1/{record_type}")
async def post_record(request: Request, ctx: Ctx, record_type: str) -> Response:
    rt = backend.record_type(record_type)
    body, strict = await _body(request), _strict(request)

    def write(conn: sqlite3.Connection, now_iso: str) -> WriteOutcome:
        record_id = backend.create_record(conn, rt, body, now_iso, strict=strict)
        return WriteOutcome(rt.url_name, record_id, "create")

    return await _write(request, ctx, rt, write)


@router.put("/record/v1/{record_type}/{key}")
async def put_record(request: Request, ctx: Ctx, record_type: str, key: str) -> Response:
    rt = backend.record_type(record_type)
    if not key.lower().startswith("eid:") or len(key) <= 4:
        raise NetSuiteError(
            405,
            "PUT upserts by external id only: use /record/v1/{type}/eid:{externalId}.",
            "METHOD_NOT_ALLOWED",
        )
    body, strict = await _body(request), _strict(request)

    def write(conn: sqlite3.Connection, now_iso: str) -> WriteOutcome:
        record_id = backend.upsert_record(conn, rt, key[4:], body, now_iso, strict=strict)
        return WriteOutcome(rt.url_name, record_id, "upsert")

    return await _write(request, ctx, rt, write)


@router.patch("/record/v1/{record_type}/{key}")
async def patch_record(request: Request, ctx: Ctx, record_type: str, key: str) -> Response:
    rt = backend.record_type(record_type)
    body, strict = await _body(request), _strict(request)

    def write(conn: sqlite3.Connection, now_iso: str) -> WriteOutcome:
        record_id = backend.require_id(conn, rt, key)
        backend.update_record(conn, rt, record_id, body, now_iso, strict=strict)
        return WriteOutcome(rt.url_name, record_id, "update")

    return await _write(request, ctx, rt, write)


@router.delete("/record/v1/{record_type}/{key}")
async def delete_record(request: Request, ctx: Ctx, record_type: str, key: str) -> Response:
    rt = backend.record_type(record_type)

    def write(conn: sqlite3.Connection, now_iso: str) -> WriteOutcome:
        record_id = backend.require_id(conn, rt, key)
        backend.delete_record(conn, rt, record_id, now_iso)
        return WriteOutcome(rt.url_name, record_id, "delete")

    return await _write(request, ctx, rt, write)


@router.get("/async/v1/job/{job_id}")
def get_job(request: Request, ctx: Ctx, job_id: str) -> Response:
    return _json(backend.job_status(ctx.store.connection(), job_id, _base(request)))


@router.get("/async/v1/job/{job_id}/task")
def get_job_tasks(request: Request, ctx: Ctx, job_id: str) -> Response:
    return _json(backend.job_tasks(ctx.store.connection(), job_id, _base(request)))


@router.get("/async/v1/job/{job_id}/task/{task_id}")
def get_job_task(request: Request, ctx: Ctx, job_id: str, task_id: str) -> Response:
    return _json(backend.job_task(ctx.store.connection(), job_id, task_id, _base(request)))


@router.get("/async/v1/job/{job_id}/task/{task_id}/result")
def get_job_result(request: Request, ctx: Ctx, job_id: str, task_id: str) -> Response:
    status, headers, body = backend.job_result(
        ctx.store.connection(), job_id, task_id, _base(request)
    )
    if body is None:
        return Response(status_code=status, headers=headers)
    return Response(body, status_code=status, headers=headers, media_type="application/json")


@router.get("/system/v1/governanceLimits")
def get_governance_limits(ctx: Ctx) -> Response:
    return _json(governor(ctx).limits(enforced=ctx.settings.rate_limits))
