"""dbt models as Dagster assets (tests as asset checks), and the published BI copy after them.

One `@dbt_assets` definition covers the dbt project (a slice that must run apart, after non-dbt
assets, gets one of its own: `transform_assets`): every model, seed and snapshot is an
asset keyed `<schema>/<name>` and grouped by its dbt folder; every dbt test on them is an asset
check (dagster-dbt's default). Sources carry the ingestion assets' keys in their meta, so each
model sits downstream of the raw tables it reads and a run of the whole graph builds dbt after
ingestion. dbt writes the same DuckDB file as dlt, so it runs in the same pool (`warehouse`,
limit 1), as does the publish, which reads it.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at runtime.
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.compat import DBT_PYTHON_VERSION
from packaging import version
from pydantic import Field

from orchestration.defs.ingest.assets import WAREHOUSE_POOL
from orchestration.defs.transform.partial_parse import cache_file, keep_state, seed_invocation
from orchestration.defs.transform.project import dbt_executable
from orchestration.defs.transform.translator import CrosswalkDbtTranslator
from orchestration.environment import warehouse_path
from orchestration.lib.business_clock import business_now
from orchestration.lib.publish import bi_schemas, bi_warehouse_path, publish
from orchestration.lib.warehouse_lock import retry_while_held

PUBLISHED_WAREHOUSE_KEY = dg.AssetKey(["bi", "published_warehouse"])
PROFILE_WAREHOUSE_ENV = "CROSSWALK_WAREHOUSE"
DBT_OP_NAME = "dbt_models"
# dagster-dbt gives every dbt invocation its own target folder (~10-20 MB with compiled SQL and
# logs) and never removes it; the newest are kept for debugging a failed run.
KEEP_INVOCATION_DIRS = 10


BUSINESS_NOW_ENV = "CROSSWALK_BUSINESS_NOW"


class DbtBuildConfig(dg.Config):
    """Run config of a dbt op (`ops: {dbt_models: {config: {full_refresh: true}}}`)."""

    full_refresh: bool = Field(
        default=False,
        description=(
            "Rebuild the incremental models from nothing (dbt --full-refresh), e.g. after an "
            "upgrade changed their columns: they refuse a schema change otherwise. "
            "drift_findings keeps its history (full_refresh=false in the model) and the "
            "worker history snapshot is never rebuilt; time entries and postings deleted at "
            "the source, so far kept flagged deleted, are forgotten."
        ),
    )


def is_dbt_build(assets: object) -> bool:
    """Whether `assets` is one of the graph's dbt ops (`@dbt_assets` tags its op so)."""
    return isinstance(assets, dg.AssetsDefinition) and "dagster_dbt/select" in assets.op.tags


def full_refresh_run_config(
    assets: Sequence[Any], selection: dg.AssetSelection
) -> dict[str, Any] | None:
    """Run config turning on DbtBuildConfig's `full_refresh` for each dbt op `selection` reaches.

    None if it reaches none. For `crosswalk run --full-refresh`, and for a schedule or sensor
    that requests a rebuild from nothing.
    """
    selected = selection.resolve(list(assets))
    ops = {
        definition.op.name: {"config": {"full_refresh": True}}
        for definition in assets
        if is_dbt_build(definition) and selected & set(definition.keys)
    }
    return {"ops": ops} if ops else None


def set_business_now_for_dbt(business_time: str | None) -> None:
    """Hand dbt the business "now" (macro `business_now()`), or let it use the wall clock.

    An environment variable, not a dbt var: a changed var makes dbt re-parse the whole project
    (~5 s a build here, and the time moves every build); a changed env var read by a macro does
    not.
    """
    if business_time:
        os.environ[BUSINESS_NOW_ENV] = business_time
    else:
        os.environ.pop(BUSINESS_NOW_ENV, None)


def pin_warehouse_for_dbt() -> None:
    """Make the warehouse path absolute for dbt, which runs with the dbt project as its cwd.

    profiles.yml reads CROSSWALK_WAREHOUSE; a relative value (the default `data/...`) would
    resolve under `dbt_project/` and build into a second, empty warehouse.
    """
    path = warehouse_path().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ[PROFILE_WAREHOUSE_ENV] = str(path)


