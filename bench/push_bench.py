"""Write-back benchmark: the pace two concurrent push runs achieve against Harvest's limit.

A fresh small sandbox with the vendors' limits on; two push processes (tests/support/push_process)
send the same 400 new PSA users at once, as two runs of one build would, sharing one ops store
and so one pacing budget. Harvest allows 100 requests per rolling 15 s. Requests go out in
bursts as each window frees, so the pace is measured per window: requests / ((last request −
first request) + 15 s) × 15 s, over the allowed 100. The target is ≥ 0.9; the engine paces at
0.95 to keep clear of 429s; any 429 the sandbox returned is counted.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from crosswalk_cli.local_stack import start_sandbox
from orchestration.push.pacing import PUBLISHED_LIMITS
from tests.support.crosswalk import run_env
from tests.support.deltas import psa_user
from tests.support.sandbox_process import REPO

DELTAS = 400
PROCESSES = 2


def run() -> dict[str, object]:
    limit = PUBLISHED_LIMITS["harvest"]
    with tempfile.TemporaryDirectory(prefix="crosswalk-push-bench-") as tmp:
        workdir = Path(tmp)
        sandbox = start_sandbox(workdir / "sandbox", size="small", seed=5)
        try:
            env = run_env(sandbox, workdir)
            batch = workdir / "deltas.json"
            deltas = [psa_user("bench", i) for i in range(DELTAS)]
            batch.write_text(json.dumps([asdict(d) for d in deltas], default=str))
            processes = [
                subprocess.Popen(
                    [sys.executable, "-m", "tests.support.push_process", str(batch), f"bench-{n}"],
                    cwd=REPO,
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for n in range(PROCESSES)
            ]
            reports = [json.loads(p.communicate(timeout=900)[0]) for p in processes]
        finally:
            sandbox.stop()
        with sqlite3.connect(workdir / "ops.sqlite") as conn:
            rows = conn.execute(
                "select requested_at, http_status, status from sync_ledger where attempt > 0"
            ).fetchall()
    stamps = sorted(datetime.fromisoformat(r[0]) for r in rows)
    span = (stamps[-1] - stamps[0]).total_seconds()
    requests = sum(r["requests"] for r in reports)
    windows = int(span // limit.per_seconds)
    backlog_end = windows * limit.per_seconds
    in_windows = sum(1 for s in stamps if (s - stamps[0]).total_seconds() < backlog_end)
    whole_span = requests / (span + limit.per_seconds) * limit.per_seconds
    return {
        "harvest_push_requests": requests,
        "harvest_push_processes": PROCESSES,
        "harvest_push_span_s": round(span, 1),
        "harvest_push_429s": sum(1 for r in rows if r[1] == 429),
        "harvest_push_succeeded": sum(1 for r in rows if r[2] == "succeeded"),
        "harvest_pace_over_allowed": round(in_windows / (windows * limit.requests), 3),
        "harvest_pace_whole_span_over_allowed": round(whole_span / limit.requests, 3),
        "harvest_pace_target": 0.9,
    }
