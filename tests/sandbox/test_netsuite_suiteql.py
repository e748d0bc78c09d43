"""SuiteQL over plain HTTP: paging, string values, refusals, dates, and both kinds of auth.

SuiteQL answers strings only and leaves null fields out of an item; pages are at most 1000
rows and `links` carry the next page. Queries outside the supported SELECT subset are refused
with 400 and leave the data as it was. TBA headers here are signed with oauthlib, an
implementation independent of both the sandbox and the `netsuite` library.
"""

from __future__ import annotations

from datetime import date, datetime

import httpx
import pytest
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client

from tests.support.sandbox_process import SandboxProcess

BEARER = {"Authorization": "Bearer sandbox-token"}
TRANSIENT = {**BEARER, "Prefer": "transient"}


def suiteql(
    sandbox: SandboxProcess, q: str, *, headers: dict | None = None, **params: object
) -> httpx.Response:
    return httpx.post(
        f"{sandbox.base('netsuite')}/query/v1/suiteql",
        params=params,
        json={"q": q},
        headers=TRANSIENT if headers is None else headers,
        timeout=60,
    )


def items(sandbox: SandboxProcess, q: str) -> list[dict]:
    response = suiteql(sandbox, q, limit=1000)
    assert response.status_code == 200, response.text
    assert response.json()["hasMore"] is False
    return response.json()["items"]


def tba_headers(url: str, method: str = "POST", **overrides: str) -> dict[str, str]:
    signer = Client(
        overrides.get("consumer_key", "sandbox-consumer"),
        client_secret=overrides.get("consumer_secret", "sandbox-consumer-secret"),
        resource_owner_key="sandbox-token-id",
        resource_owner_secret="sandbox-token-secret",
        signature_method=SIGNATURE_HMAC_SHA256,
        realm="SANDBOX",
    )
    _, headers, _ = signer.sign(url, http_method=method)
    return headers


def test_pages_follow_next_links_to_every_row(sandbox: SandboxProcess) -> None:
    q = "SELECT id, entityid FROM job ORDER BY id"
    everything = [i["id"] for i in items(sandbox, q)]
    page = suiteql(sandbox, q, limit=7, offset=0).json()
    assert page["totalResults"] == len(everything) > 7
    assert page["count"] == 7 and page["hasMore"] is True and page["offset"] == 0
    collected = [i["id"] for i in page["items"]]
    while page["hasMore"]:
        rels = {link["rel"]: link["href"] for link in page["links"]}
        assert rels["self"].endswith(f"limit=7&offset={page['offset']}")
        response = httpx.post(rels["next"], json={"q": q}, headers=TRANSIENT, timeout=30)
        page = response.json()
        collected += [i["id"] for i in page["items"]]
    assert collected == everything
    assert "next" not in {link["rel"] for link in page["links"]}
    assert page["count"] == len(everything) - page["offset"]


def test_values_are_strings_and_nulls_are_left_out(sandbox: SandboxProcess) -> None:
    rows = items(
        sandbox,
        "SELECT id, releasedate, laborcost, isinactive, supervisor FROM employee ORDER BY id",
    )
    assert all(item["links"] == [] for item in rows)
    assert all(isinstance(v, str) for item in rows for k, v in item.items() if k != "links")
    without = [item for item in rows if "releasedate" not in item]
    with_release = [item for item in rows if "releasedate" in item]
    assert without and with_release, "the firm has leavers and stayers"
    assert all(item["isinactive"] == "T" for item in with_release)
    count = items(sandbox, "SELECT COUNT(*) FROM employee WHERE releasedate IS NULL")
    assert count == [{"links": [], "expr1": str(len(without))}]


def test_joins_aggregates_and_aliases(sandbox: SandboxProcess) -> None:
    rows = items(
        sandbox,
        "SELECT t.id, t.tranid, COUNT(*) AS line_count FROM transaction t "
        "JOIN transactionline tl ON tl.transaction = t.id "
        "WHERE t.type = 'Journal' GROUP BY t.id, t.tranid ORDER BY line_count DESC, t.id",
    )
    assert rows and all(set(r) == {"links", "id", "tranid", "line_count"} for r in rows)
    counts = [int(r["line_count"]) for r in rows]
    assert counts == sorted(counts, reverse=True)
    total = items(sandbox, "SELECT COUNT(*) AS n FROM transactionline")[0]["n"]
    assert sum(counts) == int(total)