def prune_invocation_dirs(
    target: Path, keep: int = KEEP_INVOCATION_DIRS, op_name: str = DBT_OP_NAME
) -> int:
    """Remove all but the `keep` newest target folders of op `op_name`; return how many went."""
    folders = sorted(
        (path for path in target.glob(f"{op_name}-*") if path.is_dir()),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for folder in folders[keep:]:
        shutil.rmtree(folder, ignore_errors=True)
    return max(0, len(folders) - keep)


def dbt_model_assets(
    project: DbtProject,
    *,
    name: str = DBT_OP_NAME,
    select: str = "fqn:*",
    exclude: str | None = None,
) -> dg.AssetsDefinition:
    """The selected nodes of `project` as assets, built with one `dbt build` per run."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name=name,
        select=select,
        exclude=exclude,
        dagster_dbt_translator=CrosswalkDbtTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def _dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
    ) -> Iterator[Any]:
        # Read before dbt starts: in the sandbox profile an unreadable clock fails the step.
        business_time = business_now()
        refresh = " from nothing (--full-refresh)" if config.full_refresh else ""
        context.log.info(f"dbt build{refresh} at business time {business_time}")
        pin_warehouse_for_dbt()
        set_business_now_for_dbt(business_time)
        target = project.project_dir / project.target_path
        prune_invocation_dirs(target, op_name=name)
        # Named as dagster-dbt names it; chosen here so the kept parse state can go in first.
        invocation_dir = target / f"{name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
        parse_state = cache_file(target, warehouse_path())
        if not seed_invocation(invocation_dir, parse_state):
            context.log.info("no parse state kept for this warehouse yet: dbt parses in full")
        try:
            # Refused by a push reading the warehouse as dbt opened it: the nodes refused fail;
            # the step runs again (a node built meanwhile is built once more, as dbt builds do).
            with retry_while_held(context.log):
                yield from _build(dbt, context, invocation_dir, config.full_refresh).stream()
        finally:
            # Kept even after failed tests: the parse is valid whatever the build found.
            keep_state(invocation_dir, parse_state)

    return _dbt_models


INDIRECT_SELECTION_ENV = "DBT_INDIRECT_SELECTION"  # read by dagster-dbt and dbt


def _build(
    dbt: DbtCliResource,
    context: dg.AssetExecutionContext,
    target_path: Path,
    full_refresh: bool = False,
) -> Any:
    """`dbt build` of the selected assets; a subset runs only the tests dbt can judge from them.

    dbt's default indirect selection (`eager`) also runs a test of a model left out when it merely
    refers to one that is selected (each time entry's worker exists): it compares the rebuilt
    model with a stale one, and dagster-dbt logs its result as an observation, not a check.
    `buildable` runs a test only when all its parents are built or upstream of what is. Not
    forced when set already (dagster-dbt itself turns it to `empty` when it lists the checks).
    A subset is a targeted run (a webhook's, where every second counts): it writes no JSON
    artifacts (manifest.json, run_results.json: ~0.5 s of a 2-core machine); its dbt.log stays.
    `full_refresh` (DbtBuildConfig) rebuilds the incremental models from nothing.
    """
    subset = context.is_subset
    args = ["build", "--no-write-json"] if subset else ["build"]
    if full_refresh:
        args.append("--full-refresh")
    defaulted = subset and INDIRECT_SELECTION_ENV not in os.environ
    if defaulted:
        os.environ[INDIRECT_SELECTION_ENV] = "buildable"
    try:  # dagster-dbt reads it when the invocation is made, not while it streams
        return dbt.cli(args, context=context, target_path=target_path)
    finally:
        if defaulted:
            del os.environ[INDIRECT_SELECTION_ENV]


def published_warehouse_asset(*upstream: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The BI copy, downstream of every dbt asset so it publishes after a build."""

    @dg.asset(
        key=PUBLISHED_WAREHOUSE_KEY,
        group_name="bi",
        deps=sorted(
            {key for assets in upstream for key in assets.keys},
            key=lambda key: key.to_user_string(),
        ),
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description=(
            "Read-only copy of the BI schemas (marts and reconciliation by default) that BI tools "
            "query, swapped in atomically after each build; `_published` lists its tables and "
            "row counts. See docs/bi.md."
        ),
    )
    def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        warehouse = warehouse_path()
        publication = publish(
            warehouse, bi_warehouse_path(warehouse), bi_schemas(), run_id=context.run_id
        )
        context.log.info(
            f"published {len(publication.row_counts)} tables ({publication.total_rows} rows) "
            f"to {publication.path} in {publication.seconds:.2f}s"
        )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(publication.path)),
                "published_at": dg.MetadataValue.timestamp(publication.published_at),
                "tables": dg.MetadataValue.json(publication.row_counts),
                "dagster/row_count": publication.total_rows,
                "seconds": round(publication.seconds, 3),
                "size_bytes": publication.size_bytes,
            }
        )

    return published_warehouse


def transform_assets(
    project: DbtProject, slices: Mapping[str, str] | None = None
) -> list[dg.AssetsDefinition]:
    """The dbt models, one op for all but `slices` (op name -> dbt selection), one op per slice.

    A slice downstream of non-dbt assets that are themselves downstream of dbt (the observability
    marts over the write-back's mirror: dbt -> push -> mirror -> dbt) needs its own op: inside
    the one op that would be a cycle, which Dagster resolves by splitting the op by depth, seeds
    in a step of their own, where dbt's eager indirect selection runs tests of models not yet
    built (a fresh warehouse's first run failed on one).
    """
    slices = dict(slices or {})
    models = dbt_model_assets(project, exclude=" ".join(slices.values()) or None)
    separate = [
        dbt_model_assets(project, name=name, select=select) for name, select in slices.items()
    ]
    return [models, *separate, published_warehouse_asset(models, *separate)]


class CrosswalkDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two costs it pays before each dbt command.

    - The in-process dbt adapter: dagster-dbt loads the project, the profile and every macro in
      the Dagster process (~4 s on 2 cores, ~8 s loaded) so that `fetch_row_counts()` /
      `fetch_column_metadata()` can query relations afterwards. crosswalk streams events and
      uses neither (and with DuckDB the adapter only opens the warehouse read-only after dbt is
      done), so the handle is never built; the invocation takes no adapter, as under dbt Fusion.
    - `dbt --version` in a subprocess (~2.8 s: a Python start importing dbt) to learn the
      executable's version: the executable is this environment's own (`dbt_executable()`), whose
      dbt-core dagster-dbt has imported already, so that version is the answer.

    tests/dbt/test_dbt_assets.py fails if dagster-dbt renames either hook, rather than these
    costs coming back unnoticed.
    """

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        if DBT_PYTHON_VERSION is None or Path(self.dbt_executable) != Path(dbt_executable()):
            return super()._cli_version  # another dbt (Fusion, another venv): ask it
        return DBT_PYTHON_VERSION


def dbt_resource(project: DbtProject) -> DbtCliResource:
    return CrosswalkDbtCliResource(project_dir=project, dbt_executable=dbt_executable())
