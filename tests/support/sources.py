"""Point crosswalk's sources at a test's own sandbox, as a user points them at a tenant."""

from __future__ import annotations

import pytest

from tests.support.sandbox_process import SandboxProcess

BASES = {
    "bamboohr": {"acme": "/bamboohr/api/gateway.php/acme/v1"},
    "netsuite": {"sandbox": "/netsuite/services/rest"},
    "harvest": {"acme": "/harvest/v2"},
    "gusto": {"us": "/gusto", "uk": "/gusto", "de": "/gusto"},
}


def point_sources_at(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxProcess) -> None:
    """Env vars that aim every configured instance at `sandbox`."""
    for vendor, instances in BASES.items():
        for name, path in instances.items():
            monkeypatch.setenv(
                f"SOURCES__{vendor.upper()}__{name.upper()}__BASE_URL", sandbox.url + path
            )
    monkeypatch.setenv("SOURCES__HARVEST__ACME__FORECAST_BASE_URL", sandbox.url + "/forecast")
    monkeypatch.setenv("CROSSWALK_PROFILE", "sandbox")
