"""Pacing is per target tenant: the vendors publish their limits per token (one per tenant)."""

from __future__ import annotations

import time
from pathlib import Path

from orchestration.push.pacing import Pacer, PublishedLimit

# 3 requests (95% of 4, rounded down) per 3 s.
LIMIT = PublishedLimit(4, 3.0)


def test_a_tenant_whose_budget_is_spent_does_not_hold_up_another(tmp_path: Path) -> None:
    path = tmp_path / "pacing.sqlite"
    acme = Pacer("harvest", "harvest_acme", LIMIT, path)
    beta = Pacer("harvest", "harvest_beta", LIMIT, path)
    try:
        for _ in range(3):
            acme.acquire()  # acme's window is now full for 3 s
        started = time.monotonic()
        beta.acquire()
        # beta's first request is admitted at once, not when acme's window frees.
        beta_waited = time.monotonic() - started
        acme.acquire()
        acme_waited = time.monotonic() - started
        assert beta_waited < LIMIT.per_seconds / 3
        # acme's fourth waits for its window (held back, not admitted).
        assert acme_waited > LIMIT.per_seconds / 2
    finally:
        acme.close()
        beta.close()
