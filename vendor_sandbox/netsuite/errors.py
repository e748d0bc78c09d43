"""NetSuite REST's error shape: RFC 7807 problem details with o:errorDetails.

    {"type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
     "title": "Bad Request", "status": 400,
     "o:errorDetails": [{"detail": "...", "o:errorCode": "INVALID_PARAMETER"}]}

Error details may also name the offending query parameter (`o:errorQueryParam`) or request
header (`o:errorHeader`). Codes used here are NetSuite's where known (INVALID_LOGIN,
NONEXISTENT_ID, INVALID_PARAMETER, IDEMPOTENCY_ERROR, CONCURRENCY_LIMIT_EXCEEDED,
USER_ERROR, INVALID_CONTENT).
"""

from __future__ import annotations

from starlette.responses import JSONResponse

# RFC 9110 section of each status NetSuite answers.
_SECTIONS = {
    400: "15.5.1",
    401: "15.5.2",
    403: "15.5.4",
    404: "15.5.5",
    405: "15.5.6",
    409: "15.5.10",
    415: "15.5.16",
    500: "15.6.1",
    503: "15.6.4",
}
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem(
    status: int, detail: str, code: str, *, title: str | None = None, **extra: str
) -> dict[str, object]:
    """The problem-details body; `extra` adds o:errorQueryParam / o:errorHeader style keys."""
    item: dict[str, str] = {"detail": detail, "o:errorCode": code}
    item.update({f"o:{key}": value for key, value in extra.items()})
    if status == 429:  # defined by RFC 6585, not RFC 9110
        kind = "https://www.rfc-editor.org/rfc/rfc6585.html#section-4"
    else:
        section = _SECTIONS.get(status, "15.5.1" if status < 500 else "15.6.1")
        kind = f"https://www.rfc-editor.org/rfc/rfc9110.html#section-{section}"
    return {
        "type": kind,
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "o:errorDetails": [item],
    }


def error(status: int, title: str, detail: str, code: str) -> JSONResponse:
    return JSONResponse(problem(status, detail, code, title=title), status_code=status)


def server_error() -> JSONResponse:
    return error(500, "Internal Server Error", "An unexpected error occurred.", "UNEXPECTED_ERROR")


def throttled(retry_after: int, status: int = 429) -> JSONResponse:
    # NetSuite limits concurrent requests per account, not a window; excess -> 429, a status
    # CONVENTIONS.md marks unverified: the fault profile can play an account that sends another.
    response = error(
        status,
        "Too Many Requests",
        "The request exceeded the account's concurrency limit.",
        "CONCURRENCY_LIMIT_EXCEEDED",
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


class NetSuiteError(Exception):
    """A refusal answered in NetSuite's problem-details shape."""

    def __init__(
        self,
        status: int,
        detail: str,
        code: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: str,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.body = problem(status, detail, code, title=title, **extra)
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def invalid_login() -> NetSuiteError:
    return NetSuiteError(
        401,
        "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI "
        "at Setup > Users/Roles > User Management > View Login Audit Trail.",
        "INVALID_LOGIN",
    )


def not_found(record_type: str, record_id: str) -> NetSuiteError:
    return NetSuiteError(
        404,
        f"The record instance does not exist. Provide a valid record instance ID "
        f"({record_type} {record_id}).",
        "NONEXISTENT_ID",
    )


def bad_query(reason: str) -> NetSuiteError:
    """A SuiteQL query NetSuite would not run, worded as NetSuite words search errors."""
    return NetSuiteError(
        400,
        "Invalid search query. Detailed unprocessed description follows. "
        f"Search error occurred: {reason}",
        "INVALID_PARAMETER",
        errorQueryParam="q",
    )
