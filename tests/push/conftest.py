"""One lived firm for the write-back tests, pushed the hard way, then run again until it converges.

The firm (seed 7, lived two days, 5% dirty records, the vendors' rate limits on) is ingested and
built by `crosswalk run --no-push`, and `crosswalk plan --json` says what a push would send. Then,
as a user on a bad day would live it (`pushed`):

1. the sandbox's faults go to `heavy` (5xx, throttling, slow answers, lost replies on writes;
   the first write of each kind to Harvest and NetSuite surely loses its reply);
2. a push run (`crosswalk run --select group:push`) is killed with SIGKILL mid-batch, while a
   request it sent is still unanswered (the sandbox holding it as a slow answer);
3. the push run is started again, under heavy faults, while Harvest and NetSuite refuse writes
   (their reads answer), and finishes, the first delta that writes to each dead after its three
   attempts;
4. the faults are lifted and `crosswalk replay` re-sends the dead letters;
5. `crosswalk run` (re-ingest, rebuild, push what is left), then `crosswalk run` once more.

Every module here reads what that left behind: one firm and one history serve them all, as each
`crosswalk run` is most of a minute of the CI budget. The shared dbt fixture (seed 42,
tests/dbt/conftest.py) is never written to.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import duckdb
import httpx
import pytest

from crosswalk_cli.chaos.truth import open_findings
from orchestration.push.client import HttpTargetClient, close_clients, target_clients
from orchestration.push.deltas import FLOWS, read_deltas
from orchestration.push.engine import payload_of
from orchestration.push.flows import HANDLERS
from orchestration.push.settings import PushSettings
from orchestration.push.types import Delta
from tests.dbt.canonical_support import dbt
from tests.support.crosswalk import crosswalk_run, run_env
from tests.support.sandbox_process import REPO, SandboxProcess, start_sandbox
from vendor_sandbox.faults import SYSTEMS, WRITE_METHODS

SEED = 7  # the shared dbt fixture is seed 42: another firm, another mix of drift
DIRTY_RATE = 0.05
DAYS_LIVED = 2
# Quick retries and a short cool-down keep the faulty pushes to seconds; three attempts under
# heavy faults leave dead letters for the replay to send.
PUSH_SETTINGS = {
    "CROSSWALK_PUSH_MAX_ATTEMPTS": "3",
    "CROSSWALK_PUSH_BACKOFF_SECONDS": "0.2",
    "CROSSWALK_PUSH_MAX_BACKOFF_SECONDS": "2",
    "CROSSWALK_PUSH_CIRCUIT_RESET_SECONDS": "3",
    # The dead letters here are for `crosswalk replay` to send; a later push re-sending them by
    # itself is tested in test_engine_delivery.py.
    "CROSSWALK_PUSH_DEAD_LETTER_RETRIES": "0",
}
KILL_AFTER_ATTEMPTS = 12  # ledger rows with a request before the push run is killed
# The kill lands while a request is open: one the sandbox holds for SLOW_SECONDS (heavy faults,
# more of them slow), seen open on two polls OPEN_FOR_SECONDS apart, so it is still unanswered.
SLOW_RATE = 0.15
SLOW_SECONDS = 5.0
OPEN_FOR_SECONDS = 0.5
# The push run after the kill: the vendors that refuse writes (their reads answer, so the
# engine's look-ups between attempts go through) and the writes they refuse, each enough times
# for one delta's every attempt and every in-request retry; a circuit that those failures, added
# to the ones the killed run left counted, cannot open (an open circuit defers a delta, it does
# not kill it). Not Gusto: its token refresh is a POST.
REFUSED_WRITES = {
    "harvest": ("/harvest/*", "/forecast/*"),
    "netsuite": ("/netsuite/*/record/v1/*",),  # not its SuiteQL reads, POSTs too
}
RERUN_CIRCUIT_FAIL_MAX = 20
# The killed run: besides heavy faults' odds, the first write of each kind to Harvest and NetSuite
# loses its reply (applied, answer dropped), so the bad day surely holds lost replies.
LOST_REPLIES = {
    "POST /harvest/*": 1,
    "PATCH /harvest/*": 1,
    "POST /netsuite/*/record/v1/*": 1,
    "PUT /netsuite/*/record/v1/*": 1,
}


def validated(delta: Delta) -> Any:
    return payload_of(delta)


def cli(env: dict[str, str], *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crosswalk_cli.main", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def succeeded(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@dataclass
class Firm:
    sandbox: SandboxProcess
    env: dict[str, str]
    workdir: Path
    # Before any push: the build's open findings and the sandbox's truth (issue 4's check, seed 7).
    findings_at_build: set[tuple[str, str, str, str]] = field(default_factory=set)
    truth_at_build: dict[str, Any] = field(default_factory=dict)

    @property
    def warehouse(self) -> Path:
        return Path(self.env["CROSSWALK_WAREHOUSE"])

    @property
    def ops_db(self) -> Path:
        return Path(self.env["CROSSWALK_OPS_DB"])

    def control(self, path: str) -> Any:
        return httpx.get(self.sandbox.base("control") + path, timeout=300).raise_for_status().json()

    def set_faults(self, profile: str, **overrides: object) -> None:
        httpx.post(
            self.sandbox.base("control") + "/faults",
            json={"profile": profile, "overrides": overrides},
            timeout=60,
        ).raise_for_status()

    def deltas(self, flows: tuple[str, ...] = FLOWS, *, rebuild: bool = True) -> list[Delta]:
        """The flows' deltas in the warehouse, rebuilt first unless told not to."""
        if rebuild:
            now = self.control("/clock")["business_now"]
            dbt(self.warehouse, now, "build", "--select", *flows, workdir=self.workdir)
        return read_deltas(self.warehouse, flows, wait_seconds=30)

    def open_findings(self, rules: set[str]) -> list[tuple]:
        names = ", ".join(f"'{r}'" for r in sorted(rules))
        with duckdb.connect(str(self.warehouse), read_only=True) as conn:
            return conn.sql(
                "select rule, entity_id, systems from reconciliation.drift_findings "
                f"where status = 'open' and rule in ({names})"
            ).fetchall()

    def standing(self, rules: set[str] | None = None) -> set[tuple[str, str]]:
        drift = self.control("/truth/drift?standing=true")["drift"]
        return {(d["rule"], d["entity_id"]) for d in drift if rules is None or d["rule"] in rules}

    def standing_auto_fixable(self) -> list[dict[str, Any]]:
        drift = self.control("/truth/drift?standing=true")["drift"]
        return [d for d in drift if d["auto_fixable"]]

    def ops(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        with sqlite3.connect(self.ops_db) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(row) for row in conn.execute(sql, params)]

    @contextmanager
    def clients(self) -> Iterator[dict[str, HttpTargetClient]]:
        """The engine's own target clients, configured from the firm's environment."""
        with mock.patch.dict(os.environ, self.env):
            clients = target_clients()
        try:
            yield clients
        finally:
            close_clients(clients)


