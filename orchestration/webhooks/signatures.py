"""Signature checks of BambooHR and Gusto webhook deliveries.

- BambooHR: `X-BambooHR-Timestamp` (Unix seconds) and `X-BambooHR-Signature`, the hex
  HMAC-SHA256 of the body bytes followed by the timestamp (by default; the joining is
  unverified, so it is a setting), keyed with the webhook's private key.
  The timestamp is re-stamped on every delivery attempt, so a delivery older than the window is
  a replay, not a retry.
- Gusto: `X-Gusto-Signature`, the hex HMAC-SHA256 of the body keyed with the subscription's
  verification token. Gusto sends no timestamp and retries for hours, so its replays are caught
  by the event uuid in the inbox instead (`inbox.py`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

# How far a BambooHR timestamp may be from our clock, either way (Stripe and Slack use 5 minutes).
TIMESTAMP_WINDOW_SECONDS = 300

# What BambooHR signs: "payload + timestamp" in its docs, the exact joining unverified
# (CONVENTIONS.md), so a deployment may name another (CROSSWALK_WEBHOOK_BAMBOOHR_SIGNED).
BAMBOOHR_SIGNED_LAYOUTS: dict[str, Callable[[bytes, bytes], bytes]] = {
    "body+timestamp": lambda body, timestamp: body + timestamp,
    "timestamp+body": lambda body, timestamp: timestamp + body,
    "timestamp.body": lambda body, timestamp: timestamp + b"." + body,
}
BAMBOOHR_SIGNED_DEFAULT = "body+timestamp"


@dataclass(frozen=True)
class Rejected(Exception):
    """A delivery refused before it reaches the inbox: the HTTP status to answer and why."""

    status: int
    reason: str

    def __str__(self) -> str:
        return f"{self.status}: {self.reason}"


def _hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _matches_any(signature: str, secrets: Iterable[str], message: bytes) -> bool:
    # compare_digest on every secret: the time taken says nothing about which one came close.
    results = [hmac.compare_digest(_hex_hmac(s, message), signature) for s in secrets]
    return any(results)


def verify_bamboohr(
    body: bytes,
    headers: Mapping[str, str],
    private_keys: Iterable[str],
    now: float,
    window_seconds: float = TIMESTAMP_WINDOW_SECONDS,
    signed: str = BAMBOOHR_SIGNED_DEFAULT,
) -> None:
    """Raise Rejected unless a known key signed `body` with a timestamp inside the window.

    `signed` names how body and timestamp are joined before signing (BAMBOOHR_SIGNED_LAYOUTS).
    """
    layout = BAMBOOHR_SIGNED_LAYOUTS[signed]
    timestamp = headers.get("x-bamboohr-timestamp")
    signature = headers.get("x-bamboohr-signature")
    if not timestamp or not signature:
        raise Rejected(401, "unsigned: X-BambooHR-Timestamp and X-BambooHR-Signature required")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Rejected(401, "X-BambooHR-Timestamp is not Unix seconds") from None
    keys = list(private_keys)
    if not keys:
        raise Rejected(503, "no BambooHR webhook key is configured")
    if not _matches_any(signature, keys, layout(body, timestamp.encode())):
        raise Rejected(401, "signature does not match any BambooHR webhook key")
    # Checked after the signature, so a forger cannot learn the window from the answers.
    if abs(now - sent_at) > window_seconds:
        raise Rejected(401, f"stale: timestamp {sent_at} is more than {window_seconds:.0f} s away")


def verify_gusto(body: bytes, headers: Mapping[str, str], tokens: Iterable[str]) -> None:
    """Raise Rejected unless a verified subscription's token signed `body`."""
    signature = headers.get("x-gusto-signature")
    if not signature:
        raise Rejected(401, "unsigned: X-Gusto-Signature required")
    known = list(tokens)
    if not known:
        raise Rejected(503, "no verified Gusto webhook subscription")
    if not _matches_any(signature, known, body):
        raise Rejected(401, "signature does not match any verified Gusto subscription")
