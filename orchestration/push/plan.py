"""`crosswalk plan`: what a push would do, per flow and target tenant, with nothing sent.

Each current delta is classified as the engine would treat it: a write by its operation
(create, update, deactivate, post), quarantined (its payload fails validation, with the reason),
awaiting a payroll approval, already delivered, or a dead letter waiting for a replay. The plan's
writes are `planned` rows in the ledger, so an audit can set what was planned against what ran.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from orchestration.push.engine import PAYROLL_FLOW, payload_of, validation_reason
from orchestration.push.store import OpsStore
from orchestration.push.types import Delta

WRITE_OPERATIONS = ("create", "update", "deactivate", "post")
COLUMNS = (*WRITE_OPERATIONS, "quarantined", "awaiting_approval", "delivered", "dead_letter")


@dataclass
class Plan:
    run: str
    counts: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    quarantine_reasons: dict[str, str] = field(default_factory=dict)
    writes: list[Delta] = field(default_factory=list)

    def count(self, delta: Delta, column: str) -> None:
        self.counts.setdefault((delta.flow, delta.target_instance), Counter())[column] += 1

    def rows(self) -> list[dict[str, object]]:
        return [
            {"flow": flow, "target": target, **{c: counter.get(c, 0) for c in COLUMNS}}
            for (flow, target), counter in sorted(self.counts.items())
        ]

    def render(self) -> str:
        """A fixed-width table, one line per flow and target tenant."""
        header = ("flow", "target", *COLUMNS)
        lines = [header] + [tuple(str(v) for v in row.values()) for row in self.rows()]
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        text = ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)) for line in lines]
        if not self.counts:
            text.append("(no deltas: the targets agree with the systems of record)")
        for delta_id, reason in sorted(self.quarantine_reasons.items()):
            text.append(f"quarantined {delta_id}: {reason}")
        return "\n".join(line.rstrip() for line in text)


def plan(deltas: Sequence[Delta], store_path: Path) -> Plan:
    """Classify every current delta as the engine would, sending nothing."""
    result = Plan(run=f"plan-{uuid.uuid4()}")
    with OpsStore.open(store_path) as store:
        for delta in deltas:
            state = store.state_of(delta.delta_id)
            if state == "done" or store.has_succeeded(delta.delta_id):
                result.count(delta, "delivered")
                continue
            if state == "dead":
                result.count(delta, "dead_letter")
                continue
            try:
                payload_of(delta)
            except ValidationError as error:
                result.count(delta, "quarantined")
                result.quarantine_reasons[delta.delta_id] = validation_reason(error)
                continue
            if delta.flow == PAYROLL_FLOW and store.payroll_approval(delta.entity_id) is None:
                result.count(delta, "awaiting_approval")
                continue
            result.count(delta, delta.operation)
            result.writes.append(delta)
            store.record(delta, "planned", result.run)
    return result
