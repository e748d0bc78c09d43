"""The Dagster instance crosswalk runs against: `.dagster_home/` unless DAGSTER_HOME says else."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

TEMPLATE = Path(__file__).with_name("dagster.yaml")


def ensure_dagster_home(default: Path = Path(".dagster_home")) -> Path:
    """Set DAGSTER_HOME if unset and give it crosswalk's instance config if it has none."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(default.resolve())))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(TEMPLATE, config)
    return home
