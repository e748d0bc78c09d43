"""NetSuite REST's error shape: RFC 7807 problem details with o:errorDetails."""

from __future__ import annotations

from starlette.responses import JSONResponse


def error(status: int, title: str, detail: str, code: str) -> JSONResponse:
    body = {
        "type": f"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.{status // 100}",
        "title": title,
        "status": status,
        "o:errorDetails": [{"detail": detail, "o:errorCode": code}],
    }
    return JSONResponse(body, status_code=status)


def server_error() -> JSONResponse:
    return error(500, "Internal Server Error", "An unexpected error occurred.", "UNEXPECTED_ERROR")


def throttled(retry_after: int) -> JSONResponse:
    # NetSuite limits concurrent requests per account, not a window; excess -> 429.
    response = error(
        429,
        "Too Many Requests",
        "The request exceeded the account's concurrency limit.",
        "CONCURRENCY_LIMIT_EXCEEDED",
    )
    response.headers["Retry-After"] = str(retry_after)
    return response
