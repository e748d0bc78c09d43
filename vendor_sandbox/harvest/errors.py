"""Harvest's error shapes, and the exception the emulator raises to answer with one.

Harvest answers authentication failures OAuth-style (`{"error", "error_description"}`),
validation and permission failures with `{"message": ...}`, unknown records with
`{"status": 404, "error": "Not Found"}`, and throttling with 429 plus `Retry-After` seconds and
no X-RateLimit headers.
"""

from __future__ import annotations

from starlette.responses import JSONResponse


def error(status: int, code: str, description: str) -> JSONResponse:
    """An OAuth-style error body, as Harvest sends for auth, throttling and server errors."""
    return JSONResponse({"error": code, "error_description": description}, status_code=status)


def server_error() -> JSONResponse:
    """What a Harvest 5xx looks like (used by the fault injector)."""
    return error(500, "internal_server_error", "Something went wrong on our end.")


def throttled(retry_after: int) -> JSONResponse:
    """Harvest's 429: a Retry-After in seconds and no X-RateLimit headers."""
    response = error(429, "too_many_requests", "Rate limit exceeded: 100 requests per 15 seconds.")
    response.headers["Retry-After"] = str(retry_after)
    return response


def message(status: int, text: str) -> JSONResponse:
    """A validation or permission failure: Harvest's `{"message": ...}` body."""
    return JSONResponse({"message": text}, status_code=status)


def not_found() -> JSONResponse:
    """An unknown record or route."""
    return JSONResponse({"status": 404, "error": "Not Found"}, status_code=404)


def invalid_token() -> JSONResponse:
    """A missing, malformed or unknown access token (or an account the token cannot name)."""
    return error(
        401,
        "invalid_token",
        "The access token provided is expired, revoked, malformed or invalid for other reasons.",
    )


def forbidden_account() -> JSONResponse:
    """A valid token used with an account id it has no access to."""
    return error(403, "forbidden", "The token has no access to the account in Harvest-Account-Id.")


def missing_user_agent() -> JSONResponse:
    """Harvest refuses requests without a User-Agent header with a 400."""
    return error(
        400,
        "bad_request",
        "A User-Agent header naming your application and a contact is required.",
    )


class HarvestError(Exception):
    """Raised by the backend or routes; the route class turns it into Harvest's response."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__(response.status_code)
        self.response = response

    @classmethod
    def unprocessable(cls, text: str) -> HarvestError:
        """422 with Harvest's message body (validation failures)."""
        return cls(message(422, text))

    @classmethod
    def forbidden(cls, text: str) -> HarvestError:
        """403 with Harvest's message body (changes Harvest does not permit)."""
        return cls(message(403, text))

    @classmethod
    def missing(cls) -> HarvestError:
        """404 for an unknown record."""
        return cls(not_found())
