"""Gusto's OAuth 2 tokens and its per-token rate limit.

Tokens:
- `POST /oauth/token` with `grant_type=refresh_token` exchanges a company's refresh token (a fixture
  row of `gusto_companies`) for a company access token; `grant_type=system_access` (client
  credentials only) gives a system-level token for the application, as Gusto's spec offers.
- Access tokens are random, expire two hours after issue by the WALL clock (the business clock
  would let a token outlive days of simulated time), and live in `gusto_tokens`; a system token
  is stored with an empty `company_uuid`.
- Real Gusto rotates the refresh token on every exchange (the old one dies on the first use of
  the new access token). The sandbox does so with `--rotate-refresh-tokens`; by default it returns
  the same refresh token, so the committed fixture credentials stay valid across runs
  (docs/decisions.md).

Rate limit: 200 requests per access token per window. Gusto's rate-limit guide describes the
window: it opens with the first call, closes 60 s later, and the next call opens a new one. The
limiter lives in memory (one sandbox process serves every request).
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass

from vendor_sandbox.gusto.errors import oauth_error, unauthorized
from vendor_sandbox.store import Store

CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"
TOKEN_TTL_SECONDS = 7200
SYSTEM_COMPANY = ""  # company_uuid of a system-level token
COMPANY_SCOPES = (
    "companies:read employees:read employees:write jobs:read jobs:write compensations:read "
    "compensations:write departments:read payrolls:read pay_schedules:read events:read "
    "webhook_subscriptions:read webhook_subscriptions:write"
)
SYSTEM_SCOPES = "events:read webhook_subscriptions:read webhook_subscriptions:write public"
WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Grant:
    """What an access token allows: one company, or the whole application (system level)."""

    access_token: str
    company_uuid: str | None  # None for a system-level token
    expires_at: float

    @property
    def is_system(self) -> bool:
        return self.company_uuid is None


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    refresh_token: str | None
    company_uuid: str | None
    created_at: float
    scope: str


def check_client(client_id: object, client_secret: object) -> None:
    """Refuse unknown client credentials the way an OAuth server does."""
    if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
        raise oauth_error(
            "invalid_client",
            "Client authentication failed due to unknown client, no client authentication "
            "included, or unsupported authentication method.",
        )


def _store_token(conn: sqlite3.Connection, company_uuid: str, now: float) -> str:
    token = secrets.token_urlsafe(32)
    # Expired tokens are useless; dropping them here keeps the table small without a sweeper.
    conn.execute("delete from gusto_tokens where expires_at < ?", (now,))
    conn.execute(
        "insert into gusto_tokens (access_token, company_uuid, expires_at) values (?, ?, ?)",
        (token, company_uuid, now + TOKEN_TTL_SECONDS),
    )
    return token


def refresh_access_token(
    conn: sqlite3.Connection, refresh_token: object, now: float, *, rotate: bool = False
) -> IssuedToken:
    """A new company access token for a known refresh token (the caller checked the client).

    With `rotate`, the company gets a new refresh token, answered beside the access token; the
    one exchanged stays valid until that access token is first used (`retire_refresh_tokens`).
    """
    row = None
    if isinstance(refresh_token, str) and refresh_token:
        row = conn.execute(
            "select uuid from gusto_companies where refresh_token = ? union all "
            "select company_uuid from gusto_retiring_refresh_tokens where refresh_token = ?",
            (refresh_token, refresh_token),
        ).fetchone()
    if row is None:
        raise oauth_error(
            "invalid_grant",
            "The provided authorization grant is invalid, expired, revoked, does not match the "
            "redirection URI used in the authorization request, or was issued to another client.",
        )
    token = _store_token(conn, row["uuid"], now)
    if not rotate:
        return IssuedToken(token, str(refresh_token), row["uuid"], now, COMPANY_SCOPES)
    rotated = secrets.token_urlsafe(32)
    conn.execute(
        "insert into gusto_retiring_refresh_tokens (refresh_token, company_uuid, retired_by) "
        "values (?, ?, ?) "
        "on conflict (refresh_token) do update set retired_by = excluded.retired_by",
        (refresh_token, row["uuid"], token),
    )
    conn.execute(
        "update gusto_companies set refresh_token = ? where uuid = ?", (rotated, row["uuid"])
    )
    return IssuedToken(token, rotated, row["uuid"], now, COMPANY_SCOPES)


def retire_refresh_tokens(store: Store, access_token: str) -> None:
    """The first use of an access token ends the refresh token it was exchanged for."""
    conn = store.connection()
    waiting = conn.execute(
        "select 1 from gusto_retiring_refresh_tokens where retired_by = ?", (access_token,)
    ).fetchone()
    if waiting is None:
        return
    with store.transaction() as conn:
        conn.execute(
            "delete from gusto_retiring_refresh_tokens where retired_by = ?", (access_token,)
        )


def system_access_token(conn: sqlite3.Connection, now: float) -> IssuedToken:
    """A system-level token for the application (the caller checked the client)."""
    token = _store_token(conn, SYSTEM_COMPANY, now)
    return IssuedToken(token, None, None, now, SYSTEM_SCOPES)


def bearer_of(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def resolve_grant(conn: sqlite3.Connection, authorization: str | None, now: float) -> Grant:
    """The grant behind an `Authorization: Bearer` header.

    Raises:
        GustoError: 401 when the header is missing, the token unknown, or expired.
    """
    token = bearer_of(authorization)
    if token is None:
        raise unauthorized("The access token is missing")
    row = conn.execute(
        "select company_uuid, expires_at from gusto_tokens where access_token = ?", (token,)
    ).fetchone()
    if row is None:
        raise unauthorized("The access token is invalid")
    if row["expires_at"] <= now:
        raise unauthorized("The access token expired")
    company = row["company_uuid"] or None
    return Grant(token, company, row["expires_at"])


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_in: float  # seconds until the window closes


class RateLimiter:
    """Gusto's 200-per-minute window per access token (see the module docstring)."""

    def __init__(self, limit: int = 200, window_seconds: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> RateDecision:
        """Count one request for `key`; refused requests are counted but never served."""
        now = time.monotonic() if now is None else now
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now - start >= self.window_seconds:
                start, count = now, 0
            count += 1
            self._windows[key] = (start, count)
            if len(self._windows) > 10_000:
                self._prune(now)
        reset_in = max(0.0, start + self.window_seconds - now)
        allowed = count <= self.limit
        return RateDecision(allowed, self.limit, max(0, self.limit - count), reset_in)

    def _prune(self, now: float) -> None:
        for key, (start, _) in list(self._windows.items()):
            if now - start >= self.window_seconds:
                del self._windows[key]
