"""What every Gusto request goes through before and after its handler.

`GustoRoute` (the router's route class) does, in order:
1. resolve `X-Gusto-API-Version` (406 when unacceptable) and echo it on the answer;
2. resolve the Bearer token (401 when missing, unknown or expired) — not on `/oauth/token`;
3. when the sandbox enforces vendor rate limits, count the request against the token's window and
   answer 429 + Retry-After without running the handler when the window is spent, so a refused
   request never changes anything; `X-RateLimit-Limit/-Remaining/-Reset` go on every answer;
4. render `GustoError` and request-validation failures in Gusto's error shape.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import Response

from vendor_sandbox.context import SandboxContext
from vendor_sandbox.gusto import errors
from vendor_sandbox.gusto.auth import (
    Grant,
    RateDecision,
    RateLimiter,
    resolve_grant,
    retire_refresh_tokens,
)
from vendor_sandbox.gusto.errors import GustoError, forbidden, rate_limit_reset_header
from vendor_sandbox.gusto.versioning import HEADER, resolve_version

PUBLIC_PATH_SUFFIXES = ("/oauth/token",)
_LIMITER_KEY = "gusto_rate_limiter"


def rate_limiter(ctx: SandboxContext) -> RateLimiter:
    """The sandbox's one Gusto limiter (kept with the running sandbox, not in a module global)."""
    limiter = ctx.extras.get(_LIMITER_KEY)
    if not isinstance(limiter, RateLimiter):
        limiter = ctx.extras.setdefault(_LIMITER_KEY, RateLimiter())
    return limiter  # type: ignore[return-value]


def _rate_headers(decision: RateDecision) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": rate_limit_reset_header(decision.reset_in),
    }


def _validation_error(exc: RequestValidationError) -> GustoError:
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query")]
    key = location[-1] if location else "base"
    return errors.unprocessable(key, f"{key}: {first.get('msg', 'is invalid')}")


class GustoRoute(APIRoute):
    """An APIRoute with Gusto's version, auth and rate-limit handling around the endpoint."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = super().get_route_handler()
        public = self.path_format.endswith(PUBLIC_PATH_SUFFIXES)

        async def handler(request: Request) -> Response:
            ctx: SandboxContext = request.app.state.sandbox
            extra_headers: dict[str, str] = {}
            version: str | None = None
            try:
                version = resolve_version(request.headers.get(HEADER))
                request.state.gusto_version = version
                if not public:
                    grant = resolve_grant(
                        ctx.store.connection(), request.headers.get("authorization"), time.time()
                    )
                    request.state.gusto_grant = grant
                    if ctx.settings.rotate_refresh_tokens:
                        retire_refresh_tokens(ctx.store, grant.access_token)
                    if ctx.settings.rate_limits:
                        decision = rate_limiter(ctx).hit(grant.access_token)
                        extra_headers = _rate_headers(decision)
                        if not decision.allowed:
                            response = errors.throttled(
                                max(1, math.ceil(decision.reset_in)), decision.limit
                            )
                            response.headers[HEADER] = version
                            return response
                response = await endpoint(request)
            except GustoError as exc:
                response = exc.response()
            except RequestValidationError as exc:
                response = _validation_error(exc).response()
            for name, value in extra_headers.items():
                response.headers[name] = value
            if version is not None:
                response.headers[HEADER] = version
            return response

        return handler


def current_grant(request: Request) -> Grant:
    return request.state.gusto_grant


def company_of(grant: Annotated[Grant, Depends(current_grant)]) -> str:
    """The company a company token belongs to; a system token cannot read company resources."""
    if grant.company_uuid is None:
        raise forbidden("A system access token cannot access company resources")
    return grant.company_uuid


def system_grant(grant: Annotated[Grant, Depends(current_grant)]) -> Grant:
    """A system access token: the events feed and webhook subscriptions are the application's."""
    if grant.company_uuid is not None:
        raise forbidden("This endpoint requires a system access token")
    return grant


def api_version(request: Request) -> str:
    return request.state.gusto_version


AnyGrant = Annotated[Grant, Depends(current_grant)]
CompanyScope = Annotated[str, Depends(company_of)]
SystemGrant = Annotated[Grant, Depends(system_grant)]
ApiVersion = Annotated[str, Depends(api_version)]
