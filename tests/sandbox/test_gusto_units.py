"""The Gusto emulator's pure pieces, without a server: rate window, API versions, paging, feed."""

from __future__ import annotations

from datetime import date

import pytest

from vendor_sandbox.gusto import events, subscriptions
from vendor_sandbox.gusto.auth import RateLimiter, bearer_of
from vendor_sandbox.gusto.errors import GustoError
from vendor_sandbox.gusto.pagination import page_headers, page_request
from vendor_sandbox.gusto.versioning import DEFAULT_VERSION, resolve_version


def test_rate_window_opens_on_first_call_and_closes_after_60_seconds() -> None:
    limiter = RateLimiter(limit=3)
    decisions = [limiter.hit("token", now=100.0 + i) for i in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[3].reset_in == pytest.approx(57.0)  # counted from the first call at 100 s
    assert limiter.hit("other", now=103.5).allowed  # windows are per token
    assert not limiter.hit("token", now=159.9).allowed
    reopened = limiter.hit("token", now=160.0)
    assert reopened.allowed and reopened.remaining == 2


def test_api_version_header() -> None:
    today = date(2026, 11, 22)
    assert resolve_version(None, today) == DEFAULT_VERSION
    assert resolve_version(" 2024-04-01 ", today) == "2024-04-01"
    for refused in ("2022-09-15", "2026-11-23", "latest", "2025-13-01"):
        with pytest.raises(GustoError) as caught:
            resolve_version(refused, today)
        assert caught.value.status == 406


def test_bearer_parsing() -> None:
    assert bearer_of("Bearer abc") == "abc"
    assert bearer_of("bearer  abc ") == "abc"
    assert bearer_of("Basic abc") is None
    assert bearer_of("Bearer ") is None
    assert bearer_of(None) is None


def test_page_request_and_headers() -> None:
    assert page_request(None, None) == page_request(1, 25)
    assert page_request(2, 500, max_per=100).per == 100
    headers = page_headers(page_request(3, 25), 542)
    assert headers == {
        "X-Page": "3",
        "X-Per-Page": "25",
        "X-Total-Count": "542",
        "X-Total-Pages": "22",
    }
    assert page_headers(page_request(1, 25), 0)["X-Total-Pages"] == "0"
    with pytest.raises(GustoError):
        page_request(0, 25)


def test_event_limit_and_stable_uuids() -> None:
    assert events.parse_limit(None) == 25
    assert events.parse_limit("100") == 100
    for refused in ("0", "101", "ten"):
        with pytest.raises(GustoError) as caught:
            events.parse_limit(refused)
        assert caught.value.status == 422
    company = "bdd640fb-0667-4ad1-9c80-317fa3b1799d"
    assert events.event_uuid(company, 7) == events.event_uuid(company, 7)
    assert events.event_uuid(company, 7) != events.event_uuid(company, 8)


def test_subscription_types_map_to_event_prefixes() -> None:
    assert subscriptions.PREFIX_OF_TYPE["Employee"] == "employee.*"
    assert subscriptions.PREFIX_OF_TYPE["EmployeeJobCompensation"] == "employee_job_compensation.*"
    assert subscriptions.PREFIX_OF_TYPE["PaySchedule"] == "pay_schedule.*"
    # An Employee subscription must not catch employee_benefit.* or employee_job_compensation.*.
    employee = subscriptions.PREFIX_OF_TYPE["Employee"].rstrip("*")
    assert not "employee_job_compensation.updated".startswith(employee)
    assert not "employee_benefit.created".startswith(employee)
