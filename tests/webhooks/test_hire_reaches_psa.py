"""A hire made in the HCM reaches the PSA through the webhook path, on a firm of its own.

The firm is built and pushed once by `crosswalk run`; then `crosswalk webhooks --register`
listens, a person hires through BambooHR's API, the signed delivery lands in the inbox, the inbox
sensor (a real evaluation against the run's Dagster instance) asks for the targeted run, and
`dagster job execute` runs it: the new hire is a Harvest user and an ERP employee, each once.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import httpx
import pytest

from crosswalk_cli.local_stack import ChildServer, start_receiver
from orchestration.defs.events.sensors import worker_events_from_webhooks
from tests.support.crosswalk import crosswalk_run, run_env
from tests.support.harvest import harvest_client
from tests.support.hcm import billable_template, hire
from tests.support.sandbox_process import REPO, SandboxProcess, start_sandbox


@dataclass
class Firm:
    sandbox: SandboxProcess
    env: dict[str, str]
    receiver: ChildServer

    @property
    def ops_db(self) -> Path:
        return Path(self.env["CROSSWALK_OPS_DB"])


@pytest.fixture(scope="module")
def hiring_firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    workdir = tmp_path_factory.mktemp("hire-firm")
    sandbox = start_sandbox(workdir / "sandbox", seed=3, rate_limits=False)
    receiver = None
    try:
        env = run_env(sandbox, workdir)
        built = crosswalk_run(env)
        assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
        receiver = start_receiver(workdir, env=env)
        yield Firm(sandbox, env, receiver)
    finally:
        if receiver is not None:
            receiver.stop()
        sandbox.stop()


def _inbox_row(firm: Firm, employee_id: str, timeout: float = 15.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(firm.ops_db) as conn:
            row = conn.execute(
                "select inbox_id from webhook_inbox where system = 'bamboohr' "
                "and subject_ids like ?",
                (f'%"{employee_id}"%',),
            ).fetchone()
        if row:
            return row[0]
        time.sleep(0.2)
    raise AssertionError(f"the hire of {employee_id} never reached the inbox")


def test_a_hire_reaches_the_psa_and_the_erp_once_through_the_webhook_path(
    hiring_firm: Firm, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A business day first (transfers, new teams, leavers): the targeted run must rebuild a
    # consistent picture of the HCM, not just the workers on the path to the deltas.
    control = hiring_firm.sandbox.base("control")
    httpx.post(control + "/advance", params={"days": 1}, timeout=300).raise_for_status()
    employee_id, email = hire(hiring_firm.sandbox, billable_template(hiring_firm.sandbox))
    inbox_id = _inbox_row(hiring_firm, employee_id)

    # The sensor reads this firm's inbox.
    monkeypatch.setenv("CROSSWALK_OPS_DB", str(hiring_firm.ops_db))
    with dg.DagsterInstance.from_config(hiring_firm.env["DAGSTER_HOME"]) as instance:
        result = worker_events_from_webhooks(dg.build_sensor_context(instance=instance))
    assert isinstance(result, dg.SensorResult)
    (request,) = [r for r in result.run_requests or [] if r.job_name == "bamboohr_worker_events"]
    assert int(result.cursor or 0) >= inbox_id
    assert employee_id in request.tags["crosswalk/subjects"]

    executed = subprocess.run(
        [sys.executable, "-m", "dagster", "job", "execute", "-m", "orchestration.definitions"]
        + ["-j", request.job_name, "--tags", json.dumps(request.tags)],
        cwd=REPO,
        env=hiring_firm.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert executed.returncode == 0, executed.stdout[-4000:] + executed.stderr[-4000:]

    with harvest_client(hiring_firm.sandbox) as harvest:
        users = harvest.get("/users", params={"per_page": 2000}).json()["users"]
    assert [u["email"] for u in users].count(email) == 1
    with sqlite3.connect(hiring_firm.ops_db) as conn:
        delivered = conn.execute(
            "select target_system, count(*) from sync_ledger where flow = 'provision_worker' "
            "and entity_id = ? and status = 'succeeded' group by target_system",
            (employee_id,),
        ).fetchall()
    assert dict(delivered) == {"harvest": 1, "netsuite": 1, "gusto": 1}
    duplicates = httpx.get(hiring_firm.sandbox.base("control") + "/truth/duplicates", timeout=30)
    assert duplicates.json()["count"] == 0
