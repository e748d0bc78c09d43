"""The health marts as BI reads them: rows of the published copy (orchestration/lib/publish.py).

Read from the published copy, not the warehouse: it is never locked (no pool, no waiting), and what
the report shows is by construction what BI readers see. A mart the copy does not hold (the BI
schemas configured without `marts`) is named in `missing` rather than failing the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

# The marts the report reads, with the order their rows come in.
MARTS = {
    "ops_domain_health": "domain",
    "ops_push_backlog": "domain, flow, target_instance",
    "exception_aging": "owner, age_bucket_order, rule, severity",
}


@dataclass(frozen=True)
class HealthReport:
    """Rows of each health mart in one publication of the BI copy."""

    published_at: datetime | None
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    def of(self, mart: str) -> list[dict[str, Any]]:
        return self.rows.get(mart, [])


def _rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = conn.execute(sql)
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_health_report(bi_copy: Path) -> HealthReport:
    """The health marts of the published copy at `bi_copy`, in one read-only connection."""
    # One connection holds one file for its lifetime: every mart comes from one publication.
    with duckdb.connect(str(bi_copy), read_only=True) as conn:
        tables = {
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        (published_at,) = conn.execute("select max(published_at) from main._published").fetchone()  # type: ignore[misc]
        rows = {
            mart: _rows(conn, f"select * from marts.{mart} order by {order}")
            for mart, order in MARTS.items()
            if mart in tables
        }
    return HealthReport(
        published_at=published_at,
        rows=rows,
        missing=tuple(mart for mart in MARTS if mart not in tables),
    )
