"""Fixtures of the ingestion layer: a sandbox per module, sources pointed at it, a temp warehouse.

Sources read their base URLs from dlt config (`.dlt/config.toml` points at port 8700); the
fixtures point every instance at the test's own sandbox through env vars, exactly as a user
points crosswalk at a real tenant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from orchestration.lib.pipelines import build_pipeline
from tests.support.sandbox_process import SandboxProcess, start_sandbox
from tests.support.sources import point_sources_at


@pytest.fixture(scope="module")
def source_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A sandbox of this test module's own (its clock moves), vendor rate limits on."""
    process = start_sandbox(tmp_path_factory.mktemp("source-sandbox"))
    yield process
    process.stop()


@pytest.fixture()
def aimed(
    monkeypatch: pytest.MonkeyPatch, source_sandbox: SandboxProcess, tmp_path: Path
) -> SandboxProcess:
    point_sources_at(monkeypatch, source_sandbox)
    # Rotated Gusto refresh tokens are kept beside the warehouse; these runs name no warehouse.
    monkeypatch.setenv("SOURCES__GUSTO__TOKEN_STORE", str(tmp_path / "gusto_refresh_tokens.json"))
    return source_sandbox


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"


@pytest.fixture(scope="module")
def pipelines_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pipelines")


@pytest.fixture()
def pipeline_for(warehouse: Path, pipelines_dir: Path) -> Callable[[str], dlt.Pipeline]:
    def make(vendor: str) -> dlt.Pipeline:
        return build_pipeline(vendor, warehouse=warehouse, pipelines_dir=pipelines_dir)

    return make


UNTYPED_COLUMNS_WARNING = "could not have their types inferred"


@pytest.fixture()
def dlt_warnings() -> Iterator[Callable[[], list[str]]]:
    """The warnings dlt logs during the test.

    dlt's logger does not propagate to the root, where caplog listens, and (re)initialising it
    adopts the first handler it has as its own: so a filter on the logger collects the records,
    and dlt's own output is left as it is.
    """
    dlt_logger = logging.getLogger("dlt")
    records: list[logging.LogRecord] = []

    def keep(record: logging.LogRecord) -> bool:
        records.append(record)
        return True

    dlt_logger.addFilter(keep)
    try:
        yield lambda: [r.getMessage() for r in records if r.levelno >= logging.WARNING]
    finally:
        dlt_logger.removeFilter(keep)


def truth_counts(sandbox: SandboxProcess, system: str) -> dict[str, int]:
    counts = httpx.get(sandbox.base("control") + "/truth/counts", timeout=120).json()
    return counts[system]


def raw_counts(warehouse: Path, system: str, tables: list[str]) -> dict[str, int]:
    """Rows per raw table, counting only live rows (tombstones are applied by merge)."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return {
            table: conn.execute(f'select count(*) from raw_{system}."{table}"').fetchone()[0]
            for table in tables
        }
