"""The Dagster code location loads without touching the network and runs against the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from crosswalk_cli.local_stack import sandbox_source_env
from orchestration.defs.sandbox_health import SandboxResource
from tests.support.sandbox_process import REPO, SandboxProcess

LOAD_AND_COUNT = """
from orchestration.definitions import defs
repository = defs.get_repository_def()
print(len(repository.asset_graph.get_all_asset_keys()), len(repository.get_all_jobs()))
"""


def test_definitions_load_without_a_sandbox(tmp_path: Path) -> None:
    # A fresh process (this one may have loaded them already) with every system unreachable:
    # nothing listens on the discard port, so a load that connected anywhere would fail.
    env = {
        **os.environ,
        "CROSSWALK_SANDBOX_URL": "http://127.0.0.1:9",
        "DAGSTER_HOME": str(tmp_path),
    }
    env |= sandbox_source_env("http://127.0.0.1:9")
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_AND_COUNT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assets, jobs = (int(n) for n in loaded.stdout.split())
    assert assets > 100 and jobs > 0, loaded.stdout


def test_health_job_runs_against_a_real_sandbox(sandbox: SandboxProcess) -> None:
    from orchestration.definitions import defs

    job = defs.resolve_job_def("sandbox_health_check_job")
    result = job.execute_in_process(
        resources={"sandbox": SandboxResource(url=sandbox.url)},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success


def test_health_job_fails_when_the_sandbox_is_down() -> None:
    from orchestration.definitions import defs

    job = defs.resolve_job_def("sandbox_health_check_job")
    result = job.execute_in_process(
        resources={"sandbox": SandboxResource(url="http://127.0.0.1:9")},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    # The check's own step failed, saying it could not connect (not an error of the job's set-up).
    (failure,) = result.get_step_failure_events()
    assert failure.step_key == "check_sandbox"
    assert "ConnectError" in failure.event_specific_data.error.to_string()
