"""The dbt layer's fixture: a small sandbox, ingested and built once by the real `crosswalk run`.

`built_warehouse` is session-scoped and read-mostly: tests that write (another build, a corrupted
raw row) copy its warehouse into their own directory first (`BuiltWarehouse.copy_to`).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    """The whole graph materialized once: small firm ingested, every dbt model built, published."""
    workdir = tmp_path_factory.mktemp("dbt-built")
    sandbox = start_sandbox(workdir / "sandbox", rate_limits=False)
    try:
        env = run_env(sandbox, workdir)
        result = crosswalk_run(env)
        yield BuiltWarehouse(sandbox, workdir, env, result)
    finally:
        sandbox.stop()
