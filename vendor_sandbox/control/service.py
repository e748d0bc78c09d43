"""The control API's work: moving the clock, reporting truth, counting, setting faults."""

from __future__ import annotations

from datetime import timedelta

from vendor_sandbox.bamboohr import backend as bamboohr_backend
from vendor_sandbox.context import SandboxContext
from vendor_sandbox.firm.activity import Simulator
from vendor_sandbox.gusto import backend as gusto_backend
from vendor_sandbox.harvest import backend as harvest_backend
from vendor_sandbox.netsuite import backend as netsuite_backend
from vendor_sandbox.truth.state import drift_entries, evaluate

MAX_ADVANCE_DAYS = 366


def advance(ctx: SandboxContext, days: int) -> dict[str, object]:
    """Play `days` business days, each in its own transaction, then refresh the drift truth."""
    if not 1 <= days <= MAX_ADVANCE_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_ADVANCE_DAYS}")
    simulator = Simulator(ctx.store)
    started = ctx.clock.now()
    reports = []
    for _ in range(days):
        with ctx.store.transaction() as conn:
            today = ctx.clock.today()
            reports.append(simulator.play_day(conn, today))
            ctx.clock.advance_to(conn, ctx.clock.day_start(today + timedelta(days=1)))
    with ctx.store.transaction() as conn:
        standing = evaluate(conn, ctx.clock.now())
    deliverer = ctx.extras.get("webhooks")
    if deliverer is not None:
        deliverer.wake()
    return {
        "from": started.isoformat(),
        "to": ctx.clock.now().isoformat(),
        "days": [
            {"day": r.day, "activity": dict(r.activity), "injected": dict(r.injected)}
            for r in reports
        ],
        "standing_drift": standing,
    }


def truth_drift(ctx: SandboxContext, *, standing_only: bool, rule: str | None) -> list[dict]:
    """Every disagreement the sandbox created, re-evaluated now (write-backs resolve them)."""
    with ctx.store.transaction() as conn:
        evaluate(conn, ctx.clock.now())
    entries = drift_entries(ctx.store.connection(), standing_only=standing_only)
    return [e for e in entries if rule is None or e["rule"] == rule]


def truth_counts(ctx: SandboxContext) -> dict[str, dict[str, int]]:
    """Rows per system and raw table name, as ingestion must land them."""
    conn = ctx.store.connection()
    return {
        "bamboohr": bamboohr_backend.counts(conn),
        "netsuite": netsuite_backend.counts(conn),
        "harvest": harvest_backend.counts(conn),
        "gusto": gusto_backend.counts(conn),
    }


def truth_duplicates(ctx: SandboxContext) -> list[dict[str, object]]:
    """Records created through a vendor API while a live record already had their natural key."""
    rows = (
        ctx.store.connection()
        .execute(
            "select system, entity, natural_key, remote_id, duplicate_of, created_at "
            "from sandbox_write_log where duplicate_of is not null order by write_id"
        )
        .fetchall()
    )
    return [dict(r) for r in rows]


def truth_dirty(ctx: SandboxContext) -> list[dict[str, object]]:
    rows = (
        ctx.store.connection()
        .execute("select system, entity, remote_id, defect from sandbox_dirty order by 1, 2, 3")
        .fetchall()
    )
    return [dict(r) for r in rows]


def truth_injections(ctx: SandboxContext) -> list[dict[str, object]]:
    rows = (
        ctx.store.connection()
        .execute(
            "select rule, entity_type, entity_id, systems, injected_at, cause "
            "from sandbox_injection order by injection_id"
        )
        .fetchall()
    )
    return [{**dict(r), "systems": r["systems"].split(",")} for r in rows]


def webhook_deliveries(ctx: SandboxContext, status: str | None) -> list[dict[str, object]]:
    """Every queued webhook delivery (or those with `status`), with its body as text."""
    where, params = ("where status = ?", (status,)) if status else ("", ())
    rows = (
        ctx.store.connection()
        .execute(
            "select delivery_id, system, status, attempts, last_status, created_at, body "
            f"from sandbox_webhook_outbox {where} order by delivery_id",
            params,
        )
        .fetchall()
    )
    return [{**dict(r), "body": bytes(r["body"]).decode()} for r in rows]
