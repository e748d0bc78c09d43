"""The one place crosswalk reads its own settings from the environment (CROSSWALK_*)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8700"


def sandbox_url() -> str:
    """Root URL of the vendor sandbox (the demo and tests point crosswalk at it)."""
    return os.environ.get("CROSSWALK_SANDBOX_URL", DEFAULT_SANDBOX_URL).rstrip("/")


DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")


def warehouse_path() -> Path:
    """The DuckDB warehouse file (ARCHITECTURE §9)."""
    return Path(os.environ.get("CROSSWALK_WAREHOUSE", str(DEFAULT_WAREHOUSE)))
