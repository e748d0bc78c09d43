"""Request guards of the Harvest and Forecast emulators: headers, token, account, rate limit.

Harvest checks, in this order: a `User-Agent` (400 without), the Bearer token (401), the
`Harvest-Account-Id` the token must belong to (401 when absent, 403 when it names another
account), then its rate limit of 100 requests per 15 seconds per token, rolling (429 with
`Retry-After`). Harvest also takes the token and account as `access_token` / `account_id` query
parameters. Forecast takes the same token with a `Forecast-Account-ID` header and is not limited
here.

The guards live in a route class rather than in dependencies so that a refused request never
reaches body parsing or the handler: what is refused is not applied.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from vendor_sandbox.context import SandboxContext
from vendor_sandbox.harvest import errors

TOKEN = "sandbox-token"
ACCOUNT_ID = "100001"
RATE_LIMIT_REQUESTS = 100
RATE_LIMIT_WINDOW_SECONDS = 15.0


class RollingRateLimiter:
    """Admits at most `limit` requests per key in any rolling `window` seconds (wall clock)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, key: str, now: float | None = None) -> int | None:
        """Record a request and return None, or return the seconds to wait if it is refused.

        A refused request is not recorded, so a client that waits Retry-After gets through.
        """
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return None


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if header and scheme.lower() == "bearer":
        return value.strip()
    return request.query_params.get("access_token")


def _limiter(context: SandboxContext) -> RollingRateLimiter:
    limiter = context.extras.get("harvest_rate_limiter")
    if limiter is None:
        limiter = context.extras.setdefault(
            "harvest_rate_limiter",
            RollingRateLimiter(RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_SECONDS),
        )
    assert isinstance(limiter, RollingRateLimiter)
    return limiter


def check_harvest(request: Request) -> Response | None:
    """The response refusing a Harvest request, or None to let it through."""
    if not request.headers.get("user-agent", "").strip():
        return errors.missing_user_agent()
    token = _token(request)
    if token != TOKEN:
        return errors.invalid_token()
    account = request.headers.get("harvest-account-id") or request.query_params.get("account_id")
    if not account:
        return errors.invalid_token()
    if account.strip() != ACCOUNT_ID:
        return errors.forbidden_account()
    context: SandboxContext = request.app.state.sandbox
    if context.settings.rate_limits:
        retry_after = _limiter(context).admit(token)
        if retry_after is not None:
            return errors.throttled(retry_after)
    return None


def check_forecast(request: Request) -> Response | None:
    """The response refusing a Forecast request, or None to let it through."""
    if _token(request) != TOKEN:
        return errors.invalid_token()
    account = request.headers.get("forecast-account-id") or request.query_params.get("account_id")
    if not account:
        return errors.invalid_token()
    if account.strip() != ACCOUNT_ID:
        return errors.forbidden_account()
    return None


Guard = Callable[[Request], Response | None]


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for item in exc.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where or 'request'}: {item.get('msg', 'is invalid')}")
    return "; ".join(parts) or "The request is invalid."


def guarded_route(guard: Guard) -> type[APIRoute]:
    """An APIRoute class that runs `guard` first and renders Harvest errors its handler raises."""

    class GuardedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
            handler = super().get_route_handler()

            async def route(request: Request) -> Response:
                refusal = guard(request)
                if refusal is not None:
                    return refusal
                try:
                    return await handler(request)
                except errors.HarvestError as exc:
                    return exc.response
                except RequestValidationError as exc:
                    return errors.message(422, _validation_message(exc))

            return route

    return GuardedRoute


HarvestRoute = guarded_route(check_harvest)
ForecastRoute = guarded_route(check_forecast)
