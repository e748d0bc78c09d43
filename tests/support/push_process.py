"""A push run in its own process, over deltas from a JSON file (the engine tests' concurrent runs).

    python -m tests.support.push_process DELTAS.json RUN_ID

Target clients and the ops store come from the environment, as in a real push run. Prints one
JSON object: the run id, its outcome counts, the requests it sent and how long it took.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

from orchestration.push.client import close_clients, target_clients
from orchestration.push.engine import PushEngine
from orchestration.push.types import Delta


def main(batch: Path, run_id: str) -> None:
    deltas = [
        Delta(**{**raw, "observed_at": datetime.fromisoformat(raw["observed_at"])})
        for raw in json.loads(batch.read_text())
    ]
    clients = target_clients()
    started = time.monotonic()
    try:
        report = PushEngine(clients, run_id=run_id).push(deltas, {d.flow for d in deltas})
    finally:
        close_clients(clients)
    summary = {
        "run": run_id,
        **{outcome: 0 for outcome in ("succeeded", "claimed_by_another_run")},
        **report.counts(),
        "requests": sum(client.requests_sent for client in clients.values()),
        "seconds": round(time.monotonic() - started, 3),
    }
    sys.stdout.write(json.dumps(summary) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
