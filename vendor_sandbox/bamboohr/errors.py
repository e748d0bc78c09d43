"""BambooHR's error shapes: plain-text bodies, an X-BambooHR-Error-Message header, 503 to throttle.

BambooHR answers most failures with an empty or plain-text body and puts the reason in the
`X-BambooHR-Error-Message` header; the webhook endpoints alone answer JSON
(`{"errors": [{"error": "..."}]}`). Throttling is 503 + Retry-After, never 429.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


def error(status: int, message: str) -> Response:
    """A BambooHR-style failure: the reason in the body and in X-BambooHR-Error-Message."""
    return Response(message, status_code=status, headers={"X-BambooHR-Error-Message": message})


def server_error() -> Response:
    return error(500, "Internal Server Error")


def throttled(retry_after: int) -> Response:
    # BambooHR throttles with 503 + Retry-After, never 429.
    response = error(503, "Service Unavailable: API rate limit exceeded")
    response.headers["Retry-After"] = str(retry_after)
    return response


class BambooHRError(Exception):
    """A refusal the emulator answers in BambooHR's shape (raised by backend and dependencies)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        json_errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.json_errors = json_errors
        self.headers = headers or {}

    def response(self) -> Response:
        if self.json_errors is not None:
            # The webhook endpoints answer JSON: {"errors": [{"error": ...}, ...]}.
            return JSONResponse(
                {"errors": self.json_errors},
                status_code=self.status,
                headers={"X-BambooHR-Error-Message": self.message, **self.headers},
            )
        response = error(self.status, self.message)
        response.headers.update(self.headers)
        return response


class BambooHRRoute(APIRoute):
    """Route class that turns a BambooHRError raised anywhere in a request into its response.

    Dependencies (company check, API key) run inside the handler this wraps, so their refusals
    come out in the vendor's shape too rather than as FastAPI's {"detail": ...}.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except BambooHRError as exc:
                return exc.response()

        return guarded
