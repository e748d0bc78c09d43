"""One Dagster asset per dlt resource of each vendor source, all in the warehouse writers' pool.

The source and the pipeline are built anew for every run: dagster-dlt mutates the dlt schema,
so reusing one source object across materializations in a process fails with KeyError 'name'
(dagster-io/dagster#34052). Building them is cheap and touches no network.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at runtime.
import importlib
from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, dlt_assets
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from orchestration.lib.dlt_translator import CrosswalkDltTranslator
from orchestration.lib.pipelines import build_pipeline
from orchestration.lib.warehouse_lock import retry_while_held

# Vendors whose sources are wired into the graph. An import error in one of them must fail the
# code location loudly, never drop the vendor silently.
VENDORS: tuple[str, ...] = ("bamboohr", "netsuite", "harvest", "gusto")
WAREHOUSE_POOL = "warehouse"


def source_factory(vendor: str) -> Callable[[], dlt.sources.DltSource]:
    """The `<vendor>_source` constructor of `dlt_sources.<vendor>`."""
    module = importlib.import_module(f"dlt_sources.{vendor}")
    return getattr(module, f"{vendor}_source")


CURSOR_WORDS = ("cursor", "since", "latest", "lastmodified", "updated")


def cursor_positions(state: object, path: str = "") -> dict[str, str]:
    """Scalar entries of a resource state that name a cursor position, by their state path.

    Sources keep more than cursors in state (known row ids, change hashes); only positions are
    worth showing, and never credentials (sources keep none in state).
    """
    found: dict[str, str] = {}
    if isinstance(state, dict):
        for key, value in state.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(value, dict):
                found.update(cursor_positions(value, where))
            elif isinstance(value, str | int | float) and any(
                word in where.lower() for word in CURSOR_WORDS
            ):
                found[where] = str(value)
    return found


def cursor_metadata(pipeline: dlt.Pipeline, vendor: str, resource: str) -> dict[str, Any]:
    """The resource's cursor positions per instance, as asset metadata."""
    sources = pipeline.state.get("sources", {})
    state = sources.get(vendor, {}).get("resources", {}).get(resource)
    positions = cursor_positions(state or {})
    return {"cursors": dg.MetadataValue.json(positions)} if positions else {}


def row_counts(pipeline: dlt.Pipeline, tables: list[str]) -> dict[str, int]:
    """Each table's row count in the warehouse after the load (absent: not created yet).

    One connection for all of them (each `sql_client()` resolves the destination's config and
    opens the DuckDB file: ~40 ms). dagster-dlt's `fetch_row_count()` raises when a resource
    loaded nothing in a run (no load job to name the table), which every incremental run with an
    unchanged resource does; the table's name is the resource's, so count it directly.
    """
    counts: dict[str, int] = {}
    with pipeline.sql_client() as client:
        if not client.has_dataset():
            return counts
        for table in tables:
            qualified = client.make_qualified_table_name(table)
            try:
                with client.execute_query(f"select count(*) from {qualified}") as cursor:
                    (counts[table],) = cursor.fetchone()
            except DatabaseUndefinedRelation:
                continue
    return counts


def vendor_assets(vendor: str) -> dg.AssetsDefinition:
    make_source = source_factory(vendor)
    translator = CrosswalkDltTranslator(vendor)

    @dlt_assets(
        dlt_source=make_source(),
        dlt_pipeline=build_pipeline(vendor),
        name=f"{vendor}_raw",
        dagster_dlt_translator=translator,
        pool=WAREHOUSE_POOL,
    )
    def _assets(context: dg.AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
        pipeline = build_pipeline(vendor)
        materialized: list[dg.MaterializeResult] = []
        # Refused by a push reading the warehouse: run again (a failed load's package is loaded
        # first by the next run of the pipeline, so nothing is lost or loaded twice).
        with retry_while_held(context.log):
            for event in dlt.run(
                context=context,
                dlt_source=make_source(),
                dlt_pipeline=pipeline,
                dagster_dlt_translator=translator,
            ):
                if isinstance(event, dg.MaterializeResult) and event.asset_key is not None:
                    materialized.append(event)  # dagster-dlt yields them all after the load
                else:
                    yield event
            counts = row_counts(pipeline, [event.asset_key.path[-1] for event in materialized])
        for event in materialized:
            resource = event.asset_key.path[-1]
            count = (
                {"dagster/row_count": dg.MetadataValue.int(int(counts[resource]))}
                if resource in counts
                else {}
            )
            yield dg.MaterializeResult(
                asset_key=event.asset_key,
                metadata={
                    **(event.metadata or {}),
                    **count,
                    **cursor_metadata(pipeline, vendor, resource),
                },
            )

    return _assets


def ingest_assets() -> list[dg.AssetsDefinition]:
    return [vendor_assets(vendor) for vendor in VENDORS]
