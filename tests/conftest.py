"""Shared fixtures: real sandbox processes on free loopback ports, stopped by their own pid."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.receiver import Receiver
from tests.support.sandbox_process import SandboxProcess, start_sandbox


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
