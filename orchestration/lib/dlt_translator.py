"""How dlt resources become Dagster assets: keys `<vendor>/<table>`, group = vendor, no deps.

Raw tables are the graph's roots; dagster-dlt's default would add upstream "source" assets and
key assets `dlt_<source>_<resource>`, a second key style in one graph.
"""

from __future__ import annotations

import dagster as dg
from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData

# The business domain each vendor's raw tables serve (ARCHITECTURE §1), as an asset tag.
DOMAIN_OF_VENDOR = {
    "bamboohr": "worker_master",
    "netsuite": "financial_dimensions",
    "harvest": "delivery",
    "gusto": "payroll",
}


class CrosswalkDltTranslator(DagsterDltTranslator):
    """Asset specs for one vendor's dlt resources."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(
            key=dg.AssetKey([self.vendor, data.resource.name]),
            group_name=self.vendor,
            deps=[],
            tags={**spec.tags, "domain": DOMAIN_OF_VENDOR[self.vendor]},
        )
