"""An asset selection Dagster lacks: a selection closed over what its checks compare it with.

A dbt relationships test on `canonical/worker` (its `org_unit_id` must be an `org_unit`) is a
check of the worker with `canonical/org_unit` as an additional dependency. A targeted run that
rebuilds the worker must rebuild such models too when the same ingestion changed them, or the
check compares fresh workers with a stale org unit and fails (tests/webhooks/
test_hire_reaches_psa.py met it after a day of new teams).
"""

# No `from __future__ import annotations`: @record checks field types at runtime.
from collections.abc import Set as AbstractSet

import dagster as dg
from dagster import AssetSelection
from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph
from dagster._record import record


@record
class WithComparedAssets(AssetSelection):
    """`child` and the assets in `scope` its checks compare it with, closed under both.

    Each compared asset comes with what it is built from within `scope`, until the checks of the
    result compare it with nothing else in `scope`.
    """

    child: AssetSelection
    scope: AssetSelection

    def resolve_inner(
        self, asset_graph: BaseAssetGraph, allow_missing: bool
    ) -> AbstractSet[dg.AssetKey]:
        selected = set(self.child.resolve_inner(asset_graph, allow_missing=allow_missing))
        scope = self.scope.resolve_inner(asset_graph, allow_missing=allow_missing)
        while True:
            compared: set[dg.AssetKey] = set()
            for check_key in asset_graph.get_check_keys_for_assets(selected):
                compared |= asset_graph.get(check_key).parent_entity_keys
            compared = (compared & scope) - selected
            if not compared:
                return selected
            built_from = dg.AssetSelection.assets(*compared).upstream()
            selected |= built_from.resolve_inner(asset_graph, allow_missing=allow_missing) & scope
