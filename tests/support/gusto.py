"""Helpers for tests that talk to the sandbox's Gusto emulator over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.openapi import GUSTO_SERVER, gusto_openapi, validate_response
from tests.support.sandbox_process import SandboxProcess

CLIENT = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}
SPEC_VERSION = "2025-06-15"


def gusto_root(sandbox: SandboxProcess) -> str:
    """Where the spec's paths hang in the sandbox (`/oauth/token`, `/v1/...`)."""
    return sandbox.url + "/gusto"


def refresh(
    sandbox: SandboxProcess, refresh_token: str = "sandbox-refresh", **extra: Any
) -> httpx.Response:
    return httpx.post(
        gusto_root(sandbox) + "/oauth/token",
        json={**CLIENT, "grant_type": "refresh_token", "refresh_token": refresh_token, **extra},
        headers={"X-Gusto-API-Version": SPEC_VERSION},
        timeout=10,
    )


@dataclass
class GustoSession:
    """A company token and a client that sends it, in the spec's API version; `system` sends
    the application's system token (the events feed and webhook subscriptions take only it)."""

    sandbox: SandboxProcess
    client: httpx.Client
    access_token: str
    company_uuid: str
    system: httpx.Client

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params or None)

    def events(self, **params: Any) -> httpx.Response:
        """This company's events feed (a system token, `resource_uuid` naming the company)."""
        return self.system.get("/v1/events", params={"resource_uuid": self.company_uuid, **params})

    def validate(self, response: httpx.Response) -> httpx.Response:
        """Validate a real answer against Gusto's spec and hand it back."""
        validate_response(
            gusto_openapi(),
            response,
            sandbox_base=gusto_root(self.sandbox),
            spec_server=GUSTO_SERVER,
        )
        return response

    def close(self) -> None:
        self.client.close()
        self.system.close()


def _client(sandbox: SandboxProcess, access_token: str) -> httpx.Client:
    return httpx.Client(
        base_url=gusto_root(sandbox),
        headers={"Authorization": f"Bearer {access_token}", "X-Gusto-API-Version": SPEC_VERSION},
        timeout=10,
    )


def system_token(sandbox: SandboxProcess) -> str:
    token = httpx.post(
        gusto_root(sandbox) + "/oauth/token",
        json={**CLIENT, "grant_type": "system_access"},
        headers={"X-Gusto-API-Version": SPEC_VERSION},
        timeout=10,
    )
    return token.raise_for_status().json()["access_token"]


def open_session(sandbox: SandboxProcess, refresh_token: str = "sandbox-refresh") -> GustoSession:
    token = refresh(sandbox, refresh_token)
    token.raise_for_status()
    access = token.json()["access_token"]
    client = _client(sandbox, access)
    info = client.get("/v1/token_info")
    info.raise_for_status()
    company = info.json()["resource"]["uuid"]
    return GustoSession(sandbox, client, access, company, _client(sandbox, system_token(sandbox)))