@dataclass
class Pushed:
    """What the bad day did: the first deltas, the plan, and each step's evidence."""

    firm: Firm
    first: list[Delta]
    plan: dict[str, Any]
    found_before: dict[str, str | None]
    killed_run_rows: list[dict[str, Any]]
    dead_before_replay: list[dict[str, Any]]
    replay_output: str
    run_outputs: list[str]
    approved_pay_runs: list[str]
    standing_before: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    def applied(self) -> dict[str, str | None]:
        """Each delivered delta's target record id, from the outbox."""
        rows = self.firm.ops("select delta_id, target_record_id from outbox where state = 'done'")
        return {row["delta_id"]: row["target_record_id"] for row in rows}

    def assert_adopted(self, delta: Delta, found: str, applied: dict[str, str | None]) -> bool:
        """`found` is the record the engine delivered `delta` to; a delta not delivered must have
        been superseded (a rebuild after an unknown outcome found the target agreeing). Whether
        it was delivered."""
        if delta.delta_id in applied:
            assert applied[delta.delta_id] == found, delta
            return True
        (row,) = self.firm.ops("select state from outbox where delta_id = ?", delta.delta_id)
        assert row["state"] == "superseded", (delta, row)
        return False


@pytest.fixture(scope="session")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    workdir = tmp_path_factory.mktemp("push-firm")
    sandbox = start_sandbox(workdir / "sandbox", seed=SEED, dirty=DIRTY_RATE, rate_limits=True)
    try:
        env = {**run_env(sandbox, workdir), **PUSH_SETTINGS}
        env["CROSSWALK_OPS_DB"] = str(workdir / "ops.sqlite")
        advance = f"{sandbox.base('control')}/advance?days={DAYS_LIVED}"
        httpx.post(advance, timeout=300).raise_for_status()
        succeeded(crosswalk_run(env, "--no-push"))
        firm = Firm(sandbox, env, workdir)
        firm.findings_at_build = open_findings(firm.warehouse)
        firm.truth_at_build = firm.control("/truth/drift")
        yield firm
    finally:
        sandbox.stop()


