"""Shared fixtures: real sandbox processes on free loopback ports, stopped by their own pid.

The suite runs on two pytest-xdist workers (`--dist loadgroup`, pyproject.toml): each test is
kept on one worker with the tests that share its expensive fixture, so a lived firm is built
once, not once per worker — the session firms by fixture name, module fixtures by module.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from packaging.version import Version

from tests.support.receiver import Receiver
from tests.support.sandbox_process import SandboxProcess, start_sandbox

# Session fixtures that build a lived firm (minutes each): their tests share one worker.
SESSION_FIRMS = {"built_warehouse": "firm-seed42", "firm": "firm-seed7"}


# The longest groups (minutes each in CI), started first so that none of them is the last thing
# a worker does: with `--no-loadscope-reorder` (pyproject.toml) xdist hands groups out in
# collection order; its default order, most tests first, started the one-test chaos group last.
LONGEST_FIRST = (
    "tests/chaos/test_chaos_small.py",
    "firm-seed7",
    "firm-seed42",
    "tests/demo/test_browser_demo.py",
    "tests/webhooks/test_hire_reaches_psa.py",
    "tests/orchestration/test_domain_freshness.py",
)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    groups: dict[str, str] = {}
    for item in items:
        group = next((g for name, g in SESSION_FIRMS.items() if _uses_session(item, name)), None)
        groups[item.nodeid] = group or item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(groups[item.nodeid]))
    rank = {group: i for i, group in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(groups[item.nodeid], len(rank)))  # stable


def _uses_session(item: pytest.Item, fixture: str) -> bool:
    """Whether `item` uses the session fixture `fixture` (not a module's own of the same name)."""
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.get(fixture, ()) if info is not None else ()
    return bool(definitions) and definitions[-1].scope == "session"


def pytest_configure(config: pytest.Config) -> None:
    # pytest 9.2 drops the node-id suffix by which xdist groups tests (pytest-xdist#1386):
    # tests sharing a module's state would silently split across workers.
    grouped = config.getoption("dist", "no") == "loadgroup" and config.getoption("numprocesses", 0)
    if grouped and Version(pytest.__version__) >= Version("9.2"):
        raise pytest.UsageError(
            f"pytest {pytest.__version__} breaks `--dist loadgroup`: keep pytest pinned below "
            "9.2 (pyproject.toml), or run in one process with `-n 0`."
        )


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A read-mostly sandbox shared by the tests that do not move its clock or inject faults."""
    process = start_sandbox(tmp_path_factory.mktemp("sandbox"), rate_limits=False)
    yield process
    process.stop()


@pytest.fixture()
def fresh_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A sandbox of its own, for tests that advance the clock, write, or inject faults."""
    process = start_sandbox(tmp_path_factory.mktemp("fresh-sandbox"))
    yield process
    process.stop()


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    """A webhook endpoint on a free loopback port that accepts every delivery."""
    server = Receiver()
    yield server
    server.stop()
