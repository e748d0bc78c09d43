"""Helpers for the NetSuite source tests: SuiteQL and record calls, warehouse reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import httpx

from tests.support.sandbox_process import SandboxProcess

# The sandbox also accepts NetSuite's OAuth 2.0 Bearer token; the tests use it for their own calls
# so that only the source under test exercises TBA signing.
HEADERS = {"Authorization": "Bearer sandbox-token"}
TABLES = [
    "subsidiaries",
    "departments",
    "classifications",
    "locations",
    "accounts",
    "customers",
    "jobs",
    "employees",
    "resource_allocations",
    "transactions",
    "transaction_lines",
]
KEYS = {table: "id" for table in TABLES} | {"transaction_lines": "uniquekey"}


def suiteql(sandbox: SandboxProcess, query: str) -> list[dict[str, Any]]:
    """The first page of a SuiteQL query's items, as the sandbox answers it."""
    response = httpx.post(
        sandbox.base("netsuite") + "/query/v1/suiteql",
        params={"limit": 1000},
        headers={**HEADERS, "Prefer": "transient"},
        json={"q": query},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()["items"]


def delete_record(sandbox: SandboxProcess, record_type: str, record_id: int) -> None:
    """Delete a record through the Record API (NetSuite notes it in deletedrecord)."""
    response = httpx.delete(
        f"{sandbox.base('netsuite')}/record/v1/{record_type}/{record_id}",
        headers=HEADERS,
        timeout=60,
    )
    assert response.status_code == 204, response.text


def warehouse_values(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def duplicate_keys(warehouse: Path) -> dict[str, int]:
    """Per raw table, how many primary keys occur more than once (all zero when merge works)."""
    found = {}
    for table in TABLES:
        key = KEYS[table]
        found[table] = warehouse_values(
            warehouse,
            f"select count(*) from (select source_relation, {key} from raw_netsuite.{table} "
            f"group by 1, 2 having count(*) > 1)",
        )[0][0]
    return found
