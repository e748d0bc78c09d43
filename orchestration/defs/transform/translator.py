"""How dbt nodes become Dagster assets: keys `<schema>/<model>`, groups by dbt folder.

Sources keep the asset key their `meta.dagster.asset_key` names (`<vendor>/<table>`, the ingestion
assets), which is what puts every model downstream of the raw tables it reads. Models, seeds and
snapshots are keyed by the schema they build in plus their name (`canonical/worker`,
`mappings/map_department`), so a key reads like the relation a BI user queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator

# Nodes with no folder of their own: grouped by what they are.
GROUP_OF_RESOURCE_TYPE = {"seed": "seeds", "snapshot": "snapshots"}


def _dagster_meta(props: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = props.get("config", {}).get("meta") or props.get("meta") or {}
    return meta.get("dagster") or {}


class CrosswalkDbtTranslator(DagsterDbtTranslator):
    """Readable keys and folder groups for crosswalk's dbt project."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source" or _dagster_meta(dbt_resource_props).get(
            "asset_key"
        ):
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        explicit = super().get_group_name(dbt_resource_props)
        if explicit:
            return explicit
        resource_type = dbt_resource_props["resource_type"]
        if resource_type in GROUP_OF_RESOURCE_TYPE:
            return GROUP_OF_RESOURCE_TYPE[resource_type]
        fqn = dbt_resource_props.get("fqn") or []
        # fqn = [project, folder, ..., name]: the first folder under models/ names the layer.
        return fqn[1] if len(fqn) > 2 else dbt_resource_props.get("schema")
