"""Freshness per business domain and legal entity: policies for the UI, alerts for people.

Dagster freshness policies on the ingestion assets (shown in the UI), and a sensor that records
WARN/FAIL transitions as alerts (ops store `alerts`, mirrored to the warehouse as `ops.alerts`,
POSTed to an optional URL): each polled domain against its window, and each legal entity's
payroll cut-off and month-end close against its business calendar.

Both read the SLA table (orchestration/freshness/sla.py) and the calendars
(orchestration/freshness/calendar.py). A set of assets is as fresh as its least recently
refreshed member: when a system stops answering, every asset it feeds ages.

Dagster allows one policy per asset and a cron policy cannot say "every other week", "moved off a
holiday" or "3rd business day", so the UI shows less than the sensor judges: the Gusto assets
(one asset per table for all companies) carry the payroll cut-off of the first entity listed in
the calendar file, as a weekly cron in its timezone; month-end closes are judged by the sensor
only (the ERP and PSA assets keep their windows, the push assets have no policy).
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at runtime.
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
from croniter import croniter

from orchestration.freshness.alerts import raise_alert
from orchestration.freshness.calendar import (
    DEPRECATED_CUTOFF_ENV,
    BusinessCalendars,
    CalendarConfigError,
    load_calendars,
)
from orchestration.freshness.health import DomainHealth, Refreshed, deadline_health, domain_health
from orchestration.freshness.sla import DeadlineCheck, Domain, deadline_checks, domains

ALERTING_STATES = ("WARN", "FAIL")
DAGSTER_MIN_WINDOW = timedelta(minutes=1)
CRON_GAP_SAMPLE = 400  # ticks sampled for a cron's shortest gap (Dagster caps lower bounds by it)


def _shortest_gap(cron: str, timezone: str) -> timedelta:
    ticks = croniter(cron, datetime(2026, 1, 1, tzinfo=ZoneInfo(timezone)))
    moments = [ticks.get_next(datetime).astimezone(UTC) for _ in range(CRON_GAP_SAMPLE)]
    return min(b - a for a, b in zip(moments, moments[1:], strict=False))


def payroll_ui_policy(calendars: BusinessCalendars) -> dg.FreshnessPolicy | None:
    """The cut-off of the first entity with one, as a Dagster cron policy (None: no entity)."""
    entity = next((e for e in calendars.entities.values() if e.payroll_cutoff is not None), None)
    if entity is None or entity.payroll_cutoff is None:
        return None
    cutoff, timezone = entity.payroll_cutoff, entity.cutoff_timezone()
    # Dagster wants 1 min <= lower bound <= the cron's shortest gap; the sensor keeps the config.
    lower = min(
        max(timedelta(hours=cutoff.refreshed_within_hours), DAGSTER_MIN_WINDOW),
        _shortest_gap(cutoff.cron, timezone),
    )
    return dg.FreshnessPolicy.cron(
        deadline_cron=cutoff.cron, lower_bound_delta=lower, timezone=timezone
    )


def freshness_policy(domain: Domain, calendars: BusinessCalendars) -> dg.FreshnessPolicy | None:
    if domain.window is None:
        return payroll_ui_policy(calendars)
    # Dagster refuses windows under a minute; the alert sensor keeps the configured SLA.
    fail = max(domain.window, DAGSTER_MIN_WINDOW)
    warn = domain.warn_after
    return dg.FreshnessPolicy.time_window(
        fail_window=fail,
        warn_window=warn if warn is not None and DAGSTER_MIN_WINDOW <= warn < fail else None,
    )


def with_freshness_policies(
    assets: list[dg.AssetsDefinition], calendars: BusinessCalendars | None = None
) -> list[dg.AssetsDefinition]:
    """The ingestion assets, each carrying its domain's policy.

    Reads the calendar file: a file that does not validate fails the code location's load with
    the entity and field it names.
    """
    calendars = calendars or load_calendars()
    policies = {
        d.group: policy for d in domains() if (policy := freshness_policy(d, calendars)) is not None
    }
    return [
        asset.map_asset_specs(
            lambda spec: (
                dg.apply_freshness_policy(spec, policies[spec.group_name])
                if spec.group_name in policies
                else spec
            )
        )
        for asset in assets
    ]


class _Latest:
    """Each asset's latest materialization, read once per sensor evaluation."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        self._instance = instance
        self._seen: dict[dg.AssetKey, float | None] = {}

    def stamp(self, key: dg.AssetKey) -> float | None:
        if key not in self._seen:
            event = self._instance.get_latest_materialization_event(key)
            self._seen[key] = event.timestamp if event is not None else None
        return self._seen[key]

    def refreshed(self, keys: list[dg.AssetKey]) -> Refreshed | None:
        """The least recently refreshed of `keys` (None: none given, or one never refreshed)."""
        stamps = [(self.stamp(key), key) for key in keys]
        if not stamps or any(stamp is None for stamp, _ in stamps):
            return None
        stamp, key = min(stamps, key=lambda pair: (pair[0], pair[1].to_user_string()))
        assert stamp is not None
        return Refreshed(datetime.fromtimestamp(stamp, UTC), key.to_user_string())

    def last(self, keys: list[dg.AssetKey]) -> datetime | None:
        refreshed = self.refreshed(keys)
        return refreshed.at if refreshed is not None else None


