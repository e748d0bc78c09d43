"""Instances of a vendor and their settings, from dlt config and secrets.

A vendor's instances are configuration, not code (an acquired firm's second BambooHR is one more
name in a list):

    [sources.bamboohr]
    instances = ["acme", "globex"]
    [sources.bamboohr.globex]
    base_url = "https://api.bamboohr.com/api/gateway.php/globex/v1"

Secrets come from env vars (`SOURCES__BAMBOOHR__GLOBEX__API_KEY`) or `.dlt/secrets.toml`
(git-ignored). In the sandbox profile (`CROSSWALK_PROFILE=sandbox`, the default) a missing secret
falls back to the sandbox's documented fixture credentials; in any other profile a missing secret
fails fast with a message naming the system and the setting, never a value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import dlt

from dlt_sources.common.sandbox_profile import SANDBOX_SECRETS

PROFILE_ENV = "CROSSWALK_PROFILE"


class MissingSetting(RuntimeError):
    """A setting a source needs is not configured (the message names it, never a secret)."""


def profile() -> str:
    return os.environ.get(PROFILE_ENV, "sandbox")


@dataclass(frozen=True)
class Instance:
    """One configured tenant of a vendor."""

    vendor: str
    name: str
    base_url: str
    settings: dict[str, object] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def source_relation(self) -> str:
        """Stamped on every row, and part of every key, so instances union cleanly."""
        return f"{self.vendor}_{self.name}"


def _lookup(provider: object, key: str) -> object | None:
    try:
        return provider[key]  # type: ignore[index]
    except KeyError:
        return None


def _env_keys(section: str) -> set[str]:
    """The keys env vars set in `section` (`SOURCES__<VENDOR>__<INSTANCE>__<KEY>`).

    dlt reads a section whole from the toml files only, so an instance configured by env vars
    alone (or a key its toml section lacks) would lose them.
    """
    prefix = section.upper().replace(".", "__") + "__"
    return {
        name[len(prefix) :].lower()
        for name in os.environ
        if name.startswith(prefix) and "__" not in name[len(prefix) :]
    }


def load_instances(vendor: str, secret_keys: tuple[str, ...]) -> list[Instance]:
    """Every configured instance of `vendor` with its base URL, settings and secrets."""
    names = _lookup(dlt.config, f"sources.{vendor}.instances") or []
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    if not names:
        raise MissingSetting(f"{vendor}: no instances configured (sources.{vendor}.instances)")
    instances = []
    for name in names:
        section = f"sources.{vendor}.{name}"
        settings = dict(_lookup(dlt.config, section) or {})
        # A section read whole comes from the toml files only: look each key (the toml's and the
        # env's) up on its own, so env vars (SOURCES__<VENDOR>__<INSTANCE>__<KEY>) set or override
        # it, as dlt's do elsewhere, typed by dlt. Secrets are read below, never kept as settings.
        for key in {"base_url", *settings, *_env_keys(section)} - set(secret_keys):
            value = _lookup(dlt.config, f"{section}.{key}")
            if value is not None:
                settings[key] = value
        base_url = settings.get("base_url")
        if not base_url:
            raise MissingSetting(f"{vendor}/{name}: no base URL configured ({section}.base_url)")
        secrets = {}
        for key in secret_keys:
            value = _lookup(dlt.secrets, f"{section}.{key}")
            if value is None and profile() == "sandbox":
                value = SANDBOX_SECRETS.get(vendor, {}).get(name, {}).get(key)
            if value is None:
                raise MissingSetting(
                    f"{vendor}/{name}: secret {section}.{key} is not set (env "
                    f"{section.upper().replace('.', '__')}__{key.upper()} or .dlt/secrets.toml)"
                )
            secrets[key] = str(value)
        plain = {k: v for k, v in dict(settings).items() if k != "base_url"}
        instances.append(Instance(vendor, name, str(base_url).rstrip("/"), plain, secrets))
    return instances
