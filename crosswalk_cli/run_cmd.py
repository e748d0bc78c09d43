"""`crosswalk run`: materialize the graph once, headless, against the configured systems.

Runs with the Dagster instance in `.dagster_home/` so every run shows up in the UI; prints one
line per materialized asset and exits non-zero when anything failed.
"""

from __future__ import annotations

import sys

import dagster as dg

from orchestration.instance import ensure_dagster_home


def run(select: str | None, push: bool) -> int:
    ensure_dagster_home()
    from orchestration.definitions import defs  # after DAGSTER_HOME is set

    assets = list(defs.assets or [])
    if not assets:
        sys.stderr.write("crosswalk run: the graph has no assets to materialize\n")
        return 1
    del push  # write-back arrives with the write-back flows; nothing to push yet
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize(
            assets,
            selection=select,
            instance=instance,
            resources=defs.resources,
            raise_on_error=False,
            tags={"crosswalk/trigger": "cli"},
        )
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        rows = materialization.metadata.get("dagster/row_count")
        shown = f"{rows.value} rows" if rows is not None else ""
        sys.stdout.write(f"  {materialization.asset_key.to_user_string():40} {shown}\n")
    failed = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    for event in failed:
        sys.stdout.write(f"FAILED {event.step_key}: {event.message}\n")
    status = "succeeded" if result.success else "failed"
    sys.stdout.write(f"run {result.run_id} {status}\n")
    return 0 if result.success else 1
