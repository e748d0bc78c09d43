"""The reliability scenario: a firm lives `days` business days while everything goes wrong.

The sandbox serves the `chaos` fault profile (10% 5xx, 5% throttling, 2% timeouts, lost replies,
duplicate and out-of-order webhooks); the webhook receiver is registered with it. Day 0 builds
the warehouse. Each day then: the sandbox plays a business day; its webhooks reach the inbox;
the inbox sensor's runs execute; the daily cycle (`crosswalk run`: ingest, build, push) runs,
and on two days it is SIGKILLed, once during ingestion and once during write-back, and run
again (or, with `rerun_after_kill` off, left for the next day's cycle to recover); an operator
approves the pay runs waiting at the audit checkpoint. Afterwards up to `settle_cycles` more
cycles run (faults still on) until nothing fixable stands and nothing waits, and a last
`crosswalk run --no-push` ingests and builds what the final pushes changed. The report counts
duplicates, lost changes, standing drift by rule, dead letters and SLA breaches
(crosswalk_cli/chaos/measures.py).
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from crosswalk_cli.chaos import measures
from crosswalk_cli.chaos.cycles import CycleOutcome, CycleRunner
from crosswalk_cli.chaos.report import ChaosReport, DayRecord, SlaBreach
from crosswalk_cli.local_stack import ChildServer, sandbox_source_env, start_receiver, start_sandbox
from orchestration.instance import ensure_dagster_home

WEBHOOK_SETTLE_SECONDS = 90.0
POSTING_RULE = "approved_time_not_posted"  # its deadline is the time domain's business SLA


@dataclass
class ChaosConfig:
    days: int = 30
    seed: int = 42
    size: str = "small"
    workdir: Path = Path("data/chaos")
    faults: str = "chaos"
    fault_overrides: dict[str, float] = field(default_factory=dict)  # profile fields
    kill_ingest_day: int | None = None  # default: a third of the way in
    kill_push_day: int | None = None  # default: two thirds of the way in
    settle_cycles: int = 3
    rerun_after_kill: bool = True  # as a run retry would; else the next day's cycle recovers
    client_timeout_seconds: float = 3.0  # sources' and pushes'; the sandbox's timeouts exceed it
    env: dict[str, str] = field(default_factory=dict)  # extra env for every child

    def kill_days(self) -> tuple[int, int]:
        ingest = self.kill_ingest_day or max(1, self.days // 3)
        push = self.kill_push_day or max(1, (2 * self.days) // 3)
        if push == ingest and self.kill_push_day is None:
            push = min(self.days, ingest + 1)
        return ingest, push


def scenario_env(config: ChaosConfig, sandbox_url: str) -> dict[str, str]:
    """Everything a child needs to see this scenario's sandbox and keep its state in workdir."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CROSSWALK_BI_")}
    workdir = config.workdir.resolve()
    env.update(sandbox_source_env(sandbox_url))
    env.update(
        {
            "CROSSWALK_WAREHOUSE": str(workdir / "warehouse.duckdb"),
            "CROSSWALK_OPS_DB": str(workdir / "ops.sqlite"),
            "DAGSTER_HOME": str(workdir / "dagster_home"),
            "DLT_DATA_DIR": str(workdir / "dlt"),
            "RUNTIME__REQUEST_TIMEOUT": f"{config.client_timeout_seconds:g}",
            "CROSSWALK_PUSH_REQUEST_TIMEOUT_SECONDS": f"{config.client_timeout_seconds:g}",
            **config.env,
        }
    )
    return env


def _post(sandbox_url: str, path: str, **kwargs: object) -> dict:
    response = httpx.post(f"{sandbox_url}/_sandbox{path}", timeout=600, **kwargs)  # type: ignore[arg-type]
    response.raise_for_status()
    return response.json()


def _injected(sandbox_url: str) -> dict[str, dict[str, int]]:
    return measures.control(sandbox_url, "/faults")["injected"]


def _wait_for_webhooks(sandbox_url: str) -> int:
    """Wait until the sandbox has no delivery pending; how many still are when time is up."""
    deadline = time.monotonic() + WEBHOOK_SETTLE_SECONDS
    while True:
        pending = measures.control(sandbox_url, "/webhooks?status=pending")["count"]
        if pending == 0 or time.monotonic() > deadline:
            return pending
        time.sleep(0.5)


def _approve_waiting_pay_runs(ops_db: Path) -> list[str]:
    """The operator's act at the audit checkpoint: approve every pay run whose journal waits."""
    from orchestration.push.engine import PAYROLL_FLOW
    from orchestration.push.store import OpsStore

    if not ops_db.exists():
        return []
    with OpsStore.open(ops_db) as store:
        waiting = sorted({delta.entity_id for delta in store.pending(flows=[PAYROLL_FLOW])})
        return [run for run in waiting if store.approve_payroll(run, "crosswalk chaos")]


