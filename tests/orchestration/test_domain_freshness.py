"""Freshness alerts against a real Dagster instance: domain windows and entity deadlines.

A domain whose system stops answering turns WARN, then FAIL, on time; it clears on recovery.
Real parts: the sandbox (its BambooHR made to fail every request), `crosswalk run` of the HCM
ingestion into a Dagster instance on disk, the freshness sensor evaluated against that instance,
the ops store's `alerts`, and a loopback receiver standing in for the alert webhook. The worker
master SLA is shortened to 30 s (WARN after 15 s) through its env override; the sensor is
evaluated while the failing ingestion runs, as the daemon would.

A legal entity's payroll cut-off that passes with no refresh in its window fails that entity
alone: two entities share one cron text in their own timezones (London's tick comes hours before
New York's), with a 20 s refresh window, after a real payroll ingestion. The sensor judges at a
clock the test moves into the warning period and past the cut-off (a cron names whole minutes:
waiting for one on the wall clock cost up to 80 s).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import httpx
import pytest

from orchestration.definitions import defs, ingest_keys
from orchestration.defs.freshness import domain_freshness_sensor, last_refreshed
from orchestration.freshness.sla import MONTH_END_CLOSE, domains
from tests.support.crosswalk import crosswalk_run, run_env
from tests.support.receiver import Receiver
from tests.support.sandbox_process import REPO, SandboxProcess, start_sandbox

SLA_MINUTES = 0.5  # FAIL 30 s after the last refresh, WARN after 15 s
POLL_SECONDS = 0.5


@pytest.fixture()
def hcm(tmp_path: Path) -> Iterator[SandboxProcess]:
    sandbox = start_sandbox(tmp_path / "sandbox", rate_limits=False)
    yield sandbox
    sandbox.stop()


@pytest.fixture()
def alert_hook() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def _faults(sandbox: SandboxProcess, **body: object) -> None:
    httpx.post(sandbox.base("control") + "/faults", json=body, timeout=30).raise_for_status()


def test_a_silent_hcm_turns_warn_then_fail_and_clears_when_it_answers_again(
    hcm: SandboxProcess, alert_hook: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = run_env(hcm, tmp_path) | {
        "RUNTIME__REQUEST_MAX_ATTEMPTS": "1",
        "CROSSWALK_SLA_WORKER_MASTER_MINUTES": str(SLA_MINUTES),
    }
    for name in ("CROSSWALK_OPS_DB", "CROSSWALK_SLA_WORKER_MASTER_MINUTES"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.setenv("CROSSWALK_ALERT_WEBHOOK_URL", alert_hook.url)
    sensor = next(s for s in defs.sensors if s.name == "domain_freshness_alerts")
    domain = next(d for d in domains() if d.name == "worker_master")
    assert domain.window == timedelta(minutes=SLA_MINUTES)

    assert crosswalk_run(env, "--select", "group:bamboohr", "--no-push").returncode == 0
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        keys = [k for k in instance.get_asset_keys() if k.path[0] == "bamboohr"]

        def evaluate(cursor: str | None) -> str | None:
            result = sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
            assert isinstance(result, dg.SensorResult)
            return result.cursor

        cursor = evaluate(None)
        assert '"worker_master": "PASS"' in str(cursor)
        assert alert_hook.nothing_within(0.5)

        # The HCM stops answering: the next ingestion fails and refreshes nothing.
        refreshed = last_refreshed(instance, keys)
        assert refreshed is not None
        _faults(hcm, profile="none", overrides={"fail_all": ["bamboohr"]})
        failing = subprocess.Popen(
            [sys.executable, "-m", "crosswalk_cli.main", "run"]
            + ["--select", "group:bamboohr", "--no-push"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        states = []
        deadline = time.monotonic() + 120
        while len(states) < 2 and time.monotonic() < deadline:
            cursor = evaluate(cursor)
            delivered = [d.payload() for d in alert_hook.deliveries]
            states = [(p["state"], p["previous_state"]) for p in delivered]
            time.sleep(POLL_SECONDS)
        assert failing.wait(timeout=300) != 0
        assert last_refreshed(instance, keys) == refreshed
        assert states == [("WARN", "PASS"), ("FAIL", "WARN")]
        warn_at, fail_at = (
            datetime.fromisoformat(d.payload()["raised_at"]) for d in alert_hook.deliveries
        )
        # Not before they were due (the raised_at stamp has whole seconds).
        assert warn_at >= (refreshed + domain.warn_after).replace(microsecond=0)
        assert fail_at >= (refreshed + domain.window).replace(microsecond=0)

        # It answers again: the next ingestion refreshes the domain and the alert clears.
        _faults(hcm, profile="none")
        assert crosswalk_run(env, "--select", "group:bamboohr", "--no-push").returncode == 0
        cursor = evaluate(cursor)
        cleared = alert_hook.deliveries[-1].payload()
        assert (cleared["domain"], cleared["state"], cleared["previous_state"]) == (
            "worker_master",
            "PASS",
            "FAIL",
        )
        assert datetime.now(UTC) - last_refreshed(instance, keys) < timedelta(minutes=1)

    with sqlite3.connect(env["CROSSWALK_OPS_DB"]) as conn:
        rows = conn.execute(
            "select domain, state, previous_state, posted_status from alerts order by alert_id"
        ).fetchall()
    assert rows == [
        ("worker_master", "WARN", "PASS", "200"),
        ("worker_master", "FAIL", "WARN", "200"),
        ("worker_master", "PASS", "FAIL", "200"),
    ]


# Both entities: the same cron text, evaluated in their own timezones; no holidays, no moves.
TWO_ENTITIES = """
[entities.ACME-UK]
timezone = "Europe/London"
[entities.ACME-UK.payroll_cutoff]
pay_frequency = "weekly"
cron = "{cron}"
on_non_business_day = "keep"
refreshed_within_hours = {within}
warn_before_hours = {warn}
[entities.ACME-UK.month_end_close]
business_day = 3
at = 17:00:00

