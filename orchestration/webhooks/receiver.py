"""`crosswalk webhooks`: the receiver of BambooHR and Gusto deliveries.

`POST /webhooks/bamboohr` and `POST /webhooks/gusto` verify the signature (and BambooHR's
timestamp window), append the delivery to the inbox once and answer at once: the work a delivery
asks for happens later, in runs a sensor starts from the inbox. Answers: 200 `accepted` (with
the inbox id) or `duplicate` (already in: a vendor's retry or a replay, appended nothing); 200
`pending_verification` for Gusto's handshake; 401 unsigned, forged or stale; 400 a signed body
that is not the vendor's shape; 413 over 1 MiB; 503 no key configured. Every refusal is a
`webhook_refusal` row with its reason. Keys come from the ops store (registration) and from
CROSSWALK_WEBHOOK_BAMBOOHR_KEYS / CROSSWALK_WEBHOOK_GUSTO_TOKENS (comma-separated); they are
never logged.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from orchestration.push.store import ops_store_path
from orchestration.webhooks.deliveries import (
    bamboohr_event,
    gusto_event,
    gusto_handshake,
    parse_gusto,
)
from orchestration.webhooks.inbox import InboxEvent, WebhookInbox
from orchestration.webhooks.signatures import (
    BAMBOOHR_SIGNED_DEFAULT,
    BAMBOOHR_SIGNED_LAYOUTS,
    TIMESTAMP_WINDOW_SECONDS,
    Rejected,
    verify_bamboohr,
    verify_gusto,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
KEY_ENV = {
    "bamboohr": "CROSSWALK_WEBHOOK_BAMBOOHR_KEYS",
    "gusto": "CROSSWALK_WEBHOOK_GUSTO_TOKENS",
}


SIGNED_ENV = "CROSSWALK_WEBHOOK_BAMBOOHR_SIGNED"


def bamboohr_signed_layout() -> str:
    """How BambooHR joins body and timestamp before signing, as this deployment says."""
    layout = os.environ.get(SIGNED_ENV, "").strip() or BAMBOOHR_SIGNED_DEFAULT
    if layout not in BAMBOOHR_SIGNED_LAYOUTS:
        known = ", ".join(BAMBOOHR_SIGNED_LAYOUTS)
        raise ValueError(f"{SIGNED_ENV}={layout!r} is none of: {known}")
    return layout


def _configured_keys(system: str) -> list[str]:
    return [k.strip() for k in os.environ.get(KEY_ENV[system], "").split(",") if k.strip()]


def create_app(
    ops_db: Path | None = None,
    *,
    window_seconds: float = TIMESTAMP_WINDOW_SECONDS,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    path = ops_db or ops_store_path()
    signed = bamboohr_signed_layout()  # a wrong setting stops the receiver at start, not later
    with WebhookInbox.open(path):
        pass  # the tables exist before the first delivery

    def keys(inbox: WebhookInbox, system: str) -> list[str]:
        return _configured_keys(system) + inbox.verified_secrets(system)

    def admit(inbox: WebhookInbox, event: InboxEvent) -> JSONResponse:
        inbox_id = inbox.append(event)
        if inbox_id is None:
            log.info("webhook %s duplicate %s", event.system, event.delivery_key)
            return JSONResponse({"status": "duplicate"})
        log.info("webhook %s accepted #%s %s", event.system, inbox_id, event.event_type)
        return JSONResponse({"status": "accepted", "inbox_id": inbox_id})

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise Rejected(413, f"body over {MAX_BODY_BYTES} bytes")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise Rejected(413, f"body over {MAX_BODY_BYTES} bytes")
        return body

    def receive(system: str, handle: Callable[[WebhookInbox, bytes, Request], JSONResponse]):
        async def endpoint(request: Request) -> JSONResponse:
            body = b""
            with WebhookInbox.open(path, create=False) as inbox:
                try:
                    body = await read_body(request)
                    return handle(inbox, body, request)
                except Rejected as refused:
                    inbox.refuse(system, refused.status, refused.reason, body)
                    log.warning("webhook %s refused: %s", system, refused)
                    return JSONResponse({"error": refused.reason}, status_code=refused.status)

        return endpoint

    def bamboohr(inbox: WebhookInbox, body: bytes, request: Request) -> JSONResponse:
        verify_bamboohr(
            body, request.headers, keys(inbox, "bamboohr"), clock(), window_seconds, signed
        )
        return admit(inbox, bamboohr_event(body))

    def gusto(inbox: WebhookInbox, body: bytes, request: Request) -> JSONResponse:
        payload = parse_gusto(body)
        handshake = gusto_handshake(payload)
        if handshake is not None:
            # Signed with the very token it delivers, so it proves nothing: kept as pending
            # until registration confirms the token through Gusto's API.
            subscription, token = handshake
            kept = inbox.add_pending_secret("gusto", subscription, token)
            log.info("gusto handshake for subscription %s (kept: %s)", subscription, kept)
            return JSONResponse({"status": "pending_verification"})
        verify_gusto(body, request.headers, keys(inbox, "gusto"))
        return admit(inbox, gusto_event(payload, body))

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/webhooks/bamboohr", receive("bamboohr", bamboohr), methods=["POST"]),
            Route("/webhooks/gusto", receive("gusto", gusto), methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
