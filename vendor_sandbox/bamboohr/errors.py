"""BambooHR's error shapes: plain-text bodies, an X-BambooHR-Error-Message header, 503 to throttle."""

from __future__ import annotations

from starlette.responses import Response


def error(status: int, message: str) -> Response:
    return Response(message, status_code=status, headers={"X-BambooHR-Error-Message": message})


def server_error() -> Response:
    return error(500, "Internal Server Error")


def throttled(retry_after: int) -> Response:
    # BambooHR throttles with 503 + Retry-After, never 429.
    response = error(503, "Service Unavailable: API rate limit exceeded")
    response.headers["Retry-After"] = str(retry_after)
    return response
