"""A Dagster home's instance config: written once, kept current, an edited one kept and named."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from orchestration.instance import (
    TEMPLATE,
    WRITTEN_DIGEST,
    _digest,
    ensure_dagster_home,
    ensure_instance_config,
)

# What homes made before the forking run launcher hold (the template of 176fd8e, abridged).
OLDER_TEMPLATE = """\
concurrency:
  pools:
    default_limit: 1
telemetry:
  enabled: false
run_queue:
  dequeue_interval_seconds: 1
"""


def _crosswalk_wrote(home: Path, text: str) -> Path:
    config = home / "dagster.yaml"
    config.write_text(text)
    (home / WRITTEN_DIGEST).write_text(_digest(text) + "\n")
    return config


def test_a_new_home_gets_the_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    home = ensure_dagster_home()
    assert (home / "dagster.yaml").read_text() == TEMPLATE.read_text()
    assert (home / WRITTEN_DIGEST).read_text().strip() == _digest(TEMPLATE.read_text())


def test_an_unedited_older_copy_is_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = _crosswalk_wrote(tmp_path, OLDER_TEMPLATE)
    with caplog.at_level(logging.WARNING, logger="crosswalk.instance"):
        ensure_instance_config(tmp_path)
    assert config.read_text() == TEMPLATE.read_text()
    assert (tmp_path / WRITTEN_DIGEST).read_text().strip() == _digest(TEMPLATE.read_text())
    assert "replaced crosswalk's older instance config" in caplog.text


def test_an_edited_copy_is_kept_and_what_differs_is_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = _crosswalk_wrote(tmp_path, TEMPLATE.read_text())
    edited = TEMPLATE.read_text() + "retention:\n  schedule:\n    purge_after_days: 30\n"
    config.write_text(edited)
    with caplog.at_level(logging.WARNING, logger="crosswalk.instance"):
        ensure_instance_config(tmp_path)
    assert config.read_text() == edited  # the person's edit is kept, byte for byte
    assert "differs from crosswalk's instance config" in caplog.text
    assert "in: retention." in caplog.text


def test_a_home_from_before_the_digest_is_kept_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "dagster.yaml"
    config.write_text(OLDER_TEMPLATE)  # no digest: crosswalk cannot tell it was never edited
    with caplog.at_level(logging.WARNING, logger="crosswalk.instance"):
        ensure_instance_config(tmp_path)
    assert config.read_text() == OLDER_TEMPLATE
    assert not (tmp_path / WRITTEN_DIGEST).exists()
    assert "run_launcher" in caplog.text and "remove it to get crosswalk's" in caplog.text


def test_a_copy_differing_in_comments_only_is_kept_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "dagster.yaml"
    commented = "# our platform team's notes\n" + TEMPLATE.read_text()
    config.write_text(commented)
    with caplog.at_level(logging.WARNING, logger="crosswalk.instance"):
        ensure_instance_config(tmp_path)
    assert config.read_text() == commented
    assert caplog.text == ""
