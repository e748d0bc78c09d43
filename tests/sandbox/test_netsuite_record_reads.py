"""Record API reads: record shapes, external-id lookups, collections filtered by `q`.

A record leaves empty fields out, shows references as `{id, refName, links}`, booleans as
true/false and amounts as numbers; SuiteQL shows the same data as strings. Collections list ids
page by page and filter with NetSuite's `q` syntax; what the sandbox cannot read is refused.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.sandbox_process import SandboxProcess

BEARER = {"Authorization": "Bearer sandbox-token"}


def rest(sandbox: SandboxProcess, path: str, **params: object) -> httpx.Response:
    return httpx.get(f"{sandbox.base('netsuite')}{path}", params=params, headers=BEARER)


def suiteql(sandbox: SandboxProcess, q: str) -> list[dict]:
    response = httpx.post(
        f"{sandbox.base('netsuite')}/query/v1/suiteql",
        json={"q": q},
        headers={**BEARER, "Prefer": "transient"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_employee_record_matches_suiteql(sandbox: SandboxProcess) -> None:
    row = suiteql(
        sandbox,
        "SELECT e.*, TO_CHAR(e.releasedate, 'YYYY-MM-DD') AS released, "
        'TO_CHAR(e.lastmodifieddate, \'YYYY-MM-DD"T"HH24:MI:SS"Z"\') AS modified '
        "FROM employee e WHERE e.releasedate IS NOT NULL ORDER BY e.id",
    )[0]
    record = rest(sandbox, f"/record/v1/employee/{row['id']}").json()
    assert record["id"] == row["id"]
    assert record["links"][0]["href"].endswith(f"/record/v1/employee/{row['id']}")
    assert (record["firstName"], record["lastName"], record["email"]) == (
        row["firstname"],
        row["lastname"],
        row["email"],
    )
    assert record["isInactive"] is (row["isinactive"] == "T")
    assert record["laborCost"] == float(row["laborcost"])
    # The Record API's dates are ISO whatever the user's date format preference SuiteQL uses.
    assert record["releaseDate"] == row["released"]
    assert record["subsidiary"]["id"] == row["subsidiary"]
    subsidiary = rest(sandbox, f"/record/v1/subsidiary/{row['subsidiary']}").json()
    assert record["subsidiary"]["refName"] == subsidiary["name"]
    assert record["lastModifiedDate"] == row["modified"]
    # Empty fields are left out: a record without a supervisor has no `supervisor` key.
    head = suiteql(sandbox, "SELECT id FROM employee WHERE supervisor IS NULL")[0]["id"]
    assert "supervisor" not in rest(sandbox, f"/record/v1/employee/{head}").json()


def test_journal_lines_come_with_expand_sub_resources(sandbox: SandboxProcess) -> None:
    journal = suiteql(sandbox, "SELECT id FROM transaction ORDER BY id")[0]["id"]
    plain = rest(sandbox, f"/record/v1/journalentry/{journal}").json()
    assert set(plain["line"]) == {"links"}
    expanded = rest(sandbox, f"/record/v1/journalEntry/{journal}", expandSubResources="true")
    lines = expanded.json()["line"]
    count = suiteql(
        sandbox, f"SELECT COUNT(*) AS n FROM transactionline WHERE transaction = {journal}"
    )
    assert lines["count"] == lines["totalResults"] == int(count[0]["n"])
    debits = sum(item.get("debit", 0) for item in lines["items"])
    credits = sum(item.get("credit", 0) for item in lines["items"])
    assert round(debits, 2) == round(credits, 2)
    assert rest(sandbox, f"/record/v1/journalentry/{journal}/line").json() == lines


def test_lookups_by_external_id_and_unknowns(sandbox: SandboxProcess) -> None:
    job = suiteql(sandbox, "SELECT id, entityid FROM job ORDER BY id")[0]
    assert rest(sandbox, f"/record/v1/job/{job['id']}").json()["entityId"] == job["entityid"]
    missing = rest(sandbox, "/record/v1/employee/eid:no-such-person")
    assert missing.status_code == 404
    assert missing.json()["o:errorDetails"][0]["o:errorCode"] == "NONEXISTENT_ID"
    assert rest(sandbox, "/record/v1/timebill/1").status_code == 404
    assert rest(sandbox, "/record/v1/employee/not-an-id").status_code == 400


def test_collection_pages_and_q_filters_agree_with_suiteql(sandbox: SandboxProcess) -> None:
    first = rest(sandbox, "/record/v1/employee", limit=50).json()
    ids = [item["id"] for item in first["items"]]
    page = first
    while page["hasMore"]:
        next_url = {link["rel"]: link["href"] for link in page["links"]}["next"]
        page = httpx.get(next_url, headers=BEARER).json()
        ids += [item["id"] for item in page["items"]]
    everyone = [r["id"] for r in suiteql(sandbox, "SELECT id FROM employee ORDER BY id")]
    assert ids == everyone == [str(i) for i in sorted(map(int, ids))]
    filtered = rest(
        sandbox,
        "/record/v1/employee",
        q='subsidiary ANY_OF [2, 3] AND isInactive IS false AND hireDate ON_OR_AFTER "2024-01-01"',
    ).json()
    expected = suiteql(
        sandbox,
        "SELECT id FROM employee WHERE subsidiary IN (2, 3) AND isinactive = 'F' "
        "AND hiredate >= TO_DATE('2024-01-01', 'YYYY-MM-DD') ORDER BY id",
    )
    assert [i["id"] for i in filtered["items"]] == [r["id"] for r in expected]
    changed = rest(sandbox, "/record/v1/employee", q='lastModifiedDate AFTER "2/1/2026"').json()
    expected = suiteql(
        sandbox,
        "SELECT id FROM employee WHERE lastmodifieddate >= "
        "TO_DATE('2026-02-02 00:00:00', 'YYYY-MM-DD HH24:MI:SS') ORDER BY id",
    )
    assert [i["id"] for i in changed["items"]] == [r["id"] for r in expected]


@pytest.mark.parametrize("q", ["bogus IS 1", "email IS", 'email IS "a" OR email IS "b"'])
def test_unreadable_q_is_refused(sandbox: SandboxProcess, q: str) -> None:
    response = rest(sandbox, "/record/v1/employee", q=q)
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorQueryParam"] == "q"


def test_reference_records_are_read_only(sandbox: SandboxProcess) -> None:
    before = suiteql(sandbox, "SELECT name FROM subsidiary WHERE id = 1")
    response = httpx.patch(
        f"{sandbox.base('netsuite')}/record/v1/subsidiary/1",
        json={"name": "Renamed"},
        headers=BEARER,
    )
    assert response.status_code == 405
    assert suiteql(sandbox, "SELECT name FROM subsidiary WHERE id = 1") == before
