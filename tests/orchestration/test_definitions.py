"""The Dagster code location loads without touching the network and runs against the sandbox."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.sandbox_health import SandboxResource
from tests.support.sandbox_process import SandboxProcess


def test_definitions_load_without_a_sandbox(monkeypatch) -> None:
    # Nothing listens here: loading must not connect anywhere.
    monkeypatch.setenv("CROSSWALK_SANDBOX_URL", "http://127.0.0.1:9")
    from orchestration.definitions import defs

    assert defs.resolve_job_def("sandbox_health_check_job").name == "sandbox_health_check_job"


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
