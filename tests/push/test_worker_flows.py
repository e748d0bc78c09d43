"""The worker flows end to end against a real sandbox: deltas applied through the handlers make
the firm converge, a lost reply is recovered by `find_existing`, and a bad payload never passes.

Convergence runs on a small firm of this module's own (seed 7, lived two days, ingested and built
by `crosswalk run`): the shared dbt fixture is session-scoped in tests/dbt/conftest.py, out of
reach of tests/push, and must not be written to anyway.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from pydantic import ValidationError

from canonical_models.sync import PAYLOAD_MODELS
from canonical_models.sync.workers import ErpEmployeeUpsert, PsaUserCreate
from orchestration.push.flows import HANDLERS
from orchestration.push.types import Delta, PermanentFailure, TargetClient
from tests.dbt.canonical_support import dbt
from tests.support.crosswalk import crosswalk_run, run_env
from tests.support.sandbox_process import SandboxProcess, start_sandbox
from tests.support.sources import BASES

WORKER_FLOWS = ("provision_worker", "update_worker", "offboard_worker")
WORKER_RULES = {
    "worker_not_provisioned",
    "worker_status_mismatch",
    "worker_attribute_mismatch",
    "booking_after_termination",
}
SEED = 7  # the shared dbt fixture is seed 42: another firm, another mix of drift
DIRTY_RATE = 0.05
DAYS_LIVED = 2
MAX_ROUNDS = 2  # "crosswalk run, then crosswalk run again" (a supervisor may arrive in round 1)


# A TargetClient for the sandbox's fixture credentials (docs/sandbox.md). -------------------------


class SandboxClient:
    """A minimal TargetClient on the sandbox (no pacing or retry: the engine's, not under test)."""

    def __init__(self, instance: str, base_url: str, headers: dict[str, str]) -> None:
        self.instance = instance
        self._http = httpx.Client(base_url=base_url, headers=headers, timeout=60)
        self.forecast: SandboxClient | None = None
        self.requests: list[tuple[str, str]] = []

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
    ) -> httpx.Response:
        self.requests.append((method, path))
        response = self._http.request(method, path, json=json, params=params, headers=headers)
        assert response.status_code < 500, f"{method} {path}: {response.status_code}"
        return response

    def close(self) -> None:
        self._http.close()
        if self.forecast is not None:
            self.forecast.close()


def sandbox_clients(sandbox: SandboxProcess) -> dict[str, SandboxClient]:
    """One client per target tenant, keyed by its source_relation (e.g. harvest_acme)."""
    url = sandbox.url
    agent = {"User-Agent": "crosswalk-tests (tests@crosswalk.example)"}
    harvest = SandboxClient(
        "harvest_acme",
        url + BASES["harvest"]["acme"],
        {**agent, "Authorization": "Bearer sandbox-token", "Harvest-Account-Id": "100001"},
    )
    harvest.forecast = SandboxClient(
        "harvest_acme",
        url + "/forecast",
        {**agent, "Authorization": "Bearer sandbox-token", "Forecast-Account-ID": "100001"},
    )
    clients = {
        "harvest_acme": harvest,
        "netsuite_sandbox": SandboxClient(
            "netsuite_sandbox",
            url + BASES["netsuite"]["sandbox"],
            {"Authorization": "Bearer sandbox-token"},
        ),
    }
    for name, suffix in (("us", ""), ("uk", "-uk"), ("de", "-de")):
        base = url + BASES["gusto"][name]
        version = {"X-Gusto-API-Version": "2025-06-15"}
        token = (
            httpx.post(
                base + "/oauth/token",
                json={
                    "client_id": "sandbox-client",
                    "client_secret": "sandbox-secret",
                    "grant_type": "refresh_token",
                    "refresh_token": f"sandbox-refresh{suffix}",
                },
                headers=version,
                timeout=30,
            )
            .raise_for_status()
            .json()["access_token"]
        )
        clients[f"gusto_{name}"] = SandboxClient(
            f"gusto_{name}", base, {**version, "Authorization": f"Bearer {token}"}
        )
    return clients


