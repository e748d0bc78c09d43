"""The dbt layer's fixture: a small sandbox, ingested and built once by the real `crosswalk run`.

`built_warehouse` is session-scoped and read-mostly: tests that write (another build, a corrupted
raw row) copy its warehouse into their own directory first (`BuiltWarehouse.copy_to`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.sandbox_process import REPO, SandboxProcess, start_sandbox
from tests.support.sources import BASES

RUN_TIMEOUT_SECONDS = 600


def run_env(sandbox: SandboxProcess, workdir: Path) -> dict[str, str]:
    """Environment for `crosswalk run` against `sandbox`, with all state under `workdir`."""
    env = {
        **os.environ,
        "CROSSWALK_PROFILE": "sandbox",
        "CROSSWALK_SANDBOX_URL": sandbox.url,
        "CROSSWALK_WAREHOUSE": str(workdir / "warehouse.duckdb"),
        "DAGSTER_HOME": str(workdir / "dagster_home"),
        # dlt keeps pipeline working folders under its data dir (default /var/dlt): shared by
        # every run on the machine, so concurrent runs would trip over each other's packages.
        "DLT_DATA_DIR": str(workdir / "dlt"),
    }
    env.pop("CROSSWALK_BI_WAREHOUSE", None)
    env.pop("CROSSWALK_BI_SCHEMAS", None)
    for vendor, instances in BASES.items():
        for name, path in instances.items():
            env[f"SOURCES__{vendor.upper()}__{name.upper()}__BASE_URL"] = sandbox.url + path
    env["SOURCES__HARVEST__ACME__FORECAST_BASE_URL"] = sandbox.url + "/forecast"
    return env


def crosswalk_run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crosswalk_cli.main", "run", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
    )


def run_id_of(output: str) -> str:
    match = re.search(r"^run (\S+) (succeeded|failed)$", output, re.MULTILINE)
    assert match, output[-3000:]
    return match.group(1)


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
