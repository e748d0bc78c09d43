"""`crosswalk webhooks`: serve the receiver, and optionally subscribe it to the vendors."""

from __future__ import annotations

import sys
import threading
import time

import uvicorn

from orchestration.webhooks.receiver import create_app
from orchestration.webhooks.registration import register_all

STARTUP_WAIT_SECONDS = 30.0


def serve(host: str, port: int, register: bool, public_url: str | None) -> int:
    server = uvicorn.Server(uvicorn.Config(create_app(), host=host, port=port, log_level="info"))
    failure: list[str] = []
    if register:
        url = public_url or f"http://{host}:{port}"
        threading.Thread(
            target=_register_when_listening, args=(server, url, failure), daemon=True
        ).start()
    server.run()
    if failure:
        sys.stderr.write(f"webhook registration failed: {failure[0]}\n")
        return 1
    return 0


def _register_when_listening(server: uvicorn.Server, url: str, failure: list[str]) -> None:
    # Gusto posts its handshake to the receiver during registration: it must be listening.
    deadline = time.monotonic() + STARTUP_WAIT_SECONDS
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        registrations = register_all(url)
        for done in registrations:
            how = "kept" if done.reused else "subscribed"
            sys.stdout.write(
                f"{how} {done.system}/{done.instance} ({done.subscription_id}) -> {done.url}\n"
            )
        sys.stdout.write(f"receiver ready: {len(registrations)} subscriptions\n")
        sys.stdout.flush()
    except Exception as exc:  # any failure (RegistrationError first) must stop it loudly
        failure.append(str(exc))
        server.should_exit = True
