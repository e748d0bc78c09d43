"""The tests' sandbox: crosswalk's own (crosswalk_cli.local_stack), a `small` firm of seed 42.

Each test starts it on a free loopback port and stops it by its own pid.
"""

from __future__ import annotations

from pathlib import Path

from crosswalk_cli.local_stack import SandboxServer
from crosswalk_cli.local_stack import start_sandbox as start_local_sandbox

REPO = Path(__file__).resolve().parents[2]

# The tests' name for it.
SandboxProcess = SandboxServer


def start_sandbox(
    workdir: Path,
    *,
    size: str = "small",
    seed: int = 42,
    faults: str = "none",
    dirty: float = 0.0,
    rate_limits: bool = True,
    rotate_refresh_tokens: bool = False,
    state: Path | None = None,
    timeout: float = 180.0,
) -> SandboxServer:
    """Run `crosswalk sandbox` in a child process and wait until it answers health checks."""
    return start_local_sandbox(
        workdir,
        size=size,
        seed=seed,
        faults=faults,
        dirty=dirty,
        rate_limits=rate_limits,
        rotate_refresh_tokens=rotate_refresh_tokens,
        state=state,
        wait=timeout,
    )
