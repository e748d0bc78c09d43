"""The sandbox's credentials: documented fixtures (docs/sandbox.md), not secrets.

Used only in the sandbox profile, when no real secret is configured, so `make demo` needs no
set-up. Keyed vendor -> instance -> secret name.
"""

from __future__ import annotations

SANDBOX_SECRETS: dict[str, dict[str, dict[str, str]]] = {
    "bamboohr": {"acme": {"api_key": "sandbox-key"}},
    "netsuite": {
        "sandbox": {
            "consumer_key": "sandbox-consumer",
            "consumer_secret": "sandbox-consumer-secret",
            "token_id": "sandbox-token-id",
            "token_secret": "sandbox-token-secret",
        }
    },
    "harvest": {"acme": {"access_token": "sandbox-token"}},
    "gusto": {
        "us": {
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
            "refresh_token": "sandbox-refresh",
        },
        "uk": {
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
            "refresh_token": "sandbox-refresh-uk",
        },
        "de": {
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
            "refresh_token": "sandbox-refresh-de",
        },
    },
}
