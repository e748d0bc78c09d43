"""BambooHR's signed message is configurable: its docs say "payload + timestamp" without the
exact joining (CONVENTIONS.md: unverified), so a deployment names the one its tenant uses."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from orchestration.webhooks.receiver import SIGNED_ENV, create_app
from orchestration.webhooks.signatures import Rejected, verify_bamboohr

KEY = "webhook-private-key"
BODY = b'{"employees": [{"id": "7", "action": "Created"}]}'
SENT_AT = 1_780_000_000


def signed(message: bytes) -> dict[str, str]:
    signature = hmac.new(KEY.encode(), message, hashlib.sha256).hexdigest()
    return {"x-bamboohr-timestamp": str(SENT_AT), "x-bamboohr-signature": signature}


def test_each_layout_accepts_its_own_signature_and_refuses_the_others() -> None:
    stamp = str(SENT_AT).encode()
    messages = {
        "body+timestamp": BODY + stamp,
        "timestamp+body": stamp + BODY,
        "timestamp.body": stamp + b"." + BODY,
    }
    for layout in messages:
        for signed_as, message in messages.items():
            if signed_as == layout:
                verify_bamboohr(BODY, signed(message), [KEY], SENT_AT, signed=layout)
                continue
            with pytest.raises(Rejected, match="signature does not match"):
                verify_bamboohr(BODY, signed(message), [KEY], SENT_AT, signed=layout)


def test_a_layout_the_receiver_does_not_know_stops_it_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SIGNED_ENV, "body|timestamp")
    with pytest.raises(ValueError, match="body\\|timestamp.*none of: body\\+timestamp"):
        create_app(tmp_path / "ops.sqlite")
    assert not (tmp_path / "ops.sqlite").exists()  # refused before it opened anything
