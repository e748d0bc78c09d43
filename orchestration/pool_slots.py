"""Two mends to how Dagster (1.13) hands pool slots to steps; the code location installs them.

Every crosswalk step that writes the warehouse takes the one slot of the pool `warehouse`
(dagster.yaml). Two faults of Dagster's own claiming showed on the webhook path:

1. A free slot no step is given. A step that must wait is registered as waiting, and given a
   slot at once if one is free then; a slot freed later goes to the first step waiting. These are
   separate statements with no lock between them (SQLite has no SELECT ... FOR UPDATE), so a
   step that looks while the holder is finishing (slot taken) and registers just after the holder
   freed it (no one waiting, nothing given) waits beside a free slot until some other step frees
   one: with a pool of one, for ever. Seen 2026-12-06 in the event bench: a webhook run blocked
   6 minutes on `warehouse` with its slot free, the runs behind it queued. Mended: when a waiting
   step asks again and a slot is free that no waiting step was given, Dagster's own assignment
   gives it to the first step waiting (by priority, then age); the claim then proceeds as usual.
2. A busy wait. While a step waits, the executor asks how long to sleep before asking again and
   is told 0 (`interval_to_next_pending_claim_check` takes the min with 0), so the run spins a
   CPU core for as long as it waits, beside the run whose dbt build it waits for. Mended: it
   sleeps until its next ask.

A waiting step asks again every ASK_AGAIN_SECONDS (Dagster backs off to 15 s): a few indexed
queries on the instance's SQLite, and a freed warehouse passes to the next run sooner.
Installed once per process (install() is idempotent); a test keeps each fault reproduced against
the Dagster in use, so an upgrade that fixes one says so (tests/orchestration/test_pool_slots.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage
from dagster._utils.concurrency import ConcurrencyClaimStatus

ASK_AGAIN_SECONDS = 0.5

DAGSTER_CLAIM: Callable[..., ConcurrencyClaimStatus] = SqlEventLogStorage.claim_concurrency_slot
DAGSTER_INTERVAL: Callable[[InstanceConcurrencyContext], float] = (
    InstanceConcurrencyContext.interval_to_next_pending_claim_check
)


def claim_or_take_a_forgotten_slot(
    storage: SqlEventLogStorage,
    concurrency_key: str,
    run_id: str,
    step_key: str,
    priority: int | None = None,
) -> ConcurrencyClaimStatus:
    """Dagster's claim, after giving a free slot nobody was given to the first step waiting."""
    status = DAGSTER_CLAIM(storage, concurrency_key, run_id, step_key, priority)
    if not status.is_assigned and storage.has_unassigned_slots(concurrency_key):
        storage.assign_pending_steps([concurrency_key])
        status = DAGSTER_CLAIM(storage, concurrency_key, run_id, step_key, priority)
    return status if status.is_claimed else status.with_sleep_interval(ASK_AGAIN_SECONDS)


def seconds_to_next_ask(context: InstanceConcurrencyContext) -> float:
    """How long a run waiting for slots may sleep: until its earliest next ask, never below 0."""
    if not context.has_pending_claims():
        return 0.0
    now = time.time()
    waits = [ready_at - now for ready_at in context._pending_timeouts.values()]  # noqa: SLF001
    return max(0.0, min(waits)) if waits else 0.0


def install() -> None:
    """Put both mends in place in this process (again: no effect)."""
    SqlEventLogStorage.claim_concurrency_slot = claim_or_take_a_forgotten_slot  # type: ignore[method-assign,assignment]
    InstanceConcurrencyContext.interval_to_next_pending_claim_check = seconds_to_next_ask  # type: ignore[method-assign,assignment]
