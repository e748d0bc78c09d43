"""Where a Gusto company's rotated refresh token is kept between runs.

Gusto answers every refresh with a new refresh token and retires the one sent (once the new
access token is used), so the token configured in `.dlt/secrets.toml` or the environment works
once: every later exchange must send the newest. This store keeps the newest per company, in a
JSON file only its owner may read (`token_store` in `[sources.gusto]`, default
`gusto_refresh_tokens.json` beside the warehouse), and an exchange holds an exclusive lock on it
from reading the token to writing its successor, so two processes never spend one token.

An entry remembers a fingerprint of the configured token it descends from: configuring a new
token (a person re-authorised the app) starts from that one instead of the stored successor of
the old. Tokens are never logged; the file holds nothing else.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dlt

DEFAULT_FILE_NAME = "gusto_refresh_tokens.json"


def token_store_path() -> Path:
    """`sources.gusto.token_store`, else the default file beside the warehouse."""
    configured = dlt.config.get("sources.gusto.token_store")
    if configured:
        return Path(str(configured))
    # Beside crosswalk's warehouse: local state of this deployment, outside the repository.
    warehouse = Path(os.environ.get("CROSSWALK_WAREHOUSE", "data/warehouse.duckdb"))
    return warehouse.parent / DEFAULT_FILE_NAME


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RefreshTokenStore:
    """The newest refresh token of each company (by base URL and instance)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _locked(self) -> Iterator[dict[str, dict[str, str]]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                entries = json.loads(self.path.read_text()) if self.path.exists() else {}
                yield entries
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, entries: dict[str, dict[str, str]]) -> None:
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(entries, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        # The rename itself must survive a power loss, or the old (retired) token comes back.
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def exchange(
        self, company: str, configured: str, refresh: Callable[[str], dict[str, Any]]
    ) -> dict[str, Any]:
        """Call `refresh` with the company's newest token; keep the token it answers, if new.

        `company` names the tenant (base URL and instance); `configured` is the token from the
        settings. `refresh` returns Gusto's token answer, handed back only once its refresh
        token is on disk: an access token used before that would retire the old refresh token
        while the new one could still be lost (a full disk, an unwritable directory).
        """
        with self._locked() as entries:
            entry = entries.get(company)
            current = configured
            if entry is not None and entry["configured"] == _fingerprint(configured):
                current = entry["refresh_token"]
            answer = refresh(current)
            answered = answer.get("refresh_token")
            if answered is None or answered == current:
                return answer
            entries[company] = {
                "configured": _fingerprint(configured),
                "refresh_token": answered,
            }
            self._write(entries)
            return answer