# The copied firm. -------------------------------------------------------------------------------


@dataclass
class Firm:
    sandbox: SandboxProcess
    env: dict[str, str]
    workdir: Path

    @property
    def warehouse(self) -> Path:
        return Path(self.env["CROSSWALK_WAREHOUSE"])

    def control(self, path: str) -> Any:
        return httpx.get(self.sandbox.base("control") + path, timeout=300).raise_for_status().json()

    def build_worker_deltas(self) -> None:
        now = self.control("/clock")["business_now"]
        dbt(self.warehouse, now, "build", "--select", *WORKER_FLOWS, workdir=self.workdir)

    def deltas(self) -> list[Delta]:
        union = " union all ".join(f"select * from sync.{flow}" for flow in WORKER_FLOWS)
        with duckdb.connect(str(self.warehouse), read_only=True) as conn:
            relation = conn.sql(union + " order by flow, target_instance, entity_id")
            columns = relation.columns
            rows = [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]
        return [delta_of(row) for row in rows]

    def open_worker_findings(self) -> list[tuple]:
        rules = ", ".join(f"'{r}'" for r in sorted(WORKER_RULES))
        with duckdb.connect(str(self.warehouse), read_only=True) as conn:
            return conn.sql(
                "select rule, entity_id, systems from reconciliation.drift_findings "
                f"where status = 'open' and auto_fixable and rule in ({rules})"
            ).fetchall()

    def standing_worker_truth(self) -> list[tuple]:
        drift = self.control("/truth/drift?standing=true")["drift"]
        return [
            (d["rule"], d["entity_id"], d["systems"])
            for d in drift
            if d["rule"] in WORKER_RULES and d["auto_fixable"]
        ]


