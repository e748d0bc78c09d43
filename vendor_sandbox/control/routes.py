"""The sandbox's control API under /_sandbox (not a vendor API): clock, truth, faults, health."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from vendor_sandbox.context import Ctx
from vendor_sandbox.control import service
from vendor_sandbox.faults import PROFILES, FaultProfile

router = APIRouter(tags=["control"])

BASE_URLS = {
    "bamboohr": "/bamboohr/api/gateway.php/acme/v1",
    "netsuite": "/netsuite/services/rest",
    "harvest": "/harvest/v2",
    "forecast": "/forecast",
    "gusto": "/gusto/v1",
}


@router.get("/health")
def health(ctx: Ctx) -> dict[str, object]:
    store = ctx.store
    return {
        "status": "ok",
        "business_now": ctx.clock.now_iso(),
        "size": store.get_meta("size"),
        "seed": int(store.get_meta("seed") or 0),
        "faults": ctx.faults.profile.name,
        "base_paths": BASE_URLS,
    }


@router.get("/clock")
def clock(ctx: Ctx) -> dict[str, str]:
    return {"business_now": ctx.clock.now_iso(), "business_date": ctx.clock.today().isoformat()}


@router.post("/advance")
def advance(ctx: Ctx, days: Annotated[int, Query(ge=1, le=service.MAX_ADVANCE_DAYS)] = 1) -> dict:
    return service.advance(ctx, days)


@router.get("/truth/drift")
def truth_drift(
    ctx: Ctx,
    standing: Annotated[bool, Query(description="Only disagreements that still stand.")] = False,
    rule: str | None = None,
) -> dict[str, object]:
    entries = service.truth_drift(ctx, standing_only=standing, rule=rule)
    return {"business_now": ctx.clock.now_iso(), "count": len(entries), "drift": entries}


@router.get("/truth/counts")
def truth_counts(ctx: Ctx) -> dict[str, dict[str, int]]:
    return service.truth_counts(ctx)


@router.get("/truth/duplicates")
def truth_duplicates(ctx: Ctx) -> dict[str, object]:
    duplicates = service.truth_duplicates(ctx)
    return {"count": len(duplicates), "duplicates": duplicates}


@router.get("/truth/dirty")
def truth_dirty(ctx: Ctx) -> dict[str, object]:
    dirty = service.truth_dirty(ctx)
    return {"count": len(dirty), "dirty": dirty}


@router.get("/truth/injections")
def truth_injections(ctx: Ctx) -> dict[str, object]:
    injections = service.truth_injections(ctx)
    return {"count": len(injections), "injections": injections}


@router.get("/webhooks")
def webhook_deliveries(
    ctx: Ctx, status: Annotated[str | None, Query(description="pending|delivered|failed")] = None
) -> dict[str, object]:
    """The webhook deliveries the sandbox queued: what was sent, what waits, what gave up."""
    deliveries = service.webhook_deliveries(ctx, status)
    by_status: dict[str, int] = {}
    for delivery in deliveries:
        by_status[str(delivery["status"])] = by_status.get(str(delivery["status"]), 0) + 1
    return {"count": len(deliveries), "by_status": by_status, "deliveries": deliveries}


class FaultRequest(BaseModel):
    """A named profile, optionally with overrides (e.g. fail_all: ["netsuite"])."""

    profile: str = "none"
    overrides: dict[str, object] = {}


@router.get("/faults")
def get_faults(ctx: Ctx) -> dict[str, object]:
    return {"profile": ctx.faults.profile.model_dump(), "injected": ctx.faults.counters.counts}


@router.post("/faults")
def set_faults(ctx: Ctx, request: FaultRequest) -> dict[str, object]:
    if request.profile not in PROFILES:
        raise HTTPException(422, f"unknown fault profile {request.profile!r}: {sorted(PROFILES)}")
    base = PROFILES[request.profile].model_dump()
    try:
        profile = FaultProfile(**{**base, **request.overrides})
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    ctx.faults.set_profile(profile)
    return {"profile": profile.model_dump()}