def _preference(moment: date) -> str:
    """How NetSuite shows a date by a US account's date format preference (M/D/YYYY)."""
    return f"{moment.month}/{moment.day}/{moment.year}"


def test_dates_come_back_by_the_user_preference_unless_to_char_formats_them(
    sandbox: SandboxProcess,
) -> None:
    rows = items(
        sandbox,
        "SELECT id, lastmodifieddate, hiredate, "
        "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS stamp, "
        "TO_CHAR(lastmodifieddate, 'yyyy-mm-dd\"T\"hh24:mi:ss') AS iso, "
        "TO_CHAR(hiredate, 'YYYY-MM-DD') AS hired FROM employee",
    )
    assert rows and all("hiredate" in row for row in rows)
    for row in rows:
        stamp = datetime.strptime(row["stamp"], "%Y-%m-%d %H:%M:%S")
        # Bare, a date/time field is its date alone, in the preference's form.
        assert row["lastmodifieddate"] == _preference(stamp), row
        assert row["iso"] == stamp.isoformat(), row
        assert row["hiredate"] == _preference(date.fromisoformat(row["hired"])), row
    # Sorted as dates, not as their text ('12/1/2025' before '3/2/2026').
    by_alias = items(sandbox, "SELECT id, hiredate AS hired FROM employee ORDER BY hired, id")
    shown = [datetime.strptime(row["hired"], "%m/%d/%Y").date() for row in by_alias]
    assert shown == sorted(shown) and len({d.month for d in shown}) > 1
    newest = max(datetime.strptime(row["stamp"], "%Y-%m-%d %H:%M:%S") for row in rows)
    (latest,) = items(sandbox, "SELECT MAX(lastmodifieddate) AS newest FROM employee")
    assert latest["newest"] == _preference(newest)


