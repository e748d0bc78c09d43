"""Start a real sandbox process on a free loopback port, and stop it by its own pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from crosswalk_cli.local_stack import free_port

REPO = Path(__file__).resolve().parents[2]


@dataclass
class SandboxProcess:
    url: str
    port: int
    state: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def base(self, system: str) -> str:
        return (
            self.url
            + {
                "bamboohr": "/bamboohr/api/gateway.php/acme/v1",
                "netsuite": "/netsuite/services/rest",
                "harvest": "/harvest/v2",
                "forecast": "/forecast",
                "gusto": "/gusto/v1",
                "control": "/_sandbox",
            }[system]
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_sandbox(
    workdir: Path,
    *,
    size: str = "small",
    seed: int = 42,
    faults: str = "none",
    dirty: float = 0.0,
    rate_limits: bool = True,
    state: Path | None = None,
    timeout: float = 180.0,
) -> SandboxProcess:
    """Run `crosswalk sandbox` in a child process and wait until it answers health checks."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    state = state or workdir / "sandbox.sqlite"
    log_path = workdir / f"sandbox-{port}.log"
    args = [
        sys.executable,
        "-m",
        "crosswalk_cli.main",
        "sandbox",
        "--size",
        size,
        "--seed",
        str(seed),
        "--port",
        str(port),
        "--faults",
        faults,
        "--dirty",
        str(dirty),
        "--state",
        str(state),
    ]
    if not rate_limits:
        args.append("--no-rate-limits")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    sandbox = SandboxProcess(f"http://127.0.0.1:{port}", port, state, process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sandbox exited early:\n{log_path.read_text()[-4000:]}")
        try:
            if httpx.get(f"{sandbox.url}/_sandbox/health", timeout=1).status_code == 200:
                return sandbox
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    sandbox.stop()
    raise TimeoutError(f"sandbox did not start in {timeout}s:\n{log_path.read_text()[-4000:]}")