def last_refreshed(instance: dg.DagsterInstance, keys: list[dg.AssetKey]) -> datetime | None:
    """When the least recently refreshed of `keys` was last materialized (None: never)."""
    return _Latest(instance).last(keys)


def deadline_keys(
    check: DeadlineCheck, keys_by_group: dict[str, list[dg.AssetKey]]
) -> list[dg.AssetKey]:
    """The assets a deadline judges: its groups' assets and its named ones."""
    grouped = [key for group in check.deadline.groups for key in keys_by_group.get(group, [])]
    return grouped + [dg.AssetKey.from_user_string(a) for a in check.deadline.assets]


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def domain_freshness_sensor(
    keys_by_group: dict[str, list[dg.AssetKey]], clock: Callable[[], datetime] = _wall_clock
) -> dg.SensorDefinition:
    """The alerting sensor; `clock` is the moment each evaluation judges at (tests move it)."""

    @dg.sensor(
        name="domain_freshness_alerts",
        description=(
            "Records a domain's turn to WARN or FAIL against its SLA, and a legal entity's "
            "against its payroll cut-off or month-end close (and their recovery), in "
            "ops.alerts, and POSTs it to CROSSWALK_ALERT_WEBHOOK_URL when set."
        ),
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        previous: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        now = clock()
        latest = _Latest(context.instance)
        healths: list[DomainHealth] = [
            domain_health(d, latest.last(keys_by_group.get(d.group, [])), now)
            for d in domains()
            if d.window is not None
        ]
        states = {}
        problem = None
        try:
            checks = deadline_checks()
        except CalendarConfigError as exc:
            # Judge what can be judged; deadlines keep their last states until the file is fixed.
            problem = str(exc)
            context.log.error(problem)
            states.update({k: v for k, v in previous.items() if ":" in k})
            checks = []
        if os.environ.get(DEPRECATED_CUTOFF_ENV):
            context.log.warning(
                f"{DEPRECATED_CUTOFF_ENV} is deprecated: it sets every entity's payroll cut-off "
                "(UTC, weekly); set cut-offs per entity in the business calendar file instead"
            )
        healths += [
            deadline_health(check, latest.refreshed(deadline_keys(check, keys_by_group)), now)
            for check in checks
        ]
        raised = []
        for health in healths:
            states[health.key] = health.state
            before = previous.get(health.key)
            turned_bad = health.state in ALERTING_STATES and health.state != before
            cleared = health.state == "PASS" and before in ALERTING_STATES
            if turned_bad or cleared:
                alert_id, posted = raise_alert(health, before, raised_at=now)
                raised.append(f"{health.key} {before}->{health.state} (#{alert_id}, {posted})")
        if raised:
            context.log.info("alerts: " + "; ".join(raised))
        return dg.SensorResult(cursor=json.dumps(states, sort_keys=True), skip_reason=problem)

    return _sensor
