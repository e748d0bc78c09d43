"""Every answer's `Date` header is the business clock's now, as a live tenant's server would say.

A vendor stamps its records with its own clock and names that clock's now in `Date`; a client may
bound what a read saw by it (crosswalk's Harvest cursor does). The sandbox's records carry business
time, so its `Date` must too (the server is started without uvicorn's own wall-clock header).
"""

from __future__ import annotations

from email.utils import format_datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vendor_sandbox.clock import BusinessClock


class BusinessDateMiddleware:
    """Sets `Date` on every HTTP answer to the business clock's now (RFC 7231 format)."""

    def __init__(self, app: ASGIApp, clock: BusinessClock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                now = format_datetime(self.clock.now(), usegmt=True)
                message["headers"] = [*headers, (b"date", now.encode())]
            await send(message)

        await self.app(scope, receive, dated)
