"""The Dagster instance crosswalk runs against: `.dagster_home/` unless DAGSTER_HOME says else.

crosswalk gives a home its instance config (`dagster.yaml`, from the template beside this module)
and keeps it current the way a package manager keeps a config file: a copy crosswalk wrote and
nobody edited is replaced when the template changes; an edited one is kept, with a warning that
names what differs. What crosswalk wrote is recorded as a digest beside the file.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import yaml

TEMPLATE = Path(__file__).with_name("dagster.yaml")
WRITTEN_DIGEST = "dagster.yaml.crosswalk-sha256"

log = logging.getLogger("crosswalk.instance")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _top_level_differences(ours: str, theirs: str) -> list[str]:
    """Top-level keys whose settings differ between two instance configs, sorted."""
    mine, yours = yaml.safe_load(ours) or {}, yaml.safe_load(theirs) or {}
    return sorted(key for key in mine.keys() | yours.keys() if mine.get(key) != yours.get(key))


def _write(config: Path, template: str) -> None:
    config.write_text(template)
    config.with_name(WRITTEN_DIGEST).write_text(_digest(template) + "\n")


def ensure_instance_config(home: Path) -> Path:
    """Give `home` crosswalk's current dagster.yaml unless someone edited the one it has."""
    config = home / "dagster.yaml"
    template = TEMPLATE.read_text()
    if not config.exists():
        _write(config, template)
        return config
    current = config.read_text()
    if current == template:
        return config
    written = config.with_name(WRITTEN_DIGEST)
    if written.exists() and written.read_text().strip() == _digest(current):
        _write(config, template)
        log.warning("%s: replaced crosswalk's older instance config with the current one", config)
        return config
    differences = _top_level_differences(template, current)
    if not differences:  # comments only
        return config
    log.warning(
        "%s differs from crosswalk's instance config (%s) in: %s. It is kept as it is; remove it "
        "to get crosswalk's, or carry those settings over by hand.",
        config,
        TEMPLATE,
        ", ".join(differences),
    )
    return config


def ensure_dagster_home(default: Path = Path(".dagster_home")) -> Path:
    """Set DAGSTER_HOME if unset and give it crosswalk's instance config (see the module doc)."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(default.resolve())))
    home.mkdir(parents=True, exist_ok=True)
    ensure_instance_config(home)
    return home