class ChaosScenario:
    def __init__(self, config: ChaosConfig) -> None:
        self.config = config
        self.workdir = config.workdir.resolve()

    def run(self) -> ChaosReport:
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True)
        started = time.monotonic()
        # The sandbox and receiver are started with the scenario's state paths in their env.
        sandbox = start_sandbox(
            self.workdir, size=self.config.size, seed=self.config.seed, env=dict(os.environ)
        )
        receiver: ChildServer | None = None
        try:
            env = scenario_env(self.config, sandbox.url)
            os.environ.update(env)  # the sensor evaluated here reads the same ops store
            ensure_dagster_home()  # DAGSTER_HOME is the scenario's own, with crosswalk's config
            receiver = start_receiver(self.workdir, env=env)
            _post(sandbox.url, "/faults", json=self._fault_request())
            report = self._live(sandbox.url, env)
        finally:
            for server in (receiver, sandbox):
                if server is not None:
                    server.stop()
        report.wall_seconds = round(time.monotonic() - started, 1)
        return report

    def _fault_request(self) -> dict:
        return {
            "profile": self.config.faults,
            "overrides": {
                "timeout_seconds": self.config.client_timeout_seconds + 2,
                **self.config.fault_overrides,
            },
        }

    def _live(self, sandbox_url: str, env: dict[str, str]) -> ChaosReport:
        import dagster as dg

        from orchestration.freshness.sla import domains

        config = self.config
        kill_ingest, kill_push = config.kill_days()
        report = ChaosReport(
            days=config.days,
            seed=config.seed,
            size=config.size,
            faults=config.faults,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        ops_db = Path(env["CROSSWALK_OPS_DB"])
        with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
            runner = CycleRunner(env, self.workdir, instance)
            keys_by_group = self._ingest_keys_by_group()
            day0 = runner.cycle("day 0")
            report.days_played.append(DayRecord(day=0, business_day="baseline", cycles=[day0]))
            cursor: str | None = None
            for day in range(1, config.days + 1):
                advanced = _post(sandbox_url, "/advance", params={"days": 1})["days"][0]
                record = DayRecord(
                    day=day,
                    business_day=advanced["day"],
                    activity={k: v for k, v in advanced["activity"].items() if v},
                )
                record.webhooks_pending_after_wait = _wait_for_webhooks(sandbox_url)
                record.event_runs, cursor = runner.event_runs(cursor)
                cycle_start = time.time()
                kill_at = (
                    "ingest" if day == kill_ingest else "write-back" if day == kill_push else None
                )
                outcome = runner.cycle(f"day {day}", kill_at=kill_at)
                record.cycles.append(outcome)
                if outcome.killed_at is not None:
                    report.kills.append(f"day {day}: SIGKILL during {outcome.killed_at}")
                    if config.rerun_after_kill:
                        record.cycles.append(runner.cycle(f"day {day} (rerun after the kill)"))
                record.approved_pay_runs = _approve_waiting_pay_runs(ops_db)
                record.auto_fixable_standing = measures.auto_fixable_standing_by_rule(sandbox_url)
                report.sla_breaches.extend(
                    self._breaches(day, instance, keys_by_group, cycle_start, record, domains())
                )
                report.days_played.append(record)
            report.settle_cycles = self._settle(runner, sandbox_url, ops_db)
            # The pushes of the last cycle changed the targets after it ingested them: one more
            # ingest and build, without pushing, so the warehouse and findings are judged current.
            report.final_picture = runner.cycle("final picture", None, "--no-push")
            report.faults_injected = _injected(sandbox_url)
        self._measure(report, sandbox_url, env)
        return report

    @staticmethod
    def _ingest_keys_by_group() -> dict[str, list]:
        from orchestration.definitions import ingest_keys

        return ingest_keys

    @staticmethod
    def _breaches(
        day: int, instance, keys_by_group, cycle_start, record: DayRecord, all_domains
    ) -> list[SlaBreach]:
        from orchestration.defs.freshness import last_refreshed

        breaches = []
        for domain in all_domains:
            refreshed = last_refreshed(instance, keys_by_group.get(domain.group, []))
            if refreshed is None or refreshed.timestamp() < cycle_start:
                breaches.append(
                    SlaBreach(day, domain.name, "not refreshed by the business day's cycle")
                )
        overdue = record.auto_fixable_standing.get(POSTING_RULE, 0)
        if overdue:
            breaches.append(
                SlaBreach(day, "delivery", f"{overdue} approved time entries unposted past 06:00")
            )
        return breaches

    def _settle(self, runner: CycleRunner, sandbox_url: str, ops_db: Path) -> list[CycleOutcome]:
        cycles: list[CycleOutcome] = []
        for attempt in range(1, self.config.settle_cycles + 1):
            standing = measures.auto_fixable_standing_by_rule(sandbox_url)
            waiting = measures.push_account(ops_db).pending
            if not standing and not waiting:
                break
            cycles.append(runner.cycle(f"settle {attempt}"))
            _approve_waiting_pay_runs(ops_db)
        return cycles

    @staticmethod
    def _measure(report: ChaosReport, sandbox_url: str, env: dict[str, str]) -> None:
        ops_db = Path(env["CROSSWALK_OPS_DB"])
        warehouse = Path(env["CROSSWALK_WAREHOUSE"])
        report.duplicates = measures.duplicates(sandbox_url)
        report.webhooks = measures.webhook_account(sandbox_url, ops_db)
        report.push = measures.push_account(ops_db)
        report.ingest_gaps = measures.ingest_gaps(sandbox_url, warehouse)
        report.drift = measures.drift_account(sandbox_url, warehouse)
