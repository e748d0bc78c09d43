"""One lived firm for the write-back tests: every flow's deltas applied once, then re-ingested.

The firm (seed 7, lived two days, 5% dirty records) is ingested and built by `crosswalk run`;
`pushed` then builds every sync model, applies each delta through its flow handler (recording
what `find_existing` saw before each create, for the lost-reply tests), and runs `crosswalk run`
again, as a user's second run would. One firm and one extra run serve every module here: each is
a minute and a half of the CI budget. The shared dbt fixture (seed 42, tests/dbt/conftest.py) is
never written to.

The TargetClient here is the sandbox's documented fixture credentials with no pacing or retry:
what is under test is what each flow sends, not the engine's delivery.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
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

SEED = 7  # the shared dbt fixture is seed 42: another firm, another mix of drift
DIRTY_RATE = 0.05
DAYS_LIVED = 2
# Dependencies first: a worker exists before a project grants them access.
FLOWS = (
    "provision_worker",
    "update_worker",
    "offboard_worker",
    "activate_project",
    "confirm_assignment",
    "post_approved_time",
    "post_payroll_journal",
)


class SandboxClient:
    """A TargetClient on the sandbox's fixture credentials (docs/sandbox.md)."""

    def __init__(self, instance: str, base_url: str, headers: dict[str, str]) -> None:
        self.instance = instance
        self._http = httpx.Client(base_url=base_url, headers=headers, timeout=60)
        self.forecast: SandboxClient | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
    ) -> httpx.Response:
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


def delta_of(row: dict[str, Any]) -> Delta:
    observed_at = row["observed_at"]
    assert isinstance(observed_at, datetime)
    return Delta(**{**row, "payload": json.loads(row["payload"])})


def validated(delta: Delta) -> Any:
    return PAYLOAD_MODELS[(delta.flow, delta.target_system)].model_validate(dict(delta.payload))


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

    def deltas(self, flows: tuple[str, ...] = FLOWS) -> list[Delta]:
        """The flows' deltas, rebuilt from the warehouse as it stands."""
        now = self.control("/clock")["business_now"]
        dbt(self.warehouse, now, "build", "--select", *flows, workdir=self.workdir)
        union = " union all ".join(f"select * from sync.{flow}" for flow in flows)
        with duckdb.connect(str(self.warehouse), read_only=True) as conn:
            relation = conn.sql(union + " order by flow, target_instance, entity_id")
            rows = [dict(zip(relation.columns, r, strict=True)) for r in relation.fetchall()]
        return [delta_of(row) for row in rows]

    def open_findings(self, rules: set[str]) -> list[tuple]:
        names = ", ".join(f"'{r}'" for r in sorted(rules))
        with duckdb.connect(str(self.warehouse), read_only=True) as conn:
            return conn.sql(
                "select rule, entity_id, systems from reconciliation.drift_findings "
                f"where status = 'open' and rule in ({names})"
            ).fetchall()

    def standing(self, rules: set[str]) -> set[tuple[str, str]]:
        drift = self.control("/truth/drift?standing=true")["drift"]
        return {(d["rule"], d["entity_id"]) for d in drift if d["rule"] in rules}


@dataclass
class Pushed:
    """What `pushed` did: the deltas of the first build, their target ids, and lookups before."""

    firm: Firm
    clients: dict[str, SandboxClient]
    first: list[Delta]
    applied: dict[str, str | None]
    found_before: dict[str, str | None]
    standing_before: dict[str, set[tuple[str, str]]] = field(default_factory=dict)


@pytest.fixture(scope="session")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    workdir = tmp_path_factory.mktemp("push-firm")
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


@pytest.fixture(scope="session")
def pushed(firm: Firm) -> Iterator[Pushed]:
    """Every delta applied once through its handler, then `crosswalk run` again."""
    clients = sandbox_clients(firm.sandbox)
    first = firm.deltas()
    assert first, "the lived firm should have drift to fix"
    standing_before = {"posting_amount_variance": firm.standing({"posting_amount_variance"})}
    found_before: dict[str, str | None] = {}
    applied: dict[str, str | None] = {}
    for delta in first:
        handler = HANDLERS[(delta.flow, delta.target_system)]
        client = clients[delta.target_instance]
        payload = validated(delta)
        if delta.operation in ("create", "post"):
            found_before[delta.delta_id] = handler.find_existing(client, delta, payload)
        applied[delta.delta_id] = handler.apply(client, delta, payload)
    result = crosswalk_run(firm.env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    yield Pushed(firm, clients, first, applied, found_before, standing_before)
    for client in clients.values():
        client.close()
