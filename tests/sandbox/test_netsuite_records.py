"""NetSuite record writes: upsert by external id, idempotent async writes, deletions, governance.

Writes share one private sandbox per module (rate limits on, as in `fresh_sandbox`); each test
uses its own external ids. The concurrency test gets a sandbox of its own: it keeps the
account's five request slots busy with slow queries and checks that a write arriving then is
refused with 429 and not applied.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.sandbox_process import SandboxProcess, start_sandbox

BEARER = {"Authorization": "Bearer sandbox-token"}
ASYNC = {**BEARER, "Prefer": "respond-async"}
# About a third of a second per request: a self-join of every journal's lines, counted.
SLOW_QUERY = (
    "SELECT COUNT(*) FROM transactionline a JOIN transactionline b ON a.transaction = b.transaction"
)


@pytest.fixture(scope="module")
def erp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox(tmp_path_factory.mktemp("netsuite-writes"))
    yield process
    process.stop()


def rest(sandbox: SandboxProcess, method: str, path: str, **kwargs: object) -> httpx.Response:
    kwargs.setdefault("headers", BEARER)
    return httpx.request(method, f"{sandbox.base('netsuite')}{path}", timeout=60, **kwargs)


def suiteql(sandbox: SandboxProcess, q: str) -> list[dict]:
    response = rest(
        sandbox,
        "POST",
        "/query/v1/suiteql",
        json={"q": q},
        headers={**BEARER, "Prefer": "transient"},
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


def eid() -> str:
    return f"CW-{uuid.uuid4().hex[:12]}"


def employee_body(**overrides: object) -> dict:
    return {
        "firstName": "Noor",
        "lastName": "Haddad",
        "subsidiary": {"id": "1"},
        "department": {"id": "101"},
        "email": f"{uuid.uuid4().hex[:8]}@acme.example",
        **overrides,
    }


def journal_body(external_id: str | None = None, credit: str = "120.00") -> dict:
    body: dict = {
        "tranDate": "2026-03-02",
        "subsidiary": {"id": "1"},
        "memo": f"crosswalk labour {uuid.uuid4().hex[:6]}",
        "line": {
            "items": [
                {
                    "account": {"id": "5000"},
                    "debit": 120.0,
                    "entity": {"id": "5000"},
                    "custcol_cw_time_entry": "1000000001",
                    "custcol_cw_hours": 1.5,
                },
                {"account": {"id": "2100"}, "credit": credit},
            ]
        },
    }
    if external_id:
        body["externalId"] = external_id
    return body


def duplicates(sandbox: SandboxProcess) -> list[dict]:
    return httpx.get(f"{sandbox.base('control')}/truth/duplicates").json()["duplicates"]


def test_upsert_by_external_id_twice_keeps_one_record(erp: SandboxProcess) -> None:
    key = eid()
    first = rest(erp, "PUT", f"/record/v1/employee/eid:{key}", json=employee_body(title="A"))
    assert first.status_code == 204
    second = rest(erp, "PUT", f"/record/v1/employee/eid:{key}", json=employee_body(title="B"))
    assert second.status_code == 204
    assert first.headers["Location"] == second.headers["Location"]
    rows = suiteql(erp, f"SELECT id, title FROM employee WHERE externalid = '{key}'")
    assert [r["title"] for r in rows] == ["B"]
    assert first.headers["Location"].endswith(f"/record/v1/employee/{rows[0]['id']}")
    assert rows[0]["id"] not in {d["remote_id"] for d in duplicates(erp)}


def test_patch_bumps_last_modified(erp: SandboxProcess) -> None:
    key = eid()
    created = rest(erp, "POST", "/record/v1/employee", json=employee_body(externalId=key))
    assert created.status_code == 204
    record_url = created.headers["Location"]
    before = httpx.get(record_url, headers=BEARER).json()
    httpx.post(f"{erp.base('control')}/advance", params={"days": 1}, timeout=300)
    patched = httpx.patch(record_url, headers=BEARER, json={"title": "Manager", "isInactive": True})
    assert patched.status_code == 204
    after = httpx.get(record_url, headers=BEARER).json()
    assert (after["title"], after["isInactive"]) == ("Manager", True)
    assert after["lastModifiedDate"] > before["lastModifiedDate"]
    stamp = after["lastModifiedDate"].replace("T", " ").rstrip("Z")
    rows = suiteql(
        erp,
        f"SELECT id FROM employee WHERE externalid = '{key}' AND lastmodifieddate >= "
        f"TO_DATE('{stamp}', 'YYYY-MM-DD HH24:MI:SS')",
    )
    assert [r["id"] for r in rows] == [after["id"]]


def test_create_with_a_taken_external_id_is_refused(erp: SandboxProcess) -> None:
    key = eid()
    assert rest(erp, "POST", "/record/v1/employee", json=employee_body(externalId=key)).is_success
    again = rest(erp, "POST", "/record/v1/employee", json=employee_body(externalId=key))
    assert again.status_code == 400
    assert again.json()["o:errorDetails"][0]["o:errorCode"] == "DUP_RCRD"
    assert len(suiteql(erp, f"SELECT id FROM employee WHERE externalid = '{key}'")) == 1


def test_create_without_external_id_over_a_taken_email_is_a_duplicate(
    erp: SandboxProcess,
) -> None:
    email = suiteql(erp, "SELECT email FROM employee WHERE id = 5003")[0]["email"]
    created = rest(erp, "POST", "/record/v1/employee", json=employee_body(email=email.upper()))
    assert created.status_code == 204
    new_id = created.headers["Location"].rsplit("/", 1)[1]
    found = [d for d in duplicates(erp) if d["remote_id"] == new_id]
    assert len(found) == 1
    assert (found[0]["system"], found[0]["entity"], found[0]["duplicate_of"]) == (
        "netsuite",
        "employees",
        "5003",
    )


def test_idempotency_key_reuse_is_refused_and_applies_nothing(erp: SandboxProcess) -> None:
    key, idempotency = eid(), str(uuid.uuid4())
    headers = {**ASYNC, "X-NetSuite-Idempotency-Key": idempotency}
    accepted = rest(erp, "POST", "/record/v1/journalentry", json=journal_body(key), headers=headers)
    assert accepted.status_code == 202
    assert accepted.headers["Preference-Applied"] == "respond-async"
    job_url = accepted.headers["Location"]
    job = httpx.get(job_url, headers=BEARER).json()
    assert (job["completed"], job["status"], job["progress"]) == (True, "succeeded", "succeeded")
    task = httpx.get(f"{job_url}/task", headers=BEARER).json()["items"][0]
    result = httpx.get(f"{task['links'][0]['href']}/result", headers=BEARER)
    assert result.status_code == 204
    assert "/record/v1/journalentry/" in result.headers["Location"]
    again = rest(erp, "POST", "/record/v1/journalentry", json=journal_body(key), headers=headers)
    assert again.status_code == 400
    assert again.json()["o:errorDetails"][0]["o:errorCode"] == "IDEMPOTENCY_ERROR"
    assert again.headers["Location"] == job_url
    rows = suiteql(
        erp,
        f"SELECT t.id, COUNT(*) AS lines FROM transaction t JOIN transactionline l "
        f"ON l.transaction = t.id WHERE t.externalid = '{key}' GROUP BY t.id",
    )
    assert len(rows) == 1 and rows[0]["lines"] == "2"


def test_failed_async_write_is_a_failed_job(erp: SandboxProcess) -> None:
    memo_key = eid()
    body = journal_body(memo_key, credit="100.00")  # out of balance
    accepted = rest(erp, "POST", "/record/v1/journalEntry", json=body, headers=ASYNC)
    assert accepted.status_code == 202
    job_url = accepted.headers["Location"]
    job = httpx.get(job_url, headers=BEARER).json()
    assert job["status"] == "failed"
    result = httpx.get(f"{job_url}/task/{job['id']}/result", headers=BEARER)
    assert result.status_code == 400
    assert "out of balance" in result.json()["o:errorDetails"][0]["detail"]
    assert suiteql(erp, f"SELECT id FROM transaction WHERE externalid = '{memo_key}'") == []


def test_unbalanced_journal_is_refused(erp: SandboxProcess) -> None:
    key = eid()
    response = rest(erp, "POST", "/record/v1/journalentry", json=journal_body(key, "119.99"))
    assert response.status_code == 400
    assert suiteql(erp, f"SELECT id FROM transaction WHERE externalid = '{key}'") == []


def test_journal_round_trip(erp: SandboxProcess) -> None:
    key = eid()
    created = rest(erp, "POST", "/record/v1/journalentry", json=journal_body(key))
    assert created.status_code == 204
    record = httpx.get(
        created.headers["Location"], params={"expandSubResources": "true"}, headers=BEARER
    ).json()
    assert record["externalId"] == key and record["approvalStatus"]["refName"] == "Approved"
    lines = record["line"]["items"]
    assert [(ln["line"], ln["account"]["id"]) for ln in lines] == [(1, "5000"), (2, "2100")]
    assert lines[0]["debit"] == 120.0 and lines[0]["custcol_cw_hours"] == 1.5
    # SuiteQL: the line's own fields on transactionline, its GL impact on its accounting line.
    rows = suiteql(
        erp,
        "SELECT l.custcol_cw_time_entry, l.debitforeignamount, l.subsidiary, gl.account, "
        "gl.debit, gl.credit, gl.posting FROM transactionline l "
        "JOIN transaction t ON t.id = l.transaction "
        "JOIN transactionaccountingline gl "
        "ON gl.transaction = l.transaction AND gl.transactionline = l.id "
        f"WHERE t.externalid = '{key}' ORDER BY l.id",
    )
    assert rows == [
        {
            "links": [],
            "custcol_cw_time_entry": "1000000001",
            "debitforeignamount": "120.00",
            "subsidiary": "1",
            "account": "5000",
            "debit": "120.00",
            "posting": "T",
        },
        {"links": [], "subsidiary": "1", "account": "2100", "credit": "120.00", "posting": "T"},
    ]
    # As on a real account, transactionline has no debit or credit of its own.
    refused = rest(
        erp,
        "POST",
        "/query/v1/suiteql",
        json={"q": "SELECT debit FROM transactionline"},
        headers={**BEARER, "Prefer": "transient"},
    )
    assert refused.status_code == 400 and "NOT_EXPOSED" in refused.text


def test_delete_leaves_a_deletedrecord_row(erp: SandboxProcess) -> None:
    key = eid()
    created = rest(erp, "POST", "/record/v1/employee", json=employee_body(externalId=key))
    record_id = created.headers["Location"].rsplit("/", 1)[1]
    before = httpx.get(f"{erp.base('control')}/truth/counts").json()["netsuite"]
    deleted = rest(erp, "DELETE", f"/record/v1/employee/eid:{key}")
    assert deleted.status_code == 204
    assert rest(erp, "GET", f"/record/v1/employee/{record_id}").status_code == 404
    rows = suiteql(
        erp,
        "SELECT recordtype, recordid, externalid, deleteddate FROM deletedrecord "
        f"WHERE recordid = {record_id}",
    )
    assert [(r["recordtype"], r["externalid"]) for r in rows] == [("employee", key)]
    after = httpx.get(f"{erp.base('control')}/truth/counts").json()["netsuite"]
    assert after["employees"] == before["employees"] - 1
    assert rest(erp, "DELETE", f"/record/v1/employee/{record_id}").status_code == 404


def test_unknown_fields_follow_property_name_validation(erp: SandboxProcess) -> None:
    key = eid()
    strict = {**BEARER, "X-NetSuite-PropertyNameValidation": "error"}
    refused = rest(
        erp,
        "PUT",
        f"/record/v1/employee/eid:{key}",
        json=employee_body(favouriteColour="teal"),
        headers=strict,
    )
    assert refused.status_code == 400
    assert suiteql(erp, f"SELECT id FROM employee WHERE externalid = '{key}'") == []
    lenient = rest(
        erp, "PUT", f"/record/v1/employee/eid:{key}", json=employee_body(favouriteColour="teal")
    )
    assert lenient.status_code == 204
    bad_reference = rest(
        erp,
        "PATCH",
        lenient.headers["Location"].split("/rest", 1)[1],
        json={"department": {"id": "999"}},
    )
    assert bad_reference.status_code == 400
    record = httpx.get(lenient.headers["Location"], headers=BEARER).json()
    assert record["department"]["id"] == "101"


def slow_query(sandbox: SandboxProcess, start: threading.Barrier) -> None:
    """One request that holds an account slot for a while, started with the others."""
    start.wait()
    rest(
        sandbox,
        "POST",
        "/query/v1/suiteql",
        json={"q": SLOW_QUERY},
        headers={**BEARER, "Prefer": "transient"},
    )


def test_concurrency_over_the_limit_is_refused_and_not_applied(
    fresh_sandbox: SandboxProcess,
) -> None:
    limits = rest(fresh_sandbox, "GET", "/system/v1/governanceLimits").json()
    assert limits["accountConcurrencyLimit"] == 5 and limits["enforced"] is True
    refused_keys: list[str] = []
    applied_keys: list[str] = []
    for _ in range(5):
        start = threading.Barrier(6)

        threads = [
            threading.Thread(target=slow_query, args=(fresh_sandbox, start)) for _ in range(5)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        time.sleep(0.1)  # let the five slow queries take the account's slots
        key = eid()
        response = rest(
            fresh_sandbox, "PUT", f"/record/v1/employee/eid:{key}", json=employee_body()
        )
        for thread in threads:
            thread.join()
        if response.status_code == 429:
            detail = response.json()["o:errorDetails"][0]
            assert detail["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
            assert int(response.headers["Retry-After"]) >= 1
            refused_keys.append(key)
            break
        assert response.status_code == 204
        applied_keys.append(key)
    assert refused_keys, "five slow requests in flight must make a sixth over the limit"
    for key in refused_keys:
        assert suiteql(fresh_sandbox, f"SELECT id FROM employee WHERE externalid = '{key}'") == []
    for key in applied_keys:
        assert (
            len(suiteql(fresh_sandbox, f"SELECT id FROM employee WHERE externalid = '{key}'")) == 1
        )
    # Once the slots are free again the same write goes through.
    retry = rest(
        fresh_sandbox, "PUT", f"/record/v1/employee/eid:{refused_keys[0]}", json=employee_body()
    )
    assert retry.status_code == 204
