"""Each business domain's sync lag and ingestion failure rate, read from the Dagster instance.

Only the instance knows these. A domain's sync lag is now minus the last successful
materialization of its least recently refreshed ingestion asset: the same reading of "as fresh as
its least fresh asset" the freshness alerts use (docs/freshness.md), judged by the same rules:
a polled domain against its window, a deadline domain (payroll) by the worst of its legal
entities' deadlines (PASS, WARN, FAIL; UNKNOWN when an asset was never refreshed).

A domain's ingestion failure rate is over the runs of a window that planned any of its assets and
have finished: a run failed the domain when it ended in failure with one of those assets planned
but not materialized. Failures are read as planned minus materialized because Dagster's SQLite
event storage keeps no asset-failure events (`can_store_asset_failure_events` is false there).
Runs still going or canceled count neither way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg

from orchestration.freshness.calendar import CalendarConfigError
from orchestration.freshness.health import Refreshed, deadline_health, domain_health
from orchestration.freshness.sla import Domain, deadline_checks, domains

PAGE = 1000
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE}
# The worst state of a deadline domain's entities is the domain's (the alerting ones first).
SEVERITY = ("FAIL", "WARN", "UNKNOWN", "PASS")


@dataclass(frozen=True)
class DomainSync:
    """One domain as measured at `measured_at`."""

    domain: str
    asset_group: str
    sla_minutes: float | None  # polled domains; None: judged by its entities' deadlines
    freshness_state: str  # PASS | WARN | FAIL | UNKNOWN
    freshness_detail: str
    least_fresh_asset: str | None
    last_refreshed_at: datetime | None
    measured_at: datetime
    window_hours: float
    ingestion_runs: int
    failed_ingestion_runs: int

    @property
    def sync_lag_seconds(self) -> float | None:
        if self.last_refreshed_at is None:
            return None
        return (self.measured_at - self.last_refreshed_at).total_seconds()

    @property
    def ingestion_failure_rate(self) -> float | None:
        if not self.ingestion_runs:
            return None
        return self.failed_ingestion_runs / self.ingestion_runs


def least_fresh(
    instance: dg.DagsterInstance, keys: Sequence[dg.AssetKey]
) -> tuple[dg.AssetKey | None, datetime | None]:
    """The least recently refreshed of `keys` and when it was; its time is None if never."""
    if not keys:
        return None, None
    latest = instance.get_latest_materialization_events(keys)
    never = sorted((key for key in keys if latest.get(key) is None), key=lambda k: k.path)
    if never:
        return never[0], None
    key = min(keys, key=lambda k: latest[k].timestamp)  # type: ignore[union-attr]
    return key, datetime.fromtimestamp(latest[key].timestamp, UTC)  # type: ignore[union-attr]


def _records(
    fetch: Callable[..., dg.EventRecordsResult], key: dg.AssetKey, since: float
) -> Iterator[dg.EventLogRecord]:
    cursor = None
    while True:
        page = fetch(dg.AssetRecordsFilter(asset_key=key, after_timestamp=since), PAGE, cursor)
        yield from page.records
        if not page.has_more:
            return
        cursor = page.cursor


def ingestion_runs(
    instance: dg.DagsterInstance, keys: Sequence[dg.AssetKey], since: datetime
) -> tuple[int, int]:
    """(finished runs since `since` that planned any of `keys`, of those the failed ones)."""
    after = since.timestamp()
    planned: dict[str, set[dg.AssetKey]] = defaultdict(set)
    materialized: dict[str, set[dg.AssetKey]] = defaultdict(set)
    for key in keys:
        for record in _records(instance.fetch_planned_materializations, key, after):
            planned[record.run_id].add(key)
        for record in _records(instance.fetch_materializations, key, after):
            materialized[record.run_id].add(key)
    if not planned:
        return 0, 0
    status = {
        record.dagster_run.run_id: record.dagster_run.status
        for record in instance.get_run_records(dg.RunsFilter(run_ids=list(planned)))
    }
    finished = [run for run in planned if status.get(run) in FINISHED]
    failed = [
        run
        for run in finished
        if status[run] == dg.DagsterRunStatus.FAILURE and planned[run] - materialized[run]
    ]
    return len(finished), len(failed)


def _judge(
    domain: Domain,
    instance: dg.DagsterInstance,
    keys_by_group: Mapping[str, Sequence[dg.AssetKey]],
    last: datetime | None,
    now: datetime,
) -> tuple[str, str]:
    """The domain's freshness state and its detail, as the alert sensor judges it."""
    if domain.window is not None:
        health = domain_health(domain, last, now)
        return health.state, health.detail
    try:
        checks = [c for c in deadline_checks() if c.deadline.domain == domain.name]
    except CalendarConfigError as exc:  # the alert sensor logs it; measure the lag regardless
        return "UNKNOWN", f"deadlines not judged: {exc}"
    judged = []
    for check in checks:
        deadline_keys = [k for g in check.deadline.groups for k in keys_by_group.get(g, [])]
        deadline_keys += [dg.AssetKey.from_user_string(a) for a in check.deadline.assets]
        oldest, at = least_fresh(instance, deadline_keys)
        refreshed = Refreshed(at, oldest.to_user_string()) if oldest and at else None
        judged.append(deadline_health(check, refreshed, now))
    if not judged:
        return "UNKNOWN", "no deadline configured for it"
    worst = min(judged, key=lambda h: SEVERITY.index(h.state))
    return worst.state, "; ".join(h.detail for h in judged)


def measure_domains(
    instance: dg.DagsterInstance,
    keys_by_group: Mapping[str, Sequence[dg.AssetKey]],
    now: datetime,
    window: timedelta,
) -> list[DomainSync]:
    """Every domain of the SLA table, measured at `now` over the `window` before it."""
    measured = []
    for domain in domains():
        keys = list(keys_by_group.get(domain.group, []))
        key, last = least_fresh(instance, keys)
        state, detail = _judge(domain, instance, keys_by_group, last, now)
        runs, failed = ingestion_runs(instance, keys, now - window)
        measured.append(
            DomainSync(
                domain=domain.name,
                asset_group=domain.group,
                sla_minutes=domain.window.total_seconds() / 60 if domain.window else None,
                freshness_state=state,
                freshness_detail=detail,
                least_fresh_asset=key.to_user_string() if key else None,
                last_refreshed_at=last,
                measured_at=now,
                window_hours=window.total_seconds() / 3600,
                ingestion_runs=runs,
                failed_ingestion_runs=failed,
            )
        )
    return measured