def test_to_date_compares_timestamps_and_dates(sandbox: SandboxProcess) -> None:
    rows = items(
        sandbox,
        'SELECT id, TO_CHAR(lastmodifieddate, \'YYYY-MM-DD"T"HH24:MI:SS"Z"\') AS lastmodifieddate, '
        "TO_CHAR(hiredate, 'YYYY-MM-DD') AS hiredate FROM employee",
    )
    cutoff = "2026-02-01T00:00:00Z"
    expected = {r["id"] for r in rows if r["lastmodifieddate"] >= cutoff}
    got = items(
        sandbox,
        "SELECT id FROM employee WHERE lastmodifieddate >= "
        "TO_DATE('2026-02-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS')",
    )
    assert {r["id"] for r in got} == expected
    hired = {r["id"] for r in rows if r["hiredate"] >= "2025-06-01"}
    for literal in (
        "TO_DATE('2025-06-01', 'YYYY-MM-DD')",
        "TO_DATE('2025-06-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS')",
    ):
        got = items(sandbox, f"SELECT id FROM employee WHERE hiredate >= {literal}")
        assert {r["id"] for r in got} == hired
    window = items(
        sandbox,
        "SELECT id FROM employee WHERE hiredate BETWEEN TO_DATE('2025-01-01', 'YYYY-MM-DD') "
        "AND TO_DATE('2025-12-31', 'YYYY-MM-DD')",
    )
    assert {r["id"] for r in window} == {
        r["id"] for r in rows if date(2025, 1, 1).isoformat() <= r["hiredate"] <= "2025-12-31"
    }


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 1001}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": 100000}, "offset"),
        ({"offset": 5000}, "offset"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_paging_limits(sandbox: SandboxProcess, params: dict, param: str) -> None:
    response = suiteql(sandbox, "SELECT id FROM employee", **params)
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "INVALID_PARAMETER"
    assert detail["o:errorQueryParam"] == param


def test_suiteql_needs_prefer_transient(sandbox: SandboxProcess) -> None:
    response = suiteql(sandbox, "SELECT id FROM employee", headers=BEARER)
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorHeader"] == "Prefer"


@pytest.mark.parametrize(
    ("q", "named"),
    [
        ("DELETE FROM employee", "DELETE"),
        ("UPDATE employee SET email = 'x'", "UPDATE"),
        ("DROP TABLE ns_employee", "DROP"),
        ("INSERT INTO employee (id) VALUES (1)", "INSERT"),
        ("SELECT id FROM employee; DELETE FROM employee", "one SELECT"),
        ("SELECT id FROM payrollitem", "Record 'payrollitem' was not found"),
        ("SELECT id FROM ns_idempotency", "Record 'ns_idempotency' was not found"),
        ("SELECT salary FROM employee", "Field 'salary' for record 'employee' was not found"),
        ("SELECT id FROM employee WHERE id IN (SELECT id FROM job)", "Subqueries"),
        ("SELECT sqlite_version() FROM employee", "SQLITE_VERSION"),
        ("SELECT id FROM employee WHERE ROWNUM <= 5", "ROWNUM"),
        ("SELECT id FROM employee UNION SELECT id FROM job", "UNION"),
        ("SELECT id FROM", "Syntax error"),
        ("SELECT TO_CHAR(id) FROM employee", "TO_CHAR is supported for date fields only"),
        ("SELECT TO_CHAR(hiredate, 'DY') FROM employee", "format 'DY' is not supported"),
        ("SELECT TO_CHAR(hiredate, 'YYYY-MM-DDTHH24') FROM employee", "not supported at 'THH24'"),
    ],
)
def test_refused_queries_change_nothing(sandbox: SandboxProcess, q: str, named: str) -> None:
    before = httpx.get(f"{sandbox.base('control')}/truth/counts").json()["netsuite"]
    response = suiteql(sandbox, q)
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "INVALID_PARAMETER" and detail["o:errorQueryParam"] == "q"
    assert named in detail["detail"]
    assert httpx.get(f"{sandbox.base('control')}/truth/counts").json()["netsuite"] == before
    assert items(sandbox, "SELECT COUNT(*) AS n FROM employee")[0]["n"] == str(before["employees"])


def test_tba_signed_request_is_accepted(sandbox: SandboxProcess) -> None:
    url = f"{sandbox.base('netsuite')}/query/v1/suiteql?limit=5&offset=0"
    headers = {**tba_headers(url), "Prefer": "transient", "Content-Type": "application/json"}
    response = httpx.post(url, content=b'{"q": "SELECT id FROM subsidiary"}', headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["count"] == 3
    # The same header again: NetSuite refuses a replayed nonce.
    replay = httpx.post(url, content=b'{"q": "SELECT id FROM subsidiary"}', headers=headers)
    assert replay.status_code == 401


def test_tba_refusals(sandbox: SandboxProcess) -> None:
    url = f"{sandbox.base('netsuite')}/record/v1/employee/5000"
    signed_for_other_url = tba_headers(url.replace("5000", "5001"), method="GET")
    wrong_secret = tba_headers(url, method="GET", consumer_secret="guess")
    wrong_consumer = tba_headers(url, method="GET", consumer_key="someone-else")
    for headers in (
        signed_for_other_url,
        wrong_secret,
        wrong_consumer,
        {},
        {"Authorization": "Bearer not-the-token"},
    ):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401
        assert response.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"
    assert httpx.get(url, headers=tba_headers(url, method="GET")).status_code == 200


def test_a_query_beyond_the_pageable_results_counts_no_further(sandbox: SandboxProcess) -> None:
    # Employees joined with employees: ~40,000 rows on the small firm, ×3 subsidiaries beyond
    # the 100,000 results a query can page through. The count stops one past that bound (each
    # page of a keyset scan would otherwise count every remaining row); pages are unchanged.
    (n,) = (int(i["n"]) for i in items(sandbox, "SELECT COUNT(*) AS n FROM employee"))
    (subsidiaries,) = (int(i["n"]) for i in items(sandbox, "SELECT COUNT(*) AS n FROM subsidiary"))
    assert n * n * subsidiaries > 100_000
    q = "SELECT a.id FROM employee a JOIN employee b ON a.id <> -1 JOIN subsidiary s ON s.id <> -1"
    page = suiteql(sandbox, q, limit=1000, offset=0).json()
    assert page["totalResults"] == 100_001
    assert page["count"] == 1000 and page["hasMore"] is True
    small = suiteql(sandbox, "SELECT id FROM employee", limit=5, offset=0).json()
    assert small["totalResults"] == n  # below the bound the count is exact
