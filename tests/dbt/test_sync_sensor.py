"""The sync sensor on the shared firm, built by `crosswalk run --no-push`: a real evaluation
against the run's Dagster instance asks for one push run per flow, keyed by the build, and the
next evaluation, with the cursor it returned, asks for nothing.
"""

from __future__ import annotations

import json

import dagster as dg

from orchestration.defs.push.sensors import push_after_sync_builds
from orchestration.push.deltas import FLOWS
from tests.dbt.conftest import BuiltWarehouse


def test_a_build_that_did_not_push_gets_one_push_run_per_flow(
    built_warehouse: BuiltWarehouse,
) -> None:
    with dg.DagsterInstance.from_config(str(built_warehouse.dagster_home)) as instance:
        first = push_after_sync_builds(dg.build_sensor_context(instance=instance))
        assert isinstance(first, dg.SensorResult)
        requests = first.run_requests or []
        assert sorted(r.tags["crosswalk/flow"] for r in requests) == sorted(FLOWS)
        cursor = json.loads(first.cursor or "{}")
        for request in requests:
            flow = request.tags["crosswalk/flow"]
            assert request.run_key == f"push:{flow}:{cursor[flow]}"
            keys = {key.to_user_string() for key in request.asset_selection or []}
            assert keys == {f"push/{flow}", "ops/sync_ledger", "ops/dead_letter", "ops/alerts"}
            # The key is the storage id of the build's own materialization of sync/<flow>.
            record = instance.fetch_materializations(dg.AssetKey(["sync", flow]), limit=1)
            assert record.records[0].storage_id == cursor[flow]
            assert record.records[0].run_id == built_warehouse.run_id

        again = push_after_sync_builds(
            dg.build_sensor_context(instance=instance, cursor=first.cursor)
        )
        assert isinstance(again, dg.SensorResult)
        assert not again.run_requests
        assert again.cursor == first.cursor
