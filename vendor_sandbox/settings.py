"""Settings of one sandbox instance; built by the CLI or a test, never read from the environment."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Size = Literal["small", "medium", "large"]
FaultProfileName = Literal["none", "default", "heavy"]


class SandboxSettings(BaseModel):
    """How to build and serve one sandbox firm."""

    size: Size = "small"
    seed: int = 42
    host: str = "127.0.0.1"
    port: int = 8700
    faults: FaultProfileName = "none"
    dirty_rate: float = Field(default=0.0, ge=0.0, le=0.5)
    state_path: Path = Path("data/sandbox.sqlite")
    # The business day the firm's history ends on; the clock starts at its midnight (UTC).
    start_date: date = date(2026, 3, 4)  # a Wednesday: day one has approvals to post
    # Vendors' own rate limits (Harvest 100/15 s, Gusto 200/min, NetSuite concurrency).
    rate_limits: bool = True
    # Gusto: rotate a company's refresh token on every exchange, as Gusto does (off by default so
    # the documented fixture credentials stay valid across runs; docs/decisions.md).
    rotate_refresh_tokens: bool = False
    # NetSuite TBA: verify the OAuth 1.0a HMAC-SHA256 signature, or accept any well-formed header.
    check_tba_signature: bool = True
    # Webhook delivery: seconds between retries grow from this base.
    webhook_retry_base_seconds: float = 1.0
