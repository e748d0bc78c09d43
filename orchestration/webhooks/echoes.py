"""Webhook events that only echo crosswalk's own writes: they start no run.

Provisioning a hire in Gusto makes Gusto post `employee.created` back about the employee
crosswalk has just created. A targeted run for it would read back what was written, and the next
wave of real changes would wait behind that run for the single-writer warehouse (the event bench:
one `gusto_worker_events` run after each wave of hires). An event is an echo when crosswalk's
write of the same kind to the same record was sent before the event reached the inbox and
completed at most `ECHO_WINDOW` before it. Echoes stay in the inbox and the sensor's cursor moves
past them; the system's next scheduled poll reads the record as usual, so nothing is lost. A
person's change to the same record, of the same kind, inside the window waits for that poll too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from orchestration.push.store import OpsStore
from orchestration.webhooks.inbox import InboxRow

ECHO_WINDOW = timedelta(minutes=2)
# (system, event type) -> the outbox operation whose write makes that event.
ECHOED_OPERATION = {
    ("gusto", "employee.created"): "create",
    ("gusto", "employee.updated"): "update",
    ("gusto", "employee.terminated"): "deactivate",
}


def echo_ids(events: Sequence[InboxRow]) -> set[int]:
    """Inbox ids of the events in `events` that echo a write crosswalk made.

    The ops store is read only when some event is of a kind crosswalk's writes make.
    """
    candidates = [
        e
        for e in events
        if (e.system, e.event_type) in ECHOED_OPERATION and len(e.subject_ids) == 1
    ]
    if not candidates:
        return set()
    with OpsStore.open() as store:
        return _echoes(store, candidates)


def _echoes(store: OpsStore, candidates: Sequence[InboxRow]) -> set[int]:
    echoes: set[int] = set()
    for system in {e.system for e in candidates}:
        of_system = [e for e in candidates if e.system == system]
        since = min(datetime.fromisoformat(e.received_at) for e in of_system) - ECHO_WINDOW
        # (record, operation) -> when each such write was sent and completed
        spans: dict[tuple[str, str], list[tuple[datetime, datetime]]] = {}
        for w in store.writes_completed_since(system, since.isoformat(timespec="microseconds")):
            span = (datetime.fromisoformat(w.requested_at), datetime.fromisoformat(w.completed_at))
            spans.setdefault((w.record_id, w.operation), []).append(span)
        for event in of_system:
            received = datetime.fromisoformat(event.received_at)
            key = (event.subject_ids[0], ECHOED_OPERATION[(system, event.event_type)])
            if any(
                requested <= received and received - completed <= ECHO_WINDOW
                for requested, completed in spans.get(key, [])
            ):
                echoes.add(event.inbox_id)
    return echoes
