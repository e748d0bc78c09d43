"""The push engine: from a flow's current deltas to target writes, once each, with a full ledger.

docs/write-back.md §4. `push` takes the complete current deltas of some flows (the dbt `sync.*`
models as just built), enqueues the new ones in the outbox, supersedes pending deltas the build no
longer proposes (the target agrees already, or the change was rebuilt with a newer key), and
drains what is left: one thread per target tenant, so a target whose circuit opens stops only its
own queue. Per delta, in order: claim it (no other run sends it meanwhile); validate its payload
(invalid → quarantine with pydantic's reason, never sent); hold a payroll journal until its pay
run is approved; skip it if the ledger shows it succeeded already; then attempts, each a ledger
row written before the request: a create or post whose earlier attempt may have reached the
target is first looked up by its natural key and adopted if found; transient failures are retried
(tenacity, honouring Retry-After); a permanent failure or the last failed retry makes it a dead
letter. `replay` re-queues chosen dead letters and sends them; a dead letter of transient failures
that a later build still proposes is re-sent by that push by itself (`dead_letter_retries` times).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from canonical_models.sync import PAYLOAD_MODELS
from orchestration.push.circuit import CircuitOpen
from orchestration.push.flows import HANDLERS
from orchestration.push.retry import delivery_retrying
from orchestration.push.settings import PushSettings
from orchestration.push.store import Claimant, OpsStore, ops_store_path
from orchestration.push.types import (
    Delta,
    FlowHandler,
    PermanentFailure,
    TargetClient,
    TransientFailure,
)

PAYROLL_FLOW = "post_payroll_journal"
# Operations that write a new record: resending one whose outcome is unknown could duplicate it.
CREATING_OPERATIONS = frozenset({"create", "post"})
# What happened to each delta in one push (the report's vocabulary, not the ledger's statuses).
OUTCOMES = (
    "succeeded",
    "adopted",
    "skipped_duplicate",
    "dead",
    "quarantined",
    "awaiting_approval",
    "deferred_circuit_open",
    "claimed_by_another_run",
    "superseded",
)


@dataclass
class PushReport:
    """Each delta's outcome in one push (or replay), by delta id."""

    run: str
    outcomes: dict[str, str] = field(default_factory=dict)
    deltas: dict[str, Delta] = field(default_factory=dict)

    def add(self, delta: Delta, outcome: str) -> None:
        self.outcomes[delta.delta_id] = outcome
        self.deltas[delta.delta_id] = delta

    def counts(self) -> dict[str, int]:
        return dict(Counter(self.outcomes.values()))

    def by_target(self) -> dict[str, dict[str, int]]:
        """Outcome counts per `flow target_instance`."""
        table: dict[str, Counter[str]] = {}
        for delta_id, outcome in self.outcomes.items():
            delta = self.deltas[delta_id]
            table.setdefault(f"{delta.flow} {delta.target_instance}", Counter())[outcome] += 1
        return {key: dict(counter) for key, counter in sorted(table.items())}

    def awaiting_approval(self) -> list[str]:
        """Pay runs whose journal waits for `crosswalk approve-payroll`."""
        return sorted(
            self.deltas[d].entity_id for d, o in self.outcomes.items() if o == "awaiting_approval"
        )


class _TargetDown(Exception):
    """The target's circuit is open: stop draining it this run."""


def payload_of(delta: Delta) -> BaseModel:
    """The delta's payload validated by its flow's model (raises ValidationError)."""
    model = PAYLOAD_MODELS[(delta.flow, delta.target_system)]
    return model.model_validate(dict(delta.payload))


def validation_reason(error: ValidationError) -> str:
    """Pydantic's reasons, one per field, without the input values (they may be personal)."""
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in item["loc"]) or "payload"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


