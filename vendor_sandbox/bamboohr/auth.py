"""BambooHR authentication: HTTP Basic with the API key as user name, any password.

BambooHR locks the API for a client that keeps presenting bad keys: after `MAX_BAD_KEYS` wrong
keys within `WINDOW_SECONDS`, every request from that client is refused with 403 for
`LOCK_SECONDS`, even with a good key. The lockout runs on wall-clock time (it is a security
control, not business activity) and is kept per client address in the running sandbox.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections import deque

from starlette.requests import Request

from vendor_sandbox.bamboohr.errors import BambooHRError
from vendor_sandbox.context import SandboxContext

API_KEY = "sandbox-key"
COMPANY = "acme"
MAX_BAD_KEYS = 5
WINDOW_SECONDS = 60.0
LOCK_SECONDS = 60.0
GUARD_KEY = "bamboohr_key_guard"
CHALLENGE = {"WWW-Authenticate": 'Basic realm="BambooHR API"'}


class KeyGuard:
    """Counts bad keys per client and holds the lockout."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}

    def is_locked(self, client: str, now: float) -> bool:
        with self._lock:
            return self._locked_until.get(client, 0.0) > now

    def record_failure(self, client: str, now: float) -> bool:
        """Count one bad key; returns True when this failure locks the client out."""
        with self._lock:
            failures = self._failures.setdefault(client, deque())
            failures.append(now)
            while failures and failures[0] <= now - WINDOW_SECONDS:
                failures.popleft()
            if len(failures) >= MAX_BAD_KEYS:
                self._locked_until[client] = now + LOCK_SECONDS
                failures.clear()
                return True
            return False


def key_guard(ctx: SandboxContext) -> KeyGuard:
    guard = ctx.extras.get(GUARD_KEY)
    if guard is None:
        guard = ctx.extras.setdefault(GUARD_KEY, KeyGuard())
    assert isinstance(guard, KeyGuard)
    return guard


def presented_key(request: Request) -> str | None:
    """The API key of a Basic Authorization header, or None when there is none to read."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    user, _, _password = decoded.partition(":")
    return user


def authenticate(request: Request, ctx: SandboxContext) -> None:
    """Check the company and the API key; raise BambooHRError (404, 401, 403) otherwise."""
    company = request.path_params.get("company")
    if company != COMPANY:
        raise BambooHRError(404, f"Company '{company}' was not found")
    guard = key_guard(ctx)
    client = request.client.host if request.client else "unknown"
    now = time.monotonic()
    if guard.is_locked(client, now):
        raise BambooHRError(403, "API access is temporarily locked after repeated invalid keys")
    key = presented_key(request)
    if key is None:
        raise BambooHRError(
            401, "Missing HTTP Basic credentials (API key as user name)", headers=CHALLENGE
        )
    if key != API_KEY:
        if guard.record_failure(client, now):
            raise BambooHRError(403, "API access is temporarily locked after repeated invalid keys")
        raise BambooHRError(401, "Invalid API key", headers=CHALLENGE)
