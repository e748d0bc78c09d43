"""Point crosswalk's sources at a test's own sandbox, as a user points them at a tenant."""

from __future__ import annotations

import pytest

from crosswalk_cli.local_stack import sandbox_source_env
from tests.support.sandbox_process import SandboxProcess


def point_sources_at(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxProcess) -> None:
    """Env vars that aim every configured instance at `sandbox`."""
    for name, value in sandbox_source_env(sandbox.url).items():
        monkeypatch.setenv(name, value)
