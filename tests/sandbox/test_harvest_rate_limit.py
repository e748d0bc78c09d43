"""Harvest's rate limit: 100 requests per 15 seconds per token, rolling; the 101st gets 429 with
Retry-After seconds and no X-RateLimit headers, and the refused request is not applied."""

from __future__ import annotations

import time

from tests.support.harvest import harvest_client, state
from tests.support.sandbox_process import SandboxProcess


def test_the_101st_request_in_15_seconds_is_refused_and_not_applied(
    fresh_sandbox: SandboxProcess,
) -> None:
    with harvest_client(fresh_sandbox) as hv:
        started = time.monotonic()
        statuses = [hv.get("/users/me").status_code for _ in range(100)]
        assert statuses == [200] * 100
        refused = hv.post("/clients", json={"name": "Throttled Client"})
        assert time.monotonic() - started < 15, "the machine was too slow to reach the limit"
        assert refused.status_code == 429
        retry_after = int(refused.headers["Retry-After"])
        assert 1 <= retry_after <= 15
        assert not [h for h in refused.headers if h.lower().startswith("x-ratelimit")]
        with state(fresh_sandbox) as db:
            assert (
                db.execute(
                    "select count(*) from harvest_clients where name = ?", ("Throttled Client",)
                ).fetchone()[0]
                == 0
            )
        time.sleep(retry_after)
        accepted = hv.get("/clients", params={"per_page": 2000})
        assert accepted.status_code == 200
        assert "Throttled Client" not in {c["name"] for c in accepted.json()["clients"]}
