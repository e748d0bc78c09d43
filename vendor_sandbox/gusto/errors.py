"""Gusto's error shapes.

Resource errors are `{"errors": [{"error_key", "category", "message"}]}` (the spec's
Unprocessable-Entity-Error-Object and Not-Found-Error-Object). The token endpoint speaks plain
OAuth 2 instead: `{"error": "invalid_grant", "error_description": "..."}`. A bad
`X-Gusto-API-Version` answers 406 with `{"name", "message"}`, as Gusto's versioning guide shows.
A 429 carries `Retry-After` and the `X-RateLimit-*` headers.

Handlers raise `GustoError`; the Gusto route class renders it (with the rate-limit and version
headers every answer carries).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.responses import JSONResponse, Response

RATE_LIMIT = 200


class GustoError(Exception):
    """An error answer in Gusto's shape, raised from anywhere below a route."""

    def __init__(
        self, status: int, body: dict[str, object], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}

    def response(self) -> Response:
        """The error as an HTTP response."""
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def errors_body(category: str, message: str, error_key: str = "base") -> dict[str, object]:
    return {"errors": [{"error_key": error_key, "category": category, "message": message}]}


def error(status: int, category: str, message: str, error_key: str = "base") -> JSONResponse:
    """An error response in Gusto's `errors` shape."""
    return JSONResponse(errors_body(category, message, error_key), status_code=status)


def not_found(resource: str) -> GustoError:
    return GustoError(404, errors_body("not_found", f"{resource} not found", "base"))


def unauthorized(message: str) -> GustoError:
    # Gusto's OAuth layer names the problem in WWW-Authenticate, as RFC 6750 asks.
    return GustoError(
        401,
        errors_body("unauthorized", message),
        {
            "WWW-Authenticate": f'Bearer realm="Gusto", error="invalid_token", '
            f'error_description="{message}"'
        },
    )


def forbidden(message: str) -> GustoError:
    return GustoError(403, errors_body("forbidden", message))


def unprocessable(
    error_key: str, message: str, category: str = "invalid_attribute_value"
) -> GustoError:
    return GustoError(422, errors_body(category, message, error_key))


def stale_version(resource: str) -> GustoError:
    """409: the `version` sent is not the object's current one (Gusto's idempotency guide)."""
    return GustoError(
        409,
        errors_body(
            "invalid_attribute_value",
            f"The {resource} you are trying to update has been modified since you last "
            "retrieved it (version mismatch). Refresh it and try again.",
            "version",
        ),
    )


def oauth_error(error_code: str, description: str, status: int = 401) -> GustoError:
    return GustoError(status, {"error": error_code, "error_description": description})


def invalid_version_header(value: str, minimum: str) -> GustoError:
    return GustoError(
        406,
        {
            "name": "Invalid X-Gusto-API-Version Header",
            "message": f"Invalid API Version `{value}`. Version must be >= your application's "
            f"minimum API version `{minimum}` and not in the future.",
        },
    )


def rate_limit_reset_header(seconds_from_now: float) -> str:
    """X-RateLimit-Reset: Gusto sends the wall-clock datetime the window closes."""
    moment = datetime.now(UTC) + timedelta(seconds=max(0.0, seconds_from_now))
    return moment.strftime("%Y-%m-%d %H:%M:%S +0000")


def server_error() -> JSONResponse:
    return error(500, "internal_error", "An internal error occurred.")


def throttled(retry_after: int, limit: int = RATE_LIMIT) -> JSONResponse:
    response = error(429, "rate_limit_exceeded", "API rate limit exceeded.")
    response.headers["Retry-After"] = str(retry_after)
    response.headers["X-RateLimit-Limit"] = str(limit)
    response.headers["X-RateLimit-Remaining"] = "0"
    response.headers["X-RateLimit-Reset"] = rate_limit_reset_header(retry_after)
    return response
