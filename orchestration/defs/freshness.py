"""Freshness per business domain: policies for the UI, alerts for people.

Dagster freshness policies on the ingestion assets (shown in the UI), and a sensor that records
each domain's WARN/FAIL transitions as alerts (ops store `alerts`, mirrored to the warehouse as
`ops.alerts`, POSTed to an optional URL).

Both read the SLA table (orchestration/freshness/sla.py). A domain is as fresh as its least
recently refreshed ingestion asset: when its system stops answering, every asset ages.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at runtime.
import json
from datetime import UTC, datetime, timedelta

import dagster as dg

from orchestration.freshness.alerts import raise_alert
from orchestration.freshness.health import domain_health
from orchestration.freshness.sla import Domain, domains

ALERTING_STATES = ("WARN", "FAIL")
CUTOFF_LOOKBACK = timedelta(days=7)
DAGSTER_MIN_WINDOW = timedelta(minutes=1)  # a payroll refresh counts for the cut-off within a week


def freshness_policy(domain: Domain) -> dg.FreshnessPolicy:
    if domain.window is not None:
        # Dagster refuses windows under a minute; the alert sensor keeps the configured SLA.
        fail = max(domain.window, DAGSTER_MIN_WINDOW)
        warn = domain.warn_after
        return dg.FreshnessPolicy.time_window(
            fail_window=fail,
            warn_window=warn if warn is not None and DAGSTER_MIN_WINDOW <= warn < fail else None,
        )
    assert domain.cutoff_cron is not None
    return dg.FreshnessPolicy.cron(
        deadline_cron=domain.cutoff_cron, lower_bound_delta=CUTOFF_LOOKBACK
    )


def with_freshness_policies(assets: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The ingestion assets, each carrying its domain's policy."""
    policies = {d.group: freshness_policy(d) for d in domains()}
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


def last_refreshed(instance: dg.DagsterInstance, keys: list[dg.AssetKey]) -> datetime | None:
    """When the domain's least recently refreshed asset was last materialized (None: never)."""
    stamps = []
    for key in keys:
        event = instance.get_latest_materialization_event(key)
        if event is None:
            return None
        stamps.append(event.timestamp)
    return datetime.fromtimestamp(min(stamps), UTC) if stamps else None


def domain_freshness_sensor(keys_by_group: dict[str, list[dg.AssetKey]]) -> dg.SensorDefinition:
    @dg.sensor(
        name="domain_freshness_alerts",
        description=(
            "Records a domain's turn to WARN or FAIL against its SLA (and its recovery) in "
            "ops.alerts, and POSTs it to CROSSWALK_ALERT_WEBHOOK_URL when set."
        ),
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        previous: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        now = datetime.now(UTC)
        states, raised = {}, []
        for domain in domains():
            health = domain_health(
                domain, last_refreshed(context.instance, keys_by_group.get(domain.group, [])), now
            )
            states[domain.name] = health.state
            before = previous.get(domain.name)
            turned_bad = health.state in ALERTING_STATES and health.state != before
            cleared = health.state == "PASS" and before in ALERTING_STATES
            if turned_bad or cleared:
                alert_id, posted = raise_alert(health, before)
                raised.append(f"{domain.name} {before}->{health.state} (#{alert_id}, {posted})")
        if raised:
            context.log.info("alerts: " + "; ".join(raised))
        return dg.SensorResult(cursor=json.dumps(states, sort_keys=True))

    return _sensor
