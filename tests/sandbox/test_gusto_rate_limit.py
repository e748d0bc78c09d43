"""Gusto's rate limit: 200 requests per access token per minute window, X-RateLimit-* headers on
every answer, 429 + Retry-After beyond, and a refused request changes nothing.
"""

from __future__ import annotations

from tests.support.gusto import open_session
from tests.support.sandbox_process import SandboxProcess

LIMIT = 200


def test_the_201st_request_is_refused_and_not_applied(fresh_sandbox: SandboxProcess) -> None:
    gusto = open_session(fresh_sandbox)  # its token_info call is request 1 of the window
    second = None
    try:
        listing = gusto.get(f"/v1/companies/{gusto.company_uuid}/employees", per=5)  # request 2
        employee = next(e for e in listing.json() if e["jobs"])
        assert listing.headers["X-RateLimit-Limit"] == str(LIMIT)
        assert listing.headers["X-RateLimit-Remaining"] == str(LIMIT - 2)
        assert listing.headers["X-RateLimit-Reset"]
        for used in range(3, LIMIT + 1):
            response = gusto.get("/v1/token_info")
            assert response.status_code == 200
            assert response.headers["X-RateLimit-Remaining"] == str(LIMIT - used)

        refused = gusto.client.put(
            f"/v1/employees/{employee['uuid']}",
            json={"version": employee["version"], "first_name": "Throttled"},
        )
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        assert refused.json()["errors"][0]["category"] == "rate_limit_exceeded"
        assert gusto.get("/v1/token_info").status_code == 429  # the window stays spent

        # A new token has a window of its own: it sees the employee as it was.
        second = open_session(fresh_sandbox)
        kept = second.get(f"/v1/employees/{employee['uuid']}").json()
        assert kept["first_name"] == employee["first_name"]
        assert kept["version"] == employee["version"]
        feed = second.events(limit="100").json()
        assert employee["uuid"] not in {
            e["entity_uuid"] for e in feed if e["event_type"] == "employee.updated"
        }
    finally:
        gusto.close()
        if second is not None:
            second.close()
