"""The delivery flows end to end against a real sandbox: applying every activate_project and
post_approved_time delta through the handlers makes those rules stand nowhere after the next
ingest + build, a lost reply is recovered (`find_existing`, resend adopts), nothing duplicates.

A firm of this module's own (seed 3, lived two days): the shared dbt fixture must not be written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from canonical_models.sync import PAYLOAD_MODELS
from orchestration.push.flows import HANDLERS
from orchestration.push.types import Delta
from tests.dbt.canonical_support import dbt
from tests.support.crosswalk import crosswalk_run, run_env
from tests.support.sandbox_process import SandboxProcess, start_sandbox
from tests.support.sources import BASES

FLOWS = ("activate_project", "post_approved_time")
RULES = {"project_not_in_psa", "project_status_mismatch", "approved_time_not_posted"}
SEED = 3
DAYS_LIVED = 2


class SandboxClient:
    """A TargetClient on the sandbox's fixture credentials (no pacing/retry: not under test)."""

    def __init__(self, instance: str, base_url: str, headers: dict[str, str]) -> None:
        self.instance = instance
        self._http = httpx.Client(base_url=base_url, headers=headers, timeout=60)

    def request(
        self, method: str, path: str, *, json: Any = None, params: Any = None, headers: Any = None
    ) -> httpx.Response:
        response = self._http.request(method, path, json=json, params=params, headers=headers)
        assert response.status_code < 500, f"{method} {path}: {response.status_code}"
        return response


@dataclass
class Firm:
    sandbox: SandboxProcess
    env: dict[str, str]
    workdir: Path

    def control(self, path: str) -> Any:
        return httpx.get(self.sandbox.base("control") + path, timeout=300).raise_for_status().json()

    def clients(self) -> dict[str, SandboxClient]:
        url = self.sandbox.url
        agent = {"User-Agent": "crosswalk-tests (tests@crosswalk.example)"}
        return {
            "harvest_acme": SandboxClient(
                "harvest_acme",
                url + BASES["harvest"]["acme"],
                {**agent, "Authorization": "Bearer sandbox-token", "Harvest-Account-Id": "100001"},
            ),
            "netsuite_sandbox": SandboxClient(
                "netsuite_sandbox",
                url + BASES["netsuite"]["sandbox"],
                {"Authorization": "Bearer sandbox-token"},
            ),
        }

    def deltas(self) -> list[Delta]:
        warehouse = Path(self.env["CROSSWALK_WAREHOUSE"])
        now = self.control("/clock")["business_now"]
        dbt(warehouse, now, "run", "--select", *FLOWS, workdir=self.workdir)
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            relation = conn.sql(
                " union all ".join(f"select * from sync.{f}" for f in FLOWS) + " order by 1"
            )
            rows = [dict(zip(relation.columns, r, strict=True)) for r in relation.fetchall()]
        return [Delta(**{**r, "payload": json.loads(r["payload"])}) for r in rows]

    def open_findings(self, rules: set[str]) -> list[tuple]:
        names = ", ".join(f"'{r}'" for r in sorted(rules))
        with duckdb.connect(self.env["CROSSWALK_WAREHOUSE"], read_only=True) as conn:
            return conn.sql(
                "select rule, entity_id from reconciliation.drift_findings "
                f"where status = 'open' and rule in ({names})"
            ).fetchall()

    def standing(self, rules: set[str]) -> set[tuple[str, str]]:
        drift = self.control("/truth/drift?standing=true")["drift"]
        return {(d["rule"], d["entity_id"]) for d in drift if d["rule"] in rules}


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    workdir = tmp_path_factory.mktemp("push-delivery")
    sandbox = start_sandbox(workdir / "sandbox", seed=SEED, dirty=0.05, rate_limits=False)
    try:
        env = run_env(sandbox, workdir)
        httpx.post(
            f"{sandbox.base('control')}/advance?days={DAYS_LIVED}", timeout=300
        ).raise_for_status()
        result = crosswalk_run(env)
        assert "checks:" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
        yield Firm(sandbox, env, workdir)
    finally:
        sandbox.stop()


def _apply(client: SandboxClient, delta: Delta) -> str | None:
    payload = PAYLOAD_MODELS[(delta.flow, delta.target_system)].model_validate(delta.payload)
    return HANDLERS[(delta.flow, delta.target_system)].apply(client, delta, payload)


def _find(client: SandboxClient, delta: Delta) -> str | None:
    payload = PAYLOAD_MODELS[(delta.flow, delta.target_system)].model_validate(delta.payload)
    return HANDLERS[(delta.flow, delta.target_system)].find_existing(client, delta, payload)


def test_applied_deltas_converge_and_a_lost_reply_is_adopted(firm: Firm) -> None:
    clients = firm.clients()
    deltas = firm.deltas()
    before_variance = firm.standing({"posting_amount_variance"})
    assert firm.standing(RULES), "the lived firm has project and posting drift"
    journal = next(d for d in deltas if d.flow == "post_approved_time")
    project = next(d for d in deltas if d.flow == "activate_project" and d.operation == "create")

    # Lost reply: nothing is found before the first attempt; after it, the record is found by
    # its natural key and a resend adopts it rather than writing a second one.
    for delta in (journal, project):
        client = clients[delta.target_instance]
        assert _find(client, delta) is None
        first = _apply(client, delta)
        assert first is not None
        assert _find(client, delta) == first
        assert _apply(client, delta) == first
    for delta in deltas:
        if delta not in (journal, project):
            assert _apply(clients[delta.target_instance], delta)
    assert firm.control("/truth/duplicates")["count"] == 0

    assert firm.standing(RULES) == set()
    result = crosswalk_run(firm.env)
    assert "checks:" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
    assert firm.open_findings(RULES) == []
    # Posting exactly hours × cost rate introduces no variance (the firm injects its own).
    assert firm.standing({"posting_amount_variance"}) <= before_variance
    assert firm.deltas() == []
