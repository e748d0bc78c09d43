"""The `crosswalk` command line: discoverable, and clear about bad input."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crosswalk_cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_the_sandbox_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "sandbox" in result.stdout


def test_sandbox_help_lists_every_documented_option() -> None:
    result = run("sandbox", "--help")
    assert result.returncode == 0
    for option in ("--size", "--seed", "--host", "--port", "--faults", "--dirty", "--state"):
        assert option in result.stdout


def test_a_bad_size_is_refused_with_a_clear_message(tmp_path) -> None:
    state = tmp_path / "sandbox.sqlite"
    result = run("sandbox", "--size", "huge", "--state", str(state))
    assert result.returncode != 0
    assert "huge" in result.stderr
    assert not state.exists()