def _kill_mid_batch(firm: Firm) -> list[dict[str, Any]]:
    """Start a push run, SIGKILL it mid-request once it has made some attempts; the rows it left."""
    process = subprocess.Popen(
        [sys.executable, "-m", "crosswalk_cli.main", "run", "--select", "group:push"],
        cwd=REPO,
        env=firm.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    first_seen_open: dict[int, float] = {}
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            if firm.ops_db.exists() and _held_open_request(firm, first_seen_open):
                break
            time.sleep(0.05)
        assert process.poll() is None, "the push run finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
    return firm.ops("select * from sync_ledger where attempt > 0 order by ledger_id")


def _held_open_request(firm: Firm, first_seen_open: dict[int, float]) -> bool:
    """After KILL_AFTER_ATTEMPTS attempts, whether a request has been open OPEN_FOR_SECONDS."""
    rows = firm.ops("select ledger_id, completed_at from sync_ledger where attempt > 0")
    if len(rows) < KILL_AFTER_ATTEMPTS:
        return False
    now = time.monotonic()
    open_ids = {row["ledger_id"] for row in rows if row["completed_at"] is None}
    for ledger_id in list(first_seen_open):
        if ledger_id not in open_ids:
            del first_seen_open[ledger_id]
    for ledger_id in open_ids:
        first_seen_open.setdefault(ledger_id, now)
    return any(now - seen >= OPEN_FOR_SECONDS for seen in first_seen_open.values())


def _refusing_writes(settings: PushSettings) -> dict[str, object]:
    """Fault overrides: heavy faults on the other vendors, REFUSED_WRITES refused."""
    refusals = settings.max_attempts * settings.request_attempts
    return {
        "systems": [system for system in SYSTEMS if system not in REFUSED_WRITES],
        "fail_next": {
            f"{method} {pattern}": refusals
            for method in sorted(WRITE_METHODS)
            for patterns in REFUSED_WRITES.values()
            for pattern in patterns
        },
    }


@pytest.fixture(scope="session")
def pushed(firm: Firm) -> Iterator[Pushed]:
    first = firm.deltas(rebuild=False)
    assert first, "the lived firm should have drift to fix"
    plan = json.loads(succeeded(cli(firm.env, "plan", "--json")).stdout)
    standing_before = {"posting_amount_variance": firm.standing({"posting_amount_variance"})}
    found_before: dict[str, str | None] = {}
    with firm.clients() as clients:
        for delta in first:
            if delta.operation in ("create", "post"):
                handler = HANDLERS[(delta.flow, delta.target_system)]
                found_before[delta.delta_id] = handler.find_existing(
                    clients[delta.target_instance], delta, validated(delta)
                )

    firm.set_faults("heavy", slow_rate=SLOW_RATE, slow_seconds=SLOW_SECONDS, lose_next=LOST_REPLIES)
    try:
        killed_run_rows = _kill_mid_batch(firm)
        # Dead letters for the replay, from refused writes rather than a fault rate's odds.
        rerun_env = {**firm.env, "CROSSWALK_PUSH_CIRCUIT_FAIL_MAX": str(RERUN_CIRCUIT_FAIL_MAX)}
        with mock.patch.dict(os.environ, rerun_env):
            firm.set_faults("heavy", **_refusing_writes(PushSettings.from_env()))
        # Under heavy faults a push run may end with failed steps (a circuit, dead letters); what
        # matters is what the ledger and the targets hold afterwards.
        rerun = cli(rerun_env, "run", "--select", "group:push")
        assert firm.ops("select delta_id from dead_letter"), (
            "the writes Harvest and NetSuite refused left no dead letter: "
            f"{firm.ops('select target_system, state, count(*) from outbox group by 1, 2')}\n"
            f"{rerun.stdout[-3000:]}"
        )
    finally:
        firm.set_faults("none")
    dead_before_replay = firm.ops("select * from dead_letter where replayed_at is null")
    replay_output = cli(firm.env, "replay").stdout
    pay_runs = sorted({d.entity_id for d in first if d.flow == "post_payroll_journal"})
    approved = pay_runs[:1]
    for pay_run in approved:
        succeeded(cli(firm.env, "approve-payroll", pay_run, "--approved-by", "controller@acme"))
    outputs = [succeeded(crosswalk_run(firm.env)).stdout for _ in range(2)]
    yield Pushed(
        firm,
        first,
        plan,
        found_before,
        killed_run_rows,
        dead_before_replay,
        replay_output,
        outputs,
        approved,
        standing_before,
    )
