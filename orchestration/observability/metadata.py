"""Dagster metadata of the observability assets: numbers to plot, markdown tables to read.

Dagster plots every numeric metadata entry across an asset's materializations (the asset's Plots
tab), so each figure a person would rather watch move is its own number keyed
`<figure>/<domain>`; the tables beside them are for reading one materialization. A figure that
does not exist (no lag before the first refresh, no failure rate without runs) is left out rather
than plotted as zero. Only figures, domain, flow and tenant names and asset keys go in: never
configuration, URLs or credentials.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import dagster as dg

from orchestration.observability.domain_sync import DomainSync
from orchestration.observability.health_report import HealthReport

AGE_BUCKETS = ("0-1d", "1-3d", "3-7d", "7-30d", "30d+")


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float | Decimal):
        return f"{float(value):.2f}"
    return str(value).replace("|", "\\|")


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-style markdown table; None shows as a dash, numbers with two decimals."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def domain_sync_metadata(measured: Sequence[DomainSync]) -> dict[str, dg.MetadataValue]:
    """Lag and ingestion failures per domain, and a table of the whole measurement."""
    metadata: dict[str, dg.MetadataValue] = {}
    for m in measured:
        if m.sync_lag_seconds is not None:
            metadata[f"sync_lag_minutes/{m.domain}"] = dg.MetadataValue.float(
                round(m.sync_lag_seconds / 60, 3)
            )
        metadata[f"failed_ingestion_runs/{m.domain}"] = dg.MetadataValue.int(
            m.failed_ingestion_runs
        )
        if m.ingestion_failure_rate is not None:
            metadata[f"ingestion_failure_rate/{m.domain}"] = dg.MetadataValue.float(
                round(m.ingestion_failure_rate, 4)
            )
    metadata["domains"] = dg.MetadataValue.md(
        markdown_table(
            ("domain", "state", "lag (min)", "SLA", "least fresh asset", "runs", "failed"),
            (
                (
                    m.domain,
                    m.freshness_state,
                    None if m.sync_lag_seconds is None else m.sync_lag_seconds / 60,
                    f"{m.sla_minutes:g} min" if m.sla_minutes else "per-entity deadlines",
                    m.least_fresh_asset,
                    m.ingestion_runs,
                    m.failed_ingestion_runs,
                )
                for m in measured
            ),
        )
    )
    if measured:
        metadata["window_hours"] = dg.MetadataValue.float(measured[0].window_hours)
    return metadata


def health_metadata(report: HealthReport) -> dict[str, dg.MetadataValue]:
    """Backlog, dead letters, push failures, own backlogs and exception aging, as published."""
    metadata: dict[str, dg.MetadataValue] = {}
    if report.published_at is not None:
        metadata["published_at"] = dg.MetadataValue.timestamp(report.published_at)
    domains = report.of("ops_domain_health")
    for row in domains:
        domain = row["domain"]
        metadata[f"pending_deltas/{domain}"] = dg.MetadataValue.int(row["pending_deltas"])
        metadata[f"open_dead_letters/{domain}"] = dg.MetadataValue.int(row["open_dead_letters"])
        if row["push_failure_rate"] is not None:
            metadata[f"push_failure_rate/{domain}"] = dg.MetadataValue.float(
                float(row["push_failure_rate"])
            )
        for figure in (
            "unprovisioned_billable_workers",
            "unposted_approved_entries",
            "overdue_unposted_entries",
        ):
            if row[figure] is not None:
                metadata[figure] = dg.MetadataValue.int(row[figure])
        if row["unposted_approved_hours"] is not None:
            metadata["unposted_approved_hours"] = dg.MetadataValue.float(
                float(row["unposted_approved_hours"])
            )
    aging = report.of("exception_aging")
    if "exception_aging" not in report.missing:
        metadata["open_findings"] = dg.MetadataValue.int(sum(r["open_findings"] for r in aging))
        metadata["oldest_open_finding_days"] = dg.MetadataValue.float(
            max((float(r["max_age_days"]) for r in aging), default=0.0)
        )
    metadata["domains"] = dg.MetadataValue.md(
        markdown_table(
            (
                "domain",
                "state",
                "lag (min)",
                "pending deltas",
                "open dead letters",
                "push failure rate",
            ),
            (
                (
                    row["domain"],
                    row["freshness_state"],
                    _number(row["sync_lag_minutes"]),
                    row["pending_deltas"],
                    row["open_dead_letters"],
                    _number(row["push_failure_rate"]),
                )
                for row in domains
            ),
        )
    )
    metadata["push_lanes"] = dg.MetadataValue.md(
        markdown_table(
            ("flow", "target", "pending", "open dead letters", "attempts", "failed"),
            (
                (
                    row["flow"],
                    row["target_instance"],
                    row["pending_deltas"],
                    row["open_dead_letters"],
                    row["push_attempts"],
                    row["failed_push_attempts"],
                )
                for row in report.of("ops_push_backlog")
            ),
        )
    )
    metadata["exception_aging"] = dg.MetadataValue.md(_aging_table(aging))
    if report.missing:
        metadata["not_published"] = dg.MetadataValue.text(", ".join(report.missing))
    return metadata


def _aging_table(aging: Sequence[dict[str, Any]]) -> str:
    """Open findings by owner (rows) and age bucket (columns)."""
    counts: dict[str, dict[str, int]] = {}
    for row in aging:
        by_bucket = counts.setdefault(row["owner"] or "unowned", {})
        by_bucket[row["age_bucket"]] = by_bucket.get(row["age_bucket"], 0) + row["open_findings"]
    return markdown_table(
        ("owner", *AGE_BUCKETS, "total"),
        (
            (owner, *(buckets.get(b, 0) for b in AGE_BUCKETS), sum(buckets.values()))
            for owner, buckets in sorted(counts.items())
        ),
    )
