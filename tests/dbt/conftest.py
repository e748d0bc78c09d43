"""The dbt layer's fixture: a small firm, lived and dirty, ingested and built by `crosswalk run`.

`built_warehouse` is session-scoped and read-only: tests that write (another build, a corrupted
raw row) copy its warehouse into their own directory first (`BuiltWarehouse.copy_to`), and no test
moves its sandbox's clock or changes its records (the truth endpoints must keep describing the
warehouse). The firm has lived a few business days (hires, leavers, transfers, time, payroll,
injected drift) and carries dirty records, so one build serves the lineage, quarantine,
reconciliation, history and mart tests alike.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.crosswalk import crosswalk_run, run_env, run_id_of
from tests.support.sandbox_process import SandboxProcess, start_sandbox

__all__ = ["BuiltWarehouse", "crosswalk_run", "run_env", "run_id_of"]


@dataclass
class BuiltWarehouse:
    sandbox: SandboxProcess
    workdir: Path
    env: dict[str, str]
    result: subprocess.CompletedProcess[str]

    @property
    def warehouse(self) -> Path:
        return Path(self.env["CROSSWALK_WAREHOUSE"])

    @property
    def bi_warehouse(self) -> Path:
        return self.warehouse.with_name("bi.duckdb")

    @property
    def dagster_home(self) -> Path:
        return Path(self.env["DAGSTER_HOME"])

    def control(self, path: str) -> Any:
        """A GET of the sandbox's control API (clock, truth), as JSON."""
        response = httpx.get(self.sandbox.base("control") + path, timeout=300)
        return response.raise_for_status().json()

    @property
    def business_now(self) -> str:
        return self.control("/clock")["business_now"]

    @property
    def run_id(self) -> str:
        return run_id_of(self.result.stdout)

    def copy_to(self, workdir: Path) -> dict[str, str]:
        """Copy the built warehouse (and its BI copy) to `workdir`; the env to run there."""
        workdir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.warehouse, workdir / "warehouse.duckdb")
        if self.bi_warehouse.exists():
            shutil.copyfile(self.bi_warehouse, workdir / "bi.duckdb")
        return run_env(self.sandbox, workdir)


SEED = 42
DIRTY_RATE = 0.05
DAYS_LIVED = 3


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    """The graph materialized once: small firm ingested, every dbt model built, published.

    Without the write-back (`--no-push`): the reconciliation tests compare this build's findings
    with the sandbox's truth, which a push after the build would change. Pushing is
    tests/push's.
    """
    workdir = tmp_path_factory.mktemp("dbt-built")
    # Rate limits off: ingestion under the vendors' limits is tested in tests/sources.
    sandbox = start_sandbox(workdir / "sandbox", seed=SEED, dirty=DIRTY_RATE, rate_limits=False)
    try:
        env = run_env(sandbox, workdir)
        control = sandbox.base("control")
        httpx.post(f"{control}/advance?days={DAYS_LIVED}", timeout=300).raise_for_status()
        result = crosswalk_run(env, "--no-push")
        yield BuiltWarehouse(sandbox, workdir, env, result)
    finally:
        sandbox.stop()