def delta_of(row: dict[str, Any]) -> Delta:
    observed_at = row["observed_at"]
    assert isinstance(observed_at, datetime)
    return Delta(
        delta_id=row["delta_id"],
        flow=row["flow"],
        target_system=row["target_system"],
        target_instance=row["target_instance"],
        operation=row["operation"],
        entity_type=row["entity_type"],
        entity_id=row["entity_id"],
        target_remote_id=row["target_remote_id"],
        natural_key=row["natural_key"],
        payload=json.loads(row["payload"]),
        observed_at=observed_at,
    )


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    """A small firm of its own (another seed than the shared dbt fixture), lived and ingested."""
    workdir = tmp_path_factory.mktemp("push-workers")
    sandbox = start_sandbox(workdir / "sandbox", seed=SEED, dirty=DIRTY_RATE, rate_limits=False)
    try:
        env = run_env(sandbox, workdir)
        advance = f"{sandbox.base('control')}/advance?days={DAYS_LIVED}"
        httpx.post(advance, timeout=300).raise_for_status()
        result = crosswalk_run(env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        yield Firm(sandbox, env, workdir)
    finally:
        sandbox.stop()


@pytest.fixture(scope="module")
def clients(firm: Firm) -> Iterator[dict[str, SandboxClient]]:
    made = sandbox_clients(firm.sandbox)
    yield made
    for client in made.values():
        client.close()


def apply_all(deltas: list[Delta], clients: dict[str, SandboxClient]) -> dict[str, str | None]:
    """Validate and apply each delta through its handler; the target id per delta id."""
    results: dict[str, str | None] = {}
    for delta in deltas:
        model = PAYLOAD_MODELS[(delta.flow, delta.target_system)]
        payload = model.model_validate(dict(delta.payload))
        handler = HANDLERS[(delta.flow, delta.target_system)]
        results[delta.delta_id] = handler.apply(clients[delta.target_instance], delta, payload)
    return results


# The tests. -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def converged(firm: Firm, clients: dict[str, SandboxClient]) -> dict[str, Any]:
    """Apply every worker delta, re-ingest and rebuild (`crosswalk run`), up to MAX_ROUNDS."""
    firm.build_worker_deltas()
    first = firm.deltas()
    assert first, "the copied firm should have worker drift to fix"
    applied: dict[str, str | None] = {}
    rounds, deltas = 0, first
    while deltas and rounds < MAX_ROUNDS:
        rounds += 1
        applied.update(apply_all(deltas, clients))
        result = crosswalk_run(firm.env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        firm.build_worker_deltas()
        deltas = firm.deltas()
    per_flow: dict[str, int] = {}
    for d in first:
        key = f"{d.flow}/{d.target_system}"
        per_flow[key] = per_flow.get(key, 0) + 1
    print(f"worker deltas applied in round 1: {per_flow}; rounds: {rounds}")
    return {"first": first, "applied": applied, "rounds": rounds, "left": deltas}


def test_applying_worker_deltas_converges(firm: Firm, converged: dict[str, Any]) -> None:
    assert not converged["left"], [
        (d.flow, d.target_instance, d.entity_id, dict(d.payload)) for d in converged["left"]
    ]
    assert firm.standing_worker_truth() == []
    assert firm.open_worker_findings() == []
    assert firm.control("/truth/duplicates")["count"] == 0


def test_find_existing_adopts_what_a_lost_reply_created(
    converged: dict[str, Any], clients: dict[str, SandboxClient]
) -> None:
    creates = [d for d in converged["first"] if d.operation == "create"]
    assert {d.target_system for d in creates} >= {"harvest", "netsuite"}
    for delta in creates:
        payload = PAYLOAD_MODELS[(delta.flow, delta.target_system)].model_validate(
            dict(delta.payload)
        )
        handler = HANDLERS[(delta.flow, delta.target_system)]
        client = clients[delta.target_instance]
        found = handler.find_existing(client, delta, payload)
        assert found is not None and found == converged["applied"][delta.delta_id], delta
        # A resend (the engine's unknown outcome without a lookup) still makes no duplicate.
        assert handler.apply(client, delta, payload) == found


def test_resent_updates_are_harmless(
    firm: Firm, converged: dict[str, Any], clients: dict[str, SandboxClient]
) -> None:
    for delta in converged["first"]:
        if delta.operation == "create":
            continue
        payload = PAYLOAD_MODELS[(delta.flow, delta.target_system)].model_validate(
            dict(delta.payload)
        )
        HANDLERS[(delta.flow, delta.target_system)].apply(
            clients[delta.target_instance], delta, payload
        )
    assert firm.control("/truth/duplicates")["count"] == 0
    assert firm.standing_worker_truth() == []


def test_an_invalid_payload_fails_validation_with_a_reason() -> None:
    with pytest.raises(ValidationError) as bad_user:
        PsaUserCreate.model_validate({"first_name": " ", "last_name": "Lee", "email": "not-mail"})
    reasons = str(bad_user.value)
    assert "first_name" in reasons and "email" in reasons
    with pytest.raises(ValidationError, match="subsidiary_id"):
        ErpEmployeeUpsert.model_validate(
            {"hcm_employee_id": "7", "first_name": "A", "last_name": "B", "email": None}
        )
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        PAYLOAD_MODELS[("offboard_worker", "netsuite")].model_validate(
            {"termination_date": "2026-03-01", "isInactive": True}
        )


def test_an_update_without_a_target_record_is_refused() -> None:
    delta = Delta(
        delta_id="x",
        flow="update_worker",
        target_system="netsuite",
        target_instance="netsuite_sandbox",
        operation="update",
        entity_type="worker",
        entity_id="7",
        target_remote_id=None,
        natural_key="7",
        payload={},
        observed_at=datetime(2026, 3, 1),
    )
    payload = PAYLOAD_MODELS[("update_worker", "netsuite")].model_validate(
        {
            "first_name": "A",
            "last_name": "B",
            "email": None,
            "subsidiary_id": 1,
            "department_id": None,
            "class_id": None,
            "supervisor_hcm_employee_id": None,
            "is_active": True,
        }
    )
    unused: TargetClient = SandboxClient("netsuite_sandbox", "http://127.0.0.1:9", {})
    with pytest.raises(PermanentFailure, match="target record"):
        HANDLERS[("update_worker", "netsuite")].apply(unused, delta, payload)
