"""HTTP face of the Harvest API v2 emulator (mounted at /harvest/v2) and of Forecast's bookings.

Routes translate requests: query filters become SQL conditions, bodies become `Fields` readers,
and answers are pre-serialized bytes (no response models on these paths: pages of 2,000 time
entries must leave faster than a client can parse them, and the next page of a list is built
while the client parses the current one: `prefetch.py`). Guards (User-Agent, token, account,
rate limit) run in the route class before anything else; see `auth.py`.

Harvest answers 201 with the object on create, 200 with the object on update and 200 with an
empty body on delete.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response

from vendor_sandbox.context import Ctx, SandboxContext
from vendor_sandbox.harvest import backend, mutations
from vendor_sandbox.harvest import json_sql as js
from vendor_sandbox.harvest.auth import HarvestRoute
from vendor_sandbox.harvest.dims import NestedObjects
from vendor_sandbox.harvest.errors import HarvestError
from vendor_sandbox.harvest.fields import Fields, query_bool, query_date, query_int, query_timestamp
from vendor_sandbox.harvest.forecast_routes import forecast_router
from vendor_sandbox.harvest.pagination import envelope, page_request
from vendor_sandbox.harvest.prefetch import Prefetcher

__all__ = ["forecast_router", "router"]

router = APIRouter(route_class=HarvestRoute)

Payload = Annotated[dict[str, Any], Body()]
# Below this many rows changed since `updated_since`, the updated_at index finds them faster than
# walking the date index; above it the date index avoids sorting a large set on every page.
UPDATED_INDEX_MAX_ROWS = 50_000


def _json(content: bytes, status: int = 200) -> Response:
    return Response(content=content, media_type="application/json", status_code=status)


def _totals(ctx: SandboxContext) -> backend.Totals:
    totals = ctx.extras.get("harvest_totals")
    if totals is None:
        totals = ctx.extras.setdefault("harvest_totals", backend.Totals(ctx.store.path))
    assert isinstance(totals, backend.Totals)
    return totals


def _nested(ctx: SandboxContext) -> NestedObjects:
    nested = ctx.extras.get("harvest_nested_objects")
    if nested is None:
        nested = ctx.extras.setdefault("harvest_nested_objects", NestedObjects())
    assert isinstance(nested, NestedObjects)
    return nested


def _prefetcher(ctx: SandboxContext) -> Prefetcher:
    prefetcher = ctx.extras.get("harvest_prefetcher")
    if prefetcher is None:
        prefetcher = ctx.extras.setdefault("harvest_prefetcher", Prefetcher(_totals(ctx)))
    assert isinstance(prefetcher, Prefetcher)
    return prefetcher


def _list(
    request: Request,
    ctx: SandboxContext,
    resource: js.Resource,
    where: backend.Filter,
    index_hint: str = "",
) -> Response:
    wanted = page_request(request)
    prefetcher = _prefetcher(ctx)

    def build(page_number: int, after: dict[str, Any] | None) -> backend.Page:
        return backend.list_page(
            ctx.store,
            resource,
            where,
            per_page=wanted.per_page,
            page=page_number,
            after=after,
            nested=_nested(ctx),
            totals=_totals(ctx),
            index_hint=index_hint,
        )

    def key(page_number: int, after: dict[str, Any] | None) -> Hashable:
        sort_key = None if after is None else tuple(sorted(after.items()))
        return (
            resource.key,
            tuple(where.clauses),
            tuple(where.params),
            index_hint,
            wanted.per_page,
            page_number if after is None else 0,
            sort_key,
        )

    page = prefetcher.take(key(wanted.page, wanted.after)) or build(wanted.page, wanted.after)
    if page.next_after is not None:
        following = page.next_after
        prefetcher.schedule(key(0, following), lambda: build(0, following))
    return _json(
        envelope(
            request,
            key=resource.key,
            rows_json=page.rows_json,
            page_req=wanted,
            total_entries=page.total_entries,
            next_after=page.next_after,
        )
    )


def _one(ctx: SandboxContext, resource: js.Resource, record_id: int, status: int = 200) -> Response:
    body = backend.get_one(ctx.store, resource, record_id)
    if body is None:
        raise HarvestError.missing()
    return _json(body, status)


def _common_filters(request: Request, alias: str) -> backend.Filter:
    """`is_active` and `updated_since`, which every Harvest list takes."""
    params = request.query_params
    where = backend.Filter()
    is_active = query_bool(params, "is_active")
    if is_active is not None:
        where.add(f"{alias}.is_active = ?", int(is_active))
    updated_since = query_timestamp(params, "updated_since")
    if updated_since is not None:
        where.add(f"{alias}.updated_at >= ?", updated_since)
    return where


def _require_project(ctx: SandboxContext, project_id: int) -> None:
    row = (
        backend.reader(ctx.store)
        .execute("select 1 from harvest_projects where id = ?", (project_id,))
        .fetchone()
    )
    if row is None:
        raise HarvestError.missing()


# Users -------------------------------------------------------------------------------------


@router.get("/users")
def list_users(request: Request, ctx: Ctx) -> Response:
    return _list(request, ctx, js.USERS, _common_filters(request, "u"))


@router.get("/users/me")
def get_me(ctx: Ctx) -> Response:
    user_id = backend.current_user_id(backend.reader(ctx.store))
    if user_id is None:
        raise HarvestError.missing()
    return _one(ctx, js.USERS, user_id)


@router.get("/users/{user_id}")
def get_user(user_id: int, ctx: Ctx) -> Response:
    return _one(ctx, js.USERS, user_id)


@router.post("/users")
def create_user(payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        user_id = mutations.create_user(conn, Fields(payload), ctx.clock.now_iso())
    return _one(ctx, js.USERS, user_id, 201)


@router.patch("/users/{user_id}")
def update_user(user_id: int, payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        mutations.update_user(conn, user_id, Fields(payload), ctx.clock.now_iso())
    return _one(ctx, js.USERS, user_id)


@router.delete("/users/{user_id}")
def delete_user(user_id: int, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        mutations.delete_user(conn, user_id)
    return Response(status_code=200)


# Clients -----------------------------------------------------------------------------------


@router.get("/clients")
def list_clients(request: Request, ctx: Ctx) -> Response:
    return _list(request, ctx, js.CLIENTS, _common_filters(request, "c"))


@router.get("/clients/{client_id}")
def get_client(client_id: int, ctx: Ctx) -> Response:
    return _one(ctx, js.CLIENTS, client_id)


@router.post("/clients")
def create_client(payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        client_id = mutations.create_client(conn, Fields(payload), ctx.clock.now_iso())
    return _one(ctx, js.CLIENTS, client_id, 201)


@router.patch("/clients/{client_id}")
def update_client(client_id: int, payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        mutations.update_client(conn, client_id, Fields(payload), ctx.clock.now_iso())
    return _one(ctx, js.CLIENTS, client_id)


@router.delete("/clients/{client_id}")
def delete_client(client_id: int, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        mutations.delete_client(conn, client_id)
    return Response(status_code=200)


# Projects ----------------------------------------------------------------------------------


@router.get("/projects")
def list_projects(request: Request, ctx: Ctx) -> Response:
    where = _common_filters(request, "p")
    client_id = query_int(request.query_params, "client_id")
    if client_id is not None:
        where.add("p.client_id = ?", client_id)
    return _list(request, ctx, js.PROJECTS, where)


@router.get("/projects/{project_id}")
def get_project(project_id: int, ctx: Ctx) -> Response:
    return _one(ctx, js.PROJECTS, project_id)


@router.post("/projects")
def create_project(payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        project_id = mutations.create_project(conn, Fields(payload), ctx.clock.now_iso())
    return _one(ctx, js.PROJECTS, project_id, 201)


@router.patch("/projects/{project_id}")
def update_project(project_id: int, payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        mutations.update_project(conn, project_id, Fields(payload), ctx.clock.now_iso())
    return _one(ctx, js.PROJECTS, project_id)


@router.delete("/projects/{project_id}")
def delete_project(project_id: int, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        mutations.delete_project(conn, project_id)
    return Response(status_code=200)


# Tasks -------------------------------------------------------------------------------------


@router.get("/tasks")
def list_tasks(request: Request, ctx: Ctx) -> Response:
    return _list(request, ctx, js.TASKS, _common_filters(request, "t"))


@router.get("/tasks/{task_id}")
def get_task(task_id: int, ctx: Ctx) -> Response:
    return _one(ctx, js.TASKS, task_id)


@router.post("/tasks")
def create_task(payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        task_id = mutations.create_task(conn, Fields(payload), ctx.clock.now_iso())
    return _one(ctx, js.TASKS, task_id, 201)


@router.patch("/tasks/{task_id}")
def update_task(task_id: int, payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        mutations.update_task(conn, task_id, Fields(payload), ctx.clock.now_iso())
    return _one(ctx, js.TASKS, task_id)


# User assignments --------------------------------------------------------------------------


def _user_assignment_filters(request: Request) -> backend.Filter:
    where = _common_filters(request, "ua")
    user_id = query_int(request.query_params, "user_id")
    if user_id is not None:
        where.add("ua.user_id = ?", user_id)
    return where


@router.get("/user_assignments")
def list_user_assignments(request: Request, ctx: Ctx) -> Response:
    return _list(request, ctx, js.USER_ASSIGNMENTS, _user_assignment_filters(request))


@router.get("/projects/{project_id}/user_assignments")
def list_project_user_assignments(project_id: int, request: Request, ctx: Ctx) -> Response:
    _require_project(ctx, project_id)
    where = _user_assignment_filters(request)
    where.add("ua.project_id = ?", project_id)
    return _list(request, ctx, js.USER_ASSIGNMENTS, where)


@router.get("/projects/{project_id}/user_assignments/{assignment_id}")
def get_user_assignment(project_id: int, assignment_id: int, ctx: Ctx) -> Response:
    _require_assignment(ctx, "harvest_user_assignments", project_id, assignment_id)
    return _one(ctx, js.USER_ASSIGNMENTS, assignment_id)


@router.post("/projects/{project_id}/user_assignments")
def create_user_assignment(project_id: int, payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        assignment_id = mutations.create_user_assignment(
            conn, project_id, Fields(payload), ctx.clock.now_iso()
        )
    return _one(ctx, js.USER_ASSIGNMENTS, assignment_id, 201)


@router.patch("/projects/{project_id}/user_assignments/{assignment_id}")
def update_user_assignment(
    project_id: int, assignment_id: int, payload: Payload, ctx: Ctx
) -> Response:
    with ctx.store.transaction() as conn:
        mutations.update_user_assignment(
            conn, project_id, assignment_id, Fields(payload), ctx.clock.now_iso()
        )
    return _one(ctx, js.USER_ASSIGNMENTS, assignment_id)


@router.delete("/projects/{project_id}/user_assignments/{assignment_id}")
def delete_user_assignment(project_id: int, assignment_id: int, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        mutations.delete_user_assignment(conn, project_id, assignment_id)
    return Response(status_code=200)


def _require_assignment(
    ctx: SandboxContext, table: str, project_id: int, assignment_id: int
) -> None:
    row = (
        backend.reader(ctx.store)
        .execute(f"select project_id from {table} where id = ?", (assignment_id,))
        .fetchone()
    )
    if row is None or row[0] != project_id:
        raise HarvestError.missing()


# Task assignments --------------------------------------------------------------------------


@router.get("/task_assignments")
def list_task_assignments(request: Request, ctx: Ctx) -> Response:
    return _list(request, ctx, js.TASK_ASSIGNMENTS, _common_filters(request, "ta"))


@router.get("/projects/{project_id}/task_assignments")
def list_project_task_assignments(project_id: int, request: Request, ctx: Ctx) -> Response:
    _require_project(ctx, project_id)
    where = _common_filters(request, "ta")
    where.add("ta.project_id = ?", project_id)
    return _list(request, ctx, js.TASK_ASSIGNMENTS, where)


@router.get("/projects/{project_id}/task_assignments/{assignment_id}")
def get_task_assignment(project_id: int, assignment_id: int, ctx: Ctx) -> Response:
    _require_assignment(ctx, "harvest_task_assignments", project_id, assignment_id)
    return _one(ctx, js.TASK_ASSIGNMENTS, assignment_id)


@router.post("/projects/{project_id}/task_assignments")
def create_task_assignment(project_id: int, payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        assignment_id = mutations.create_task_assignment(
            conn, project_id, Fields(payload), ctx.clock.now_iso()
        )
    return _one(ctx, js.TASK_ASSIGNMENTS, assignment_id, 201)


@router.patch("/projects/{project_id}/task_assignments/{assignment_id}")
def update_task_assignment(
    project_id: int, assignment_id: int, payload: Payload, ctx: Ctx
) -> Response:
    with ctx.store.transaction() as conn:
        mutations.update_task_assignment(
            conn, project_id, assignment_id, Fields(payload), ctx.clock.now_iso()
        )
    return _one(ctx, js.TASK_ASSIGNMENTS, assignment_id)


@router.delete("/projects/{project_id}/task_assignments/{assignment_id}")
def delete_task_assignment(project_id: int, assignment_id: int, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        mutations.delete_task_assignment(conn, project_id, assignment_id)
    return Response(status_code=200)


# Time entries ------------------------------------------------------------------------------


def _time_entry_filters(request: Request) -> tuple[backend.Filter, str | None]:
    """The filters of a time entry list, and the updated_since bound if any."""
    params = request.query_params
    where = backend.Filter()
    for name in ("user_id", "client_id", "project_id", "task_id"):
        value = query_int(params, name)
        if value is not None:
            where.add(f"te.{name} = ?", value)
    reference = params.get("external_reference_id")
    if reference:
        # Matches the partial expression index ix_hv_te_extref.
        where.add(
            "te.external_reference is not null and json_extract(te.external_reference, '$.id') = ?",
            reference,
        )
    for name in ("is_billed", "is_running"):
        flag = query_bool(params, name)
        if flag is not None:
            where.add(f"te.{name} = ?", int(flag))
    updated_since = query_timestamp(params, "updated_since")
    if updated_since is not None:
        where.add("te.updated_at >= ?", updated_since)
    spent_from = query_date(params, "from")
    if spent_from is not None:
        where.add("te.spent_date >= ?", spent_from)
    spent_to = query_date(params, "to")
    if spent_to is not None:
        where.add("te.spent_date <= ?", spent_to)
    return where, updated_since


def _time_entry_index(ctx: SandboxContext, request: Request, updated_since: str | None) -> str:
    """Which index walks an updated_since list best (the planner has no statistics to judge)."""
    params = request.query_params
    if updated_since is None or any(
        params.get(k) for k in ("user_id", "project_id", "external_reference_id")
    ):
        return ""
    changed = _totals(ctx).count(
        "select count(*) from harvest_time_entries te where te.updated_at >= ?",
        (updated_since,),
    )
    if changed <= UPDATED_INDEX_MAX_ROWS:
        return "indexed by ix_hv_te_upd"
    return "indexed by ix_hv_te_date"


@router.get("/time_entries")
def list_time_entries(request: Request, ctx: Ctx) -> Response:
    where, updated_since = _time_entry_filters(request)
    hint = _time_entry_index(ctx, request, updated_since)
    return _list(request, ctx, js.TIME_ENTRIES, where, hint)


@router.get("/time_entries/{entry_id}")
def get_time_entry(entry_id: int, ctx: Ctx) -> Response:
    return _one(ctx, js.TIME_ENTRIES, entry_id)


@router.post("/time_entries")
def create_time_entry(payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        entry_id = mutations.create_time_entry(
            conn, Fields(payload), ctx.clock.now_iso(), backend.current_user_id(conn)
        )
    return _one(ctx, js.TIME_ENTRIES, entry_id, 201)


@router.patch("/time_entries/{entry_id}")
def update_time_entry(entry_id: int, payload: Payload, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        mutations.update_time_entry(conn, entry_id, Fields(payload), ctx.clock.now_iso())
    return _one(ctx, js.TIME_ENTRIES, entry_id)


@router.delete("/time_entries/{entry_id}")
def delete_time_entry(entry_id: int, ctx: Ctx) -> Response:
    with ctx.store.transaction() as conn:
        mutations.delete_time_entry(conn, entry_id)
    return Response(status_code=200)