[entities.ACME-US]
timezone = "America/New_York"
[entities.ACME-US.payroll_cutoff]
pay_frequency = "weekly"
cron = "{cron}"
on_non_business_day = "keep"
refreshed_within_hours = {within}
warn_before_hours = {warn}
[entities.ACME-US.month_end_close]
business_day = 3
at = 18:00:00
"""
CUTOFF_WINDOW = timedelta(seconds=20)  # the payroll domain must be refreshed within 20 s before
CUTOFF_WARN = timedelta(seconds=15)


def _weekly_cron_at(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local.minute} {local.hour} * * {(local.weekday() + 1) % 7}"  # cron: 0 is Sunday


class MovableClock:
    """The wall clock plus an offset a test moves forward: a cut-off is reached, not waited for."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move_to(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)


def test_a_cutoff_passing_without_a_refresh_fails_that_entity_and_not_the_other(
    sandbox: SandboxProcess, alert_hook: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = run_env(sandbox, tmp_path)  # the shared sandbox: the payroll ingestion only reads
    calendars = tmp_path / "calendars.toml"
    monkeypatch.setenv("CROSSWALK_OPS_DB", env["CROSSWALK_OPS_DB"])
    monkeypatch.setenv("CROSSWALK_ALERT_WEBHOOK_URL", alert_hook.url)
    monkeypatch.setenv("CROSSWALK_BUSINESS_CALENDARS", str(calendars))
    monkeypatch.delenv("CROSSWALK_PAYROLL_CUTOFF_CRON", raising=False)
    clock = MovableClock()
    # The deployed sensor's code, judging at the test's clock instead of the wall's.
    sensor = domain_freshness_sensor(ingest_keys, clock=clock)

    assert crosswalk_run(env, "--select", "group:gusto", "--no-push").returncode == 0
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        keys = [k for k in instance.get_asset_keys() if k.path[0] == "gusto"]
        refreshed = last_refreshed(instance, keys)
        assert refreshed is not None
        # London's cut-off: the first whole minute far enough ahead that its 20 s window opens
        # after both the refresh and now. New York's tick of the same text is hours later.
        earliest = max(refreshed, datetime.now(UTC)) + CUTOFF_WINDOW + timedelta(seconds=2)
        due = (earliest + timedelta(minutes=1)).replace(second=0, microsecond=0)
        calendars.write_text(
            TWO_ENTITIES.format(
                cron=_weekly_cron_at(due, "Europe/London"),
                within=CUTOFF_WINDOW.total_seconds() / 3600,
                warn=CUTOFF_WARN.total_seconds() / 3600,
            )
        )

        def evaluate(states: dict[str, str] | None) -> dict[str, str]:
            cursor = json.dumps(states) if states is not None else None
            result = sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
            assert isinstance(result, dg.SensorResult) and result.cursor is not None
            return json.loads(result.cursor)

        states = evaluate(None)
        assert states["payroll_cutoff:ACME-UK"] == "PASS"
        assert states["payroll_cutoff:ACME-US"] == "PASS"
        # The close needs the PSA, the ERP and the pushes, none of which ran: no verdict.
        assert states["month_end_close:ACME-UK"] == "UNKNOWN"

        # Inside the warning period, then a second past the cut-off, with no refresh between.
        clock.move_to(due - CUTOFF_WARN + timedelta(seconds=2))
        states = evaluate(states)
        assert states["payroll_cutoff:ACME-UK"] == "WARN"
        clock.move_to(due + timedelta(seconds=1))
        states = evaluate(states)
        assert states["payroll_cutoff:ACME-UK"] == "FAIL"
        assert states["payroll_cutoff:ACME-US"] == "PASS"
        assert last_refreshed(instance, keys) == refreshed

    delivered = [d.payload() for d in alert_hook.deliveries]
    assert [(p["legal_entity"], p["deadline"], p["state"]) for p in delivered] == [
        ("ACME-UK", "payroll_cutoff", "WARN"),
        ("ACME-UK", "payroll_cutoff", "FAIL"),
    ]
    warn_at, fail_at = (datetime.fromisoformat(p["raised_at"]) for p in delivered)
    assert due - CUTOFF_WARN <= warn_at < due <= fail_at  # stamped when judged
    due_london = f"{due.astimezone(ZoneInfo('Europe/London')):%Y-%m-%d %H:%M}"
    assert "ACME-UK: payroll cut-off" in delivered[1]["detail"]
    assert due_london in delivered[1]["detail"] and "missed" in delivered[1]["detail"]

    with sqlite3.connect(env["CROSSWALK_OPS_DB"]) as conn:
        rows = conn.execute(
            "select domain, legal_entity, deadline, state, previous_state, posted_status "
            "from alerts order by alert_id"
        ).fetchall()
    assert rows == [
        ("payroll", "ACME-UK", "payroll_cutoff", "WARN", "PASS", "200"),
        ("payroll", "ACME-UK", "payroll_cutoff", "FAIL", "WARN", "200"),
    ]


def test_the_close_judges_assets_that_exist_in_the_graph() -> None:
    # A renamed push asset would leave every close UNKNOWN without a word.
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert set(MONTH_END_CLOSE.assets) <= {key.to_user_string() for key in keys}
    assert set(MONTH_END_CLOSE.groups) <= {graph.get(key).group_name for key in keys}
