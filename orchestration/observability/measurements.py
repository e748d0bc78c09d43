"""`ops.domain_sync` in the warehouse: every domain measurement, appended, for BI.

Appended rather than replaced, so the warehouse keeps the history of each domain's lag (four rows
a measurement; every 15 minutes that is ~35,000 rows a year). The mart `marts.ops_domain_health`
reads the newest row per domain; the caller holds the warehouse writers' pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.observability.domain_sync import DomainSync

TABLE = "ops.domain_sync"

DDL = f"""
create table if not exists {TABLE} (
    measured_at timestamp not null,
    run_id varchar,
    domain varchar not null,
    asset_group varchar not null,
    sla_minutes double,
    freshness_state varchar not null,
    freshness_detail varchar not null,
    least_fresh_asset varchar,
    last_refreshed_at timestamp,
    sync_lag_seconds double,
    window_hours double not null,
    ingestion_runs bigint not null,
    failed_ingestion_runs bigint not null
)
"""

COLUMNS = (
    "measured_at",
    "run_id",
    "domain",
    "asset_group",
    "sla_minutes",
    "freshness_state",
    "freshness_detail",
    "least_fresh_asset",
    "last_refreshed_at",
    "sync_lag_seconds",
    "window_hours",
    "ingestion_runs",
    "failed_ingestion_runs",
)


def _utc_naive(moment: datetime | None) -> datetime | None:
    """UTC wall time without a zone: a `timestamp` column, whatever the session's zone."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment is not None else None


def append_measurements(warehouse: Path, measured: Sequence[DomainSync], run_id: str) -> int:
    """Append `measured` to `ops.domain_sync` in one transaction; the table's row count after."""
    rows = [
        (
            _utc_naive(m.measured_at),
            run_id,
            m.domain,
            m.asset_group,
            m.sla_minutes,
            m.freshness_state,
            m.freshness_detail,
            m.least_fresh_asset,
            _utc_naive(m.last_refreshed_at),
            m.sync_lag_seconds,
            m.window_hours,
            m.ingestion_runs,
            m.failed_ingestion_runs,
        )
        for m in measured
    ]
    placeholders = ", ".join("?" for _ in COLUMNS)
    warehouse.parent.mkdir(parents=True, exist_ok=True)  # measured before the first ingestion
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema if not exists ops")
        conn.execute(DDL)
        conn.execute("begin")
        conn.executemany(
            f"insert into {TABLE} ({', '.join(COLUMNS)}) values ({placeholders})", rows
        )
        conn.execute("commit")
        (count,) = conn.execute(f"select count(*) from {TABLE}").fetchone()  # type: ignore[misc]
    return int(count)
