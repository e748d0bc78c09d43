"""HTTP face of the Forecast-style bookings API (mounted at /forecast).

Forecast takes Harvest's Bearer token with a `Forecast-Account-ID` header. Bodies may come
wrapped in the resource name (`{"assignment": {...}}`, as Forecast's own client sends them) or
bare; answers are wrapped: `{"assignments": [...]}` for lists, `{"assignment": {...}}` for one.
Create answers 201, update 200, delete 204.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response

from vendor_sandbox.context import Ctx
from vendor_sandbox.harvest import forecast_backend as fb
from vendor_sandbox.harvest.auth import ForecastRoute
from vendor_sandbox.harvest.backend import current_user_id, reader
from vendor_sandbox.harvest.fields import Fields, query_date, query_int

forecast_router = APIRouter(route_class=ForecastRoute)

Payload = Annotated[dict[str, Any], Body()]


def _wrapped(key: str, content: bytes, status: int = 200) -> Response:
    return Response(
        content=b'{"' + key.encode() + b'":' + content + b"}",
        media_type="application/json",
        status_code=status,
    )


def _assignment_fields(payload: dict[str, Any]) -> Fields:
    inner = payload.get("assignment")
    return Fields(inner if isinstance(inner, dict) else payload)


@forecast_router.get("/assignments")
def list_assignments(request: Request, ctx: Ctx) -> Response:
    params = request.query_params
    body = fb.list_assignments(
        reader(ctx.store),
        start_date=query_date(params, "start_date"),
        end_date=query_date(params, "end_date"),
        person_id=query_int(params, "person_id"),
        project_id=query_int(params, "project_id"),
    )
    return _wrapped("assignments", body)


@forecast_router.get("/assignments/{assignment_id}")
def get_assignment(assignment_id: int, ctx: Ctx) -> Response:
    return _wrapped("assignment", fb.get_assignment(reader(ctx.store), assignment_id))


@forecast_router.post("/assignments")
def create_assignment(payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        assignment_id = fb.create_assignment(
            conn, _assignment_fields(payload), ctx.clock.now_iso(), current_user_id(conn)
        )
    return _wrapped("assignment", fb.get_assignment(reader(ctx.store), assignment_id), 201)


@forecast_router.put("/assignments/{assignment_id}")
def update_assignment(assignment_id: int, payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        fb.update_assignment(
            conn,
            assignment_id,
            _assignment_fields(payload),
            ctx.clock.now_iso(),
            current_user_id(conn),
        )
    return _wrapped("assignment", fb.get_assignment(reader(ctx.store), assignment_id))


@forecast_router.delete("/assignments/{assignment_id}")
def delete_assignment(assignment_id: int, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        fb.delete_assignment(conn, assignment_id)
    return Response(status_code=204)


@forecast_router.get("/people")
def list_people(ctx: Ctx) -> Response:
    return _wrapped("people", fb.list_people(reader(ctx.store)))


@forecast_router.get("/projects")
def list_projects(ctx: Ctx) -> Response:
    return _wrapped("projects", fb.list_projects(reader(ctx.store)))
