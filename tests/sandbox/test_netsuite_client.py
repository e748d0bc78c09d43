"""The `netsuite` 0.12.0 client library against the ERP emulator, signing with TBA.

The library builds its REST URLs as `https://{account}.suitetalk.api.netsuite.com/services/rest`
from the account id and has no base-URL setting; its request methods take a `url=` keyword that
replaces the built URL (it uses that itself for token_info), so the tests pass the sandbox's URL
per call and change nothing else. It signs every request with OAuth 1.0a HMAC-SHA256 (realm =
account, body hash included); the sandbox checks those signatures (check_tba_signature is on).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest
from netsuite import Config, NetSuite, TokenAuth
from netsuite.exceptions import NetsuiteAPIRequestError

from tests.support.sandbox_process import SandboxProcess

TOKEN_AUTH = {
    "consumer_key": "sandbox-consumer",
    "consumer_secret": "sandbox-consumer-secret",
    "token_id": "sandbox-token-id",
    "token_secret": "sandbox-token-secret",
}


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coroutine)


def client(**overrides: str) -> NetSuite:
    return NetSuite(Config(account="SANDBOX", auth=TokenAuth(**{**TOKEN_AUTH, **overrides})))


def test_suiteql_pages_through_the_library(sandbox: SandboxProcess) -> None:
    url = f"{sandbox.base('netsuite')}/query/v1/suiteql"
    ns = client()
    query = "SELECT id, email, isinactive FROM employee ORDER BY id"
    first = run(ns.rest_api.suiteql(query, limit=100, offset=0, url=url))
    assert first["count"] == 100 and first["hasMore"] is True and first["offset"] == 0
    seen = [item["id"] for item in first["items"]]
    offset = 100
    while True:
        page = run(ns.rest_api.suiteql(query, limit=100, offset=offset, url=url))
        seen += [item["id"] for item in page["items"]]
        if not page["hasMore"]:
            break
        offset += 100
    assert len(seen) == len(set(seen)) == first["totalResults"]
    assert seen == sorted(seen, key=int)
    assert all(item["isinactive"] in ("T", "F") for item in first["items"])


def test_record_get_through_the_library(sandbox: SandboxProcess) -> None:
    base = sandbox.base("netsuite")
    ns = client()
    found = run(
        ns.rest_api.suiteql(
            "SELECT id, externalid FROM employee WHERE externalid IS NOT NULL ORDER BY id",
            limit=1,
            url=f"{base}/query/v1/suiteql",
        )
    )["items"][0]
    record = run(
        ns.rest_api.get(
            f"/record/v1/employee/{found['id']}", url=f"{base}/record/v1/employee/{found['id']}"
        )
    )
    assert record["id"] == found["id"]
    assert record["externalId"] == found["externalid"]
    assert record["subsidiary"]["id"] and record["subsidiary"]["refName"]
    assert isinstance(record["isInactive"], bool)
    by_eid = run(
        ns.rest_api.get(
            f"/record/v1/employee/eid:{found['externalid']}",
            url=f"{base}/record/v1/employee/eid:{found['externalid']}",
        )
    )
    assert by_eid == record


@pytest.mark.parametrize(
    "overrides", [{"consumer_secret": "wrong"}, {"token_secret": "wrong"}, {"token_id": "other"}]
)
def test_wrong_tba_credentials_are_refused(sandbox: SandboxProcess, overrides: dict) -> None:
    url = f"{sandbox.base('netsuite')}/record/v1/employee/5000"
    with pytest.raises(NetsuiteAPIRequestError) as refused:
        run(client(**overrides).rest_api.get("/record/v1/employee/5000", url=url))
    assert refused.value.status_code == 401
    assert "INVALID_LOGIN" in refused.value.response_text
