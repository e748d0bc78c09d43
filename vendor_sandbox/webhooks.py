"""Signed webhook delivery for the BambooHR and Gusto emulators, with retries.

Deliveries wait in `sandbox_webhook_outbox` (so they survive a restart) and a background thread
POSTs them. Signatures follow each vendor's scheme:

- BambooHR: `X-BambooHR-Timestamp` (Unix seconds) and `X-BambooHR-Signature`, the hex
  HMAC-SHA256 of the body bytes followed by the timestamp, keyed with the webhook's private key
  (BambooHR documents "payload + timestamp"; the exact concatenation is unverified, see
  docs/decisions.md).
- Gusto: `X-Gusto-Signature`, the hex HMAC-SHA256 of the body keyed with the subscription's
  verification token. Gusto retries a failed delivery up to 16 times with backoff; so do we.

The fault profile's webhook faults (vendor_sandbox/faults.py) apply here: a delivery held back so
later ones overtake it, and a delivery sent a second time after it was acknowledged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import sqlite3
import threading
import time

import httpx

from vendor_sandbox.faults import FaultInjector
from vendor_sandbox.store import Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 16
MAX_BACKOFF_SECONDS = 300.0


def bamboohr_signature(private_key: str, body: bytes, timestamp: str) -> str:
    return hmac.new(private_key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


def gusto_signature(verification_token: str, body: bytes) -> str:
    return hmac.new(verification_token.encode(), body, hashlib.sha256).hexdigest()


def signed_headers(system: str, secret: str, body: bytes, now: float) -> dict[str, str]:
    """The headers a delivery of `body` carries in `system`'s scheme."""
    headers = {"Content-Type": "application/json", "User-Agent": f"{system}-webhooks-sandbox"}
    if system == "bamboohr":
        timestamp = str(int(now))
        headers["X-BambooHR-Timestamp"] = timestamp
        headers["X-BambooHR-Signature"] = bamboohr_signature(secret, body, timestamp)
    elif system == "gusto":
        headers["X-Gusto-Signature"] = gusto_signature(secret, body)
    else:
        raise ValueError(f"{system} sends no webhooks")
    return headers


class WebhookDeliverer:
    """Background sender of queued webhook deliveries."""

    def __init__(
        self,
        store: Store,
        retry_base_seconds: float = 1.0,
        poll_seconds: float = 0.2,
        faults: FaultInjector | None = None,
    ):
        self.store = store
        self.faults = faults
        self.retry_base_seconds = retry_base_seconds
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="webhook-deliverer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wake(self) -> None:
        """Deliver now rather than at the next poll (called after something is enqueued)."""
        self._wake.set()

    def _run(self) -> None:
        with httpx.Client(timeout=5.0) as client:
            while not self._stop.is_set():
                try:
                    self.deliver_due(client)
                except Exception:  # a bad subscriber must never stop delivery to the others
                    log.exception("webhook delivery pass failed")
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
        self.store.close()

    def deliver_due(self, client: httpx.Client) -> int:
        """Send every delivery whose time has come; returns how many were attempted."""
        conn = self.store.connection()
        now = time.time()
        due = conn.execute(
            "select o.delivery_id, o.system, o.body, o.attempts, s.url, s.secret "
            "from sandbox_webhook_outbox o join sandbox_webhook_subscription s "
            "using (subscription_id) where o.status = 'pending' and o.next_attempt_at <= ? "
            "order by o.delivery_id limit 100",
            (now,),
        ).fetchall()
        for row in due:
            fault = self.faults.webhook_fault(row["system"]) if self.faults else None
            if fault == "reorder":
                self._hold_back(row["delivery_id"], row["system"])
                continue
            status_code = self._post(client, row)
            ok = status_code is not None and 200 <= status_code < 300
            if ok and fault == "duplicate":
                assert self.faults is not None
                self.faults.counters.add(row["system"], "webhook_duplicate")
                self._post(client, row)  # the vendor missed our acknowledgement and sends again
            attempts = row["attempts"] + 1
            if ok:
                status, next_at = "delivered", 0.0
            elif attempts >= MAX_ATTEMPTS:
                status, next_at = "failed", 0.0
            else:
                backoff = min(self.retry_base_seconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
                status, next_at = "pending", time.time() + backoff
            with self.store.transaction() as tx:
                tx.execute(
                    "update sandbox_webhook_outbox set status = ?, attempts = ?, "
                    "next_attempt_at = ?, last_status = ? where delivery_id = ?",
                    (status, attempts, next_at, status_code, row["delivery_id"]),
                )
        return len(due)

    @staticmethod
    def _post(client: httpx.Client, row: sqlite3.Row) -> int | None:
        """POST one delivery, freshly signed; its HTTP status, or None when nothing answered."""
        try:
            response = client.post(
                row["url"],
                content=row["body"],
                headers=signed_headers(row["system"], row["secret"], row["body"], time.time()),
            )
        except httpx.HTTPError:
            return None
        return response.status_code

    def _hold_back(self, delivery_id: int, system: str) -> None:
        """Delay one delivery without counting an attempt, so later deliveries overtake it."""
        assert self.faults is not None
        self.faults.counters.add(system, "webhook_reordered")
        with self.store.transaction() as tx:
            tx.execute(
                "update sandbox_webhook_outbox set next_attempt_at = ? where delivery_id = ?",
                (time.time() + self.faults.profile.webhook_reorder_seconds, delivery_id),
            )
