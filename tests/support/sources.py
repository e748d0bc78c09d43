"""Point crosswalk's sources at a test's own sandbox, as a user points them at a tenant."""

from __future__ import annotations

import httpx
import pytest

from crosswalk_cli.local_stack import sandbox_source_env
from tests.support.sandbox_process import SandboxProcess


def point_sources_at(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxProcess) -> None:
    """Env vars that aim every configured instance at `sandbox`."""
    for name, value in sandbox_source_env(sandbox.url).items():
        monkeypatch.setenv(name, value)


def faults_by_kind(sandbox: SandboxProcess, system: str) -> dict[str, int]:
    """How many faults of each kind the sandbox has injected into `system`'s answers.

    The counters run for the sandbox's life (shared by a module's tests): compare a reading
    before a run with one after it.
    """
    counts = httpx.get(sandbox.base("control") + "/faults", timeout=30).raise_for_status()
    return counts.json()["injected"].get(system, {})


def faults_injected(sandbox: SandboxProcess, system: str, kind: str | None = None) -> int:
    """How many faults (of `kind`, or all) the sandbox has injected into `system`'s answers."""
    per_kind = faults_by_kind(sandbox, system)
    return sum(per_kind.values()) if kind is None else per_kind.get(kind, 0)
