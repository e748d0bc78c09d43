"""Gusto's error shape: {"errors": [{"error_key", "category", "message"}]}; 429 with X-RateLimit-*."""

from __future__ import annotations

from starlette.responses import JSONResponse


def error(status: int, category: str, message: str, error_key: str = "base") -> JSONResponse:
    body = {"errors": [{"error_key": error_key, "category": category, "message": message}]}
    return JSONResponse(body, status_code=status)


def server_error() -> JSONResponse:
    return error(500, "internal_error", "An internal error occurred.")


def throttled(retry_after: int, limit: int = 200) -> JSONResponse:
    response = error(429, "rate_limit_exceeded", "API rate limit exceeded.")
    response.headers["Retry-After"] = str(retry_after)
    response.headers["X-RateLimit-Limit"] = str(limit)
    response.headers["X-RateLimit-Remaining"] = "0"
    response.headers["X-RateLimit-Reset"] = str(retry_after)
    return response
