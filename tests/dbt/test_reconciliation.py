"""Reconciliation equals the sandbox's ground truth, rule by rule, and findings keep their history.

Each seed is its own small firm that has lived several business days (hires, leavers, transfers,
time, payroll and injected drift) before crosswalk ingests it and dbt builds. The open rows of
`reconciliation.drift_findings` must equal the standing entries of `GET /_sandbox/truth/drift`:
recall and precision 100% per rule id, with the confusion per rule printed on failure. Seed 42 is
the shared firm built by the whole graph (`crosswalk run`, tests/dbt/conftest.py); seed 2026 is
ingested by `crosswalk run` and built by dbt up to `drift_findings`; seed 7 is tests/push's
firm, checked after its `crosswalk run --no-push` (tests/push/test_push_history.py). Pushing to
convergence, under faults and kills, is the chaos test's (tests/chaos/test_chaos_small.py, seed 11).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import httpx
import pytest

from crosswalk_cli.chaos.truth import (
    ALL_RULES,
    confusion,
    open_findings,
    report,
    truth_key,
    truth_keys,
)
from tests.dbt.canonical_support import dbt
from tests.dbt.conftest import DAYS_LIVED, BuiltWarehouse
from tests.support.crosswalk import crosswalk_run, run_env
from tests.support.harvest import add_contractor, harvest_client
from tests.support.sandbox_process import SandboxProcess, start_sandbox

# Seed 7 is also checked, on tests/push's lived firm before it pushes (one firm, not two).
OTHER_SEEDS = (2026,)
INGEST = "group:bamboohr or group:netsuite or group:harvest or group:gusto"
APPROVED_TIME = "approved_time_not_posted"


@dataclass
class Firm:
    seed: int
    sandbox: SandboxProcess
    env: dict[str, str]

    @property
    def warehouse(self) -> Path:
        return Path(self.env["CROSSWALK_WAREHOUSE"])

    def control(self, path: str, method: str = "GET") -> httpx.Response:
        response = httpx.request(method, self.sandbox.base("control") + path, timeout=300)
        return response.raise_for_status()

    def business_now(self) -> str:
        return self.control("/clock").json()["business_now"]

    def ingest_and_reconcile(self) -> None:
        """`crosswalk run` of ingestion, then dbt up to the findings at the business clock."""
        result = crosswalk_run(self.env, "--select", INGEST)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        dbt(
            self.warehouse,
            self.business_now(),
            "build",
            "--select",
            "+drift_findings",
            "--indirect-selection",
            "cautious",
        )


def assert_findings_equal_truth(warehouse: Path, drift: dict) -> None:
    table = confusion(truth_keys(drift), open_findings(warehouse))
    assert all(c.exact for c in table.values()), "\n" + report(table)
    # Every rule stands somewhere in a lived firm, so "exact" is never vacuous.
    assert len(table) == ALL_RULES, "\n" + report(table)


def assert_auto_fixable_equals_truth(warehouse: Path, drift: dict) -> dict[tuple, bool]:
    """Each open finding is auto-fixable exactly when truth says the write-back can fix it."""
    truth = {truth_key(d): d["auto_fixable"] for d in drift["drift"] if d["standing"]}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        found = {
            tuple(row[:4]): row[4]
            for row in conn.execute(
                "select rule, entity_type, entity_id, systems, auto_fixable "
                "from reconciliation.drift_findings where status = 'open'"
            ).fetchall()
        }
    differ = {key: (found[key], truth[key]) for key in found.keys() & truth.keys()}
    differ = {key: pair for key, pair in differ.items() if pair[0] != pair[1]}
    assert not differ, f"(found, truth) auto_fixable differ: {sorted(differ.items())[:10]}"
    return found


def test_open_findings_equal_standing_truth_per_rule_seed42(
    built_warehouse: BuiltWarehouse,
) -> None:
    drift = built_warehouse.control("/truth/drift?standing=true")
    assert_findings_equal_truth(built_warehouse.warehouse, drift)
    assert_auto_fixable_equals_truth(built_warehouse.warehouse, drift)


@pytest.fixture(scope="module", params=OTHER_SEEDS, ids=[f"seed{s}" for s in OTHER_SEEDS])
def lived_firm(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Firm]:
    workdir = tmp_path_factory.mktemp(f"firm-{request.param}")
    # Rate limits off: ingestion under the vendors' limits is tested in tests/sources.
    sandbox = start_sandbox(workdir / "sandbox", seed=request.param, dirty=0.02, rate_limits=False)
    try:
        firm = Firm(request.param, sandbox, run_env(sandbox, workdir))
        add_contractor(sandbox)
        firm.control(f"/advance?days={DAYS_LIVED}", "POST")
        firm.ingest_and_reconcile()
        yield firm
    finally:
        sandbox.stop()


def test_open_findings_equal_standing_truth_per_rule(lived_firm: Firm) -> None:
    drift = lived_firm.control("/truth/drift").json()
    assert_findings_equal_truth(lived_firm.warehouse, drift)
    auto_fixable = assert_auto_fixable_equals_truth(lived_firm.warehouse, drift)
    # Not vacuous: the contractor's approved time stands, an auto-fixable rule's findings that
    # wait for a person, beside time the write-back posts.
    posting = [fixable for key, fixable in auto_fixable.items() if key[0] == APPROVED_TIME]
    assert False in posting and True in posting


def test_findings_keep_first_seen_and_resolve_when_drift_is_gone(lived_firm: Firm) -> None:
    first_now = datetime.fromisoformat(lived_firm.business_now()).replace(tzinfo=None)
    before = {row[:4]: row for row in findings(lived_firm.warehouse, "status = 'open'")}
    # Fix one disagreement through the vendor's API, as a person would: give the user of an
    # assignment with no cost rate a cost rate.
    fixed = next(key for key in before if key[0] == "assignment_missing_cost_rate")
    with duckdb.connect(str(lived_firm.warehouse), read_only=True) as conn:
        (user_id,) = conn.execute(
            "select user_id from staging.stg_harvest__user_assignments where remote_id = ?",
            [fixed[2]],
        ).fetchone()
    with harvest_client(lived_firm.sandbox) as harvest:
        harvest.patch(f"/users/{user_id}", json={"cost_rate": 61.0}).raise_for_status()
    lived_firm.control("/advance?days=1", "POST")
    second_now = datetime.fromisoformat(lived_firm.business_now()).replace(tzinfo=None)
    lived_firm.ingest_and_reconcile()

    assert_findings_equal_truth(lived_firm.warehouse, lived_firm.control("/truth/drift").json())
    after = {row[:4]: row for row in findings(lived_firm.warehouse)}
    still_open = [key for key in before if after[key][4] == "open"]
    resolved = [key for key in before if after[key][4] == "resolved"]
    assert still_open and resolved and fixed in resolved
    for key in still_open:
        assert after[key][5] == first_now, key  # first_seen_at kept
        assert after[key][6] == second_now, key  # last_seen_at moved
    for key in resolved:
        assert after[key][5] == first_now, key
        assert after[key][7] == second_now, key  # resolved_at
    new = [key for key, row in after.items() if key not in before and row[4] == "open"]
    assert new and all(after[key][5] == second_now for key in new)


def findings(warehouse: Path, where: str = "true") -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(
            "select rule, entity_type, entity_id, systems, status, first_seen_at, "
            f"last_seen_at, resolved_at from reconciliation.drift_findings where {where}"
        ).fetchall()


UNMAPPED_CODES = {
    # entity_type: (staging column of HCM workers, seed, seed column, canonical worker column)
    "department": ("department", "map_department", "hcm_department", "erp_department_id"),
    "legal_entity": (
        "legal_entity_code",
        "map_legal_entity",
        "hcm_legal_entity",
        "erp_subsidiary_id",
    ),
    "labor_category": (
        "labor_category_code",
        "map_labor_category",
        "hcm_labor_category",
        "erp_class_id",
    ),
}


def test_an_unmapped_code_is_a_finding_not_a_silent_null(built_warehouse: BuiltWarehouse) -> None:
    seen_any = False
    with duckdb.connect(str(built_warehouse.warehouse), read_only=True) as conn:
        for entity_type, (column, seed, seed_column, erp_column) in UNMAPPED_CODES.items():
            unmapped = {
                row[0]
                for row in conn.execute(
                    f"select distinct {column} from staging.stg_bamboohr__employees e "
                    f"where is_active and {column} is not null and not exists "
                    f"(select 1 from mappings.{seed} m where m.{seed_column} = e.{column})"
                ).fetchall()
            }
            found = {
                row[0]
                for row in conn.execute(
                    "select entity_id from reconciliation.drift_findings where rule = "
                    "'mapping_missing' and entity_type = ? and status = 'open'",
                    [entity_type],
                ).fetchall()
            }
            assert unmapped == found, entity_type
            # The canonical worker's ERP id is null exactly where such a finding stands.
            nulls = conn.execute(
                f"select distinct {column} from canonical.worker "
                f"where is_active and {column} is not null and {erp_column} is null"
            ).fetchall()
            assert {row[0] for row in nulls} == found, entity_type
            seen_any = seen_any or bool(unmapped)
    # The sandbox firm acquires teams whose codes nobody has mapped yet.
    assert seen_any