class PushEngine:
    """Sends deltas through the target clients, recording everything in the ops store."""

    def __init__(
        self,
        clients: Mapping[str, TargetClient],
        *,
        store_path: Path | None = None,
        settings: PushSettings | None = None,
        run_id: str | None = None,
        handlers: Mapping[tuple[str, str], FlowHandler] = HANDLERS,
    ) -> None:
        self.clients = clients
        self.store_path = store_path or ops_store_path()
        self.settings = settings or PushSettings.from_env()
        self.run_id = run_id or f"push-{uuid.uuid4()}"
        self.handlers = handlers

    # Entry points ----------------------------------------------------------------------------

    def push(self, deltas: Sequence[Delta], flows: Iterable[str]) -> PushReport:
        """Send `deltas`, the complete current deltas of `flows`; supersede the others pending."""
        flows = sorted(set(flows))
        report = PushReport(self.run_id)
        current = {d.delta_id for d in deltas}
        claimant = Claimant.this_process(self.run_id)
        with OpsStore.open(self.store_path) as store:
            store.enqueue(deltas)
            for delta in store.pending(flows=flows):
                # Not proposed any more: the target agrees already, or the change was rebuilt
                # under a new key. A delta another live run is sending is left to it.
                if delta.delta_id not in current and store.claim(
                    delta.delta_id, claimant, self.settings.claim_seconds
                ):
                    store.supersede(delta.delta_id)
                    report.add(delta, "superseded")
            # Still proposed after dying of failures that may have passed: send it again (a
            # bounded number of later pushes), as an operator's replay would.
            dead = [d.delta_id for d in deltas if store.state_of(d.delta_id) == "dead"]
            store.retry_transient(dead, self.settings.dead_letter_retries)
            for delta in deltas:
                state = store.state_of(delta.delta_id)
                if state == "done":
                    # Proposed again after it went through: the ledger says so, nothing is sent.
                    store.record(delta, "skipped_duplicate", self.run_id, "already delivered")
                    report.add(delta, "skipped_duplicate")
                elif state in ("dead", "quarantined"):
                    report.add(delta, state if state == "quarantined" else "dead")
            queue = store.pending(flows=flows)
        self._drain(queue, report)
        return report

    def replay(self, *, flow: str | None = None, ids: Iterable[str] | None = None) -> PushReport:
        """Put chosen dead letters back in the queue and send them now."""
        report = PushReport(self.run_id)
        with OpsStore.open(self.store_path) as store:
            chosen = [
                row["delta_id"]
                for row in store.dead_letters()
                if (flow is None or row["flow"] == flow) and (ids is None or row["delta_id"] in ids)
            ]
            store.replay(ids=chosen)
            queue = [d for d in store.pending() if d.delta_id in set(chosen)]
        self._drain(queue, report)
        return report

    # Draining --------------------------------------------------------------------------------

    def _drain(self, queue: Sequence[Delta], report: PushReport) -> None:
        by_target: dict[str, list[Delta]] = {}
        for delta in queue:
            by_target.setdefault(delta.target_instance, []).append(delta)
        missing = sorted(set(by_target) - set(self.clients))
        if missing:
            # A delta for a tenant crosswalk has no client for is configuration, not a failure
            # to retry: say which, before anything is sent.
            raise KeyError(f"no target client configured for {', '.join(missing)}")
        if not by_target:
            return
        with ThreadPoolExecutor(max_workers=len(by_target), thread_name_prefix="push") as pool:
            futures = [
                pool.submit(self._drain_target, self.clients[target], deltas)
                for target, deltas in by_target.items()
            ]
            for future in futures:
                for delta, outcome in future.result():
                    report.add(delta, outcome)

    def _drain_target(
        self, client: TargetClient, deltas: Sequence[Delta]
    ) -> list[tuple[Delta, str]]:
        claimant = Claimant.this_process(self.run_id)
        outcomes: list[tuple[Delta, str]] = []
        with OpsStore.open(self.store_path) as store:
            for index, delta in enumerate(deltas):
                if not getattr(client, "accepting", lambda: True)():
                    # Circuit open, cool-down running: left pending, no attempt, no request.
                    outcomes += [(d, "deferred_circuit_open") for d in deltas[index:]]
                    break
                try:
                    outcomes.append((delta, self._deliver(store, client, delta, claimant)))
                except _TargetDown:
                    # Left pending and unclaimed: the next push after the cool-down sends them.
                    outcomes += [(d, "deferred_circuit_open") for d in deltas[index:]]
                    break
        return outcomes

    def _deliver(
        self, store: OpsStore, client: TargetClient, delta: Delta, claimant: Claimant
    ) -> str:
        if not store.claim(delta.delta_id, claimant, self.settings.claim_seconds):
            return "claimed_by_another_run"
        try:
            payload = payload_of(delta)
        except ValidationError as error:
            store.quarantine(delta, validation_reason(error))
            return "quarantined"
        if delta.flow == PAYROLL_FLOW and store.payroll_approval(delta.entity_id) is None:
            store.release(delta.delta_id, claimant)
            return "awaiting_approval"
        if store.has_succeeded(delta.delta_id):
            store.record(delta, "skipped_duplicate", self.run_id, "succeeded in an earlier run")
            store.mark_done(delta.delta_id, None)
            return "skipped_duplicate"
        state = _AttemptState(maybe_applied=store.ever_attempted(delta.delta_id))
        try:
            for attempt in delivery_retrying(self.settings):
                with attempt:
                    last = attempt.retry_state.attempt_number >= self.settings.max_attempts
                    return self._attempt(store, client, delta, payload, state, last)
        except TransientFailure as error:
            store.dead_letter(delta, str(error), transient=True)
            return "dead"
        except PermanentFailure as error:
            store.dead_letter(delta, str(error))
            return "dead"
        except CircuitOpen:
            store.release(delta.delta_id, claimant)
            raise _TargetDown from None
        raise AssertionError("tenacity ended without an outcome")  # pragma: no cover

    def _attempt(
        self,
        store: OpsStore,
        client: TargetClient,
        delta: Delta,
        payload: BaseModel,
        state: _AttemptState,
        last: bool,
    ) -> str:
        """One ledger row: look up (if the outcome of an earlier send is unknown), then write."""
        handler = self.handlers[(delta.flow, delta.target_system)]
        ledger_id = store.begin_attempt(delta, self.run_id)
        status = lambda: getattr(client, "last_status", None)  # noqa: E731
        try:
            if (
                state.maybe_applied
                and delta.operation in CREATING_OPERATIONS
                and not getattr(handler, "completes_existing", False)
            ):
                found = handler.find_existing(client, delta, payload)
                if found is not None:
                    store.complete_attempt(
                        ledger_id,
                        "skipped_duplicate",
                        http_status=status(),
                        error=f"adopted {found}: found by natural key after an unknown outcome",
                    )
                    store.mark_done(delta.delta_id, found)
                    return "adopted"
            state.maybe_applied = True  # from here the write may reach the target
            remote_id = handler.apply(client, delta, payload)
        except TransientFailure as error:
            store.complete_attempt(
                ledger_id, "dead" if last else "failed", http_status=error.status, error=str(error)
            )
            raise
        except PermanentFailure as error:
            store.complete_attempt(ledger_id, "dead", http_status=error.status, error=str(error))
            raise
        except CircuitOpen as error:
            store.complete_attempt(ledger_id, "failed", error=f"circuit open: {error}")
            raise
        except Exception as error:
            # A handler bug or an answer it could not read: this delta stops here, with the
            # reason in the ledger and a dead letter to replay; the others go on.
            reason = f"unexpected {type(error).__name__}: {str(error)[:300]}"
            store.complete_attempt(ledger_id, "dead", http_status=status(), error=reason)
            raise PermanentFailure(reason, status=status()) from error
        store.complete_attempt(ledger_id, "succeeded", http_status=status())
        store.mark_done(delta.delta_id, remote_id)
        return "succeeded"


@dataclass
class _AttemptState:
    """Whether an earlier attempt (this run or one before) may have written the record."""

    maybe_applied: bool
