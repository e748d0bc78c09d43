"""Run the real `crosswalk` CLI against a test's own sandbox, with all its state in one folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from crosswalk_cli.local_stack import sandbox_source_env
from tests.support.sandbox_process import REPO, SandboxProcess

RUN_TIMEOUT_SECONDS = 900


def run_env(sandbox: SandboxProcess, workdir: Path) -> dict[str, str]:
    """Environment for `crosswalk run` against `sandbox`, with all state under `workdir`."""
    env = {
        **os.environ,
        "CROSSWALK_PROFILE": "sandbox",
        "CROSSWALK_SANDBOX_URL": sandbox.url,
        "CROSSWALK_WAREHOUSE": str(workdir / "warehouse.duckdb"),
        "DAGSTER_HOME": str(workdir / "dagster_home"),
        "CROSSWALK_OPS_DB": str(workdir / "ops.sqlite"),
        # dlt keeps pipeline working folders under its data dir (default /var/dlt): shared by
        # every run on the machine, so concurrent runs would trip over each other's packages.
        "DLT_DATA_DIR": str(workdir / "dlt"),
    }
    env.pop("CROSSWALK_BI_WAREHOUSE", None)
    env.pop("CROSSWALK_BI_SCHEMAS", None)
    env.update(sandbox_source_env(sandbox.url))
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
