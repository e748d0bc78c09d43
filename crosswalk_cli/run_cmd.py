"""`crosswalk run`: materialize the graph once, headless, against the configured systems.

Runs with the Dagster instance in `.dagster_home/` so every run shows up in the UI. A run whose
process died (on this host) is first reported failed and its warehouse pool slot freed
(orchestration/lib/run_recovery.py), or this run would wait for that slot forever. One run covers
the selection (by default the whole graph: ingestion, then dbt by dependency, then the published
BI copy and the write-back pushes, unless `--no-push`; with `--full-refresh` every dbt op in it
rebuilds its incremental models from nothing); prints one line per materialized asset
and one per failed asset check (dbt test), and exits non-zero when a step failed or a check of
severity error failed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import dagster as dg

from orchestration.instance import ensure_dagster_home
from orchestration.lib.run_recovery import process_tags, recover_abandoned_runs


def failed_check_lines(evaluations: Iterable[dg.AssetCheckEvaluation]) -> tuple[list[str], bool]:
    """One line per failed check, and whether any of them has severity error."""
    lines, blocking = [], False
    for evaluation in evaluations:
        if evaluation.passed:
            continue
        is_error = evaluation.severity == dg.AssetCheckSeverity.ERROR
        blocking = blocking or is_error
        failures = evaluation.metadata.get("dagster_dbt/failed_row_count")
        rows = f" ({failures.value} failing rows)" if failures is not None else ""
        level = "FAILED" if is_error else "WARN"
        lines.append(
            f"{level} check {evaluation.asset_key.to_user_string()}:{evaluation.check_name}{rows}"
        )
    return lines, blocking


def failure_reason(event: dg.DagsterEvent) -> str:
    """The error the step's own code raised (not Dagster's wrapper, not its low-level cause)."""
    error = event.step_failure_data.error if event.step_failure_data else None
    if error is None:
        return event.message or "failed"
    if error.cls_name == "DagsterExecutionStepExecutionError" and error.cause is not None:
        error = error.cause
    return error.message.strip()


WRITE_BACK_GROUPS = ("push", "ops")
# dbt's words when an incremental model's columns no longer match its table (on_schema_change
# 'fail'). Its own advice (change on_schema_change, alter the table) is not crosswalk's way.
SCHEMA_CHANGE_REFUSED = "schemas on this incremental model are out of sync"
FULL_REFRESH_HINT = (
    "hint: an incremental model's columns changed (an upgrade?); its table was kept as it was. "
    "Rebuild it from its sources with `crosswalk run --full-refresh` (docs/transformation.md).\n"
)


def run_selection(select: str | None, push: bool) -> dg.AssetSelection:
    """The assets a run materializes: `select` (default all), without write-back if not `push`."""
    selection = dg.AssetSelection.from_string(select) if select else dg.AssetSelection.all()
    if not push:
        selection = selection - dg.AssetSelection.groups(*WRITE_BACK_GROUPS)
    return selection


def run(select: str | None, push: bool, full_refresh: bool = False) -> int:
    ensure_dagster_home()
    from orchestration.definitions import defs  # after DAGSTER_HOME is set
    from orchestration.defs.transform.assets import full_refresh_run_config

    assets = list(defs.assets or [])
    if not assets:
        sys.stderr.write("crosswalk run: the graph has no assets to materialize\n")
        return 1
    selection = run_selection(select, push)
    run_config = full_refresh_run_config(assets, selection) if full_refresh else None
    if full_refresh and run_config is None:
        sys.stderr.write("crosswalk run: --full-refresh, but the selection has no dbt model\n")
        return 2
    with dg.DagsterInstance.get() as instance:
        failed_runs, freed_runs = recover_abandoned_runs(instance)
        for run_id in failed_runs:
            sys.stdout.write(f"recovered: run {run_id} had died; reported it failed\n")
        for run_id in freed_runs:
            sys.stdout.write(f"recovered: freed the pool slots run {run_id} still held\n")
        result = dg.materialize(
            assets,
            selection=selection,
            run_config=run_config,
            instance=instance,
            resources=defs.resources,
            raise_on_error=False,
            tags={"crosswalk/trigger": "cli", **process_tags()},
        )
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        rows = materialization.metadata.get("dagster/row_count")
        shown = f"{rows.value} rows" if rows is not None else ""
        sys.stdout.write(f"  {materialization.asset_key.to_user_string():40} {shown}\n")
    evaluations = result.get_asset_check_evaluations()
    check_lines, failed_checks = failed_check_lines(evaluations)
    passed = sum(1 for evaluation in evaluations if evaluation.passed)
    if evaluations:
        sys.stdout.write(f"  checks: {passed} of {len(evaluations)} passed\n")
    for line in check_lines:
        sys.stdout.write(line + "\n")
    failed = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    for event in failed:
        reason = failure_reason(event)
        sys.stdout.write(f"FAILED {event.step_key}: {reason}\n")
        if SCHEMA_CHANGE_REFUSED in reason:
            sys.stdout.write(FULL_REFRESH_HINT)
    succeeded = result.success and not failed_checks
    status = "succeeded" if succeeded else "failed"
    sys.stdout.write(f"run {result.run_id} {status}\n")
    return 0 if succeeded else 1
