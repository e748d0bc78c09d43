"""Child servers of a local crosswalk: the vendor sandbox and the webhook receiver.

Started by `crosswalk chaos`, the benchmarks and the tests (tests/support wraps start_sandbox with
the tests' defaults), each on its own loopback port, stopped by its own pid. `sandbox_source_env`
aims every configured source instance at a sandbox listening somewhere else than the committed
profile's port 8700.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from dlt_sources.common.config import load_instances
from orchestration.environment import DEFAULT_SANDBOX_URL

# The sandbox's four systems (orchestration.defs.ingest.assets.VENDORS, without importing Dagster).
SANDBOX_VENDORS = ("bamboohr", "netsuite", "harvest", "gusto")


def sandbox_source_env(sandbox_url: str) -> dict[str, str]:
    """Env vars that move every instance configured on the default sandbox URL to `sandbox_url`.

    Read from the configured instances (`.dlt/config.toml`), so an added instance follows.
    """
    env = {"CROSSWALK_PROFILE": "sandbox", "CROSSWALK_SANDBOX_URL": sandbox_url}
    for vendor in SANDBOX_VENDORS:
        for instance in load_instances(vendor, ()):
            prefix = f"SOURCES__{vendor.upper()}__{instance.name.upper()}__"
            urls = {"base_url": instance.base_url, **instance.settings}
            for key, value in urls.items():
                if key.endswith("base_url") and str(value).startswith(DEFAULT_SANDBOX_URL):
                    env[prefix + key.upper()] = sandbox_url + str(value)[len(DEFAULT_SANDBOX_URL) :]
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ChildServer:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    # The log line that said it was ready, when its start waited for one.
    ready_line: str | None = None

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, then SIGKILL if it lingers; always by its own pid."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _crosswalk(*args: str) -> list[str]:
    return [sys.executable, "-m", "crosswalk_cli.main", *args]


def _start(
    name: str,
    args: list[str],
    env: dict[str, str],
    log_path: Path,
    url: str,
    health_path: str,
    wait: float,
    ready_line: str | None = None,
) -> ChildServer:
    with open(log_path, "ab") as log:
        process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = ChildServer(name, url, process, log_path)
    health_url = url + health_path
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")
        try:
            answering = httpx.get(health_url, timeout=2).status_code == 200
        except httpx.HTTPError:
            answering = False
        if answering:
            if ready_line is None:
                return server
            server.ready_line = _line_starting(log_path, ready_line)
            if server.ready_line is not None:
                return server
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"{name} did not answer at {health_url} within {wait:.0f}s")


def _line_starting(log_path: Path, prefix: str) -> str | None:
    """The first line of the log starting with `prefix`, without its line break."""
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith(prefix):
            return line
    return None


# Where each system of the sandbox is served, under its URL (the vendors' own base paths).
SANDBOX_BASE_PATHS = {
    "bamboohr": "/bamboohr/api/gateway.php/acme/v1",
    "netsuite": "/netsuite/services/rest",
    "harvest": "/harvest/v2",
    "forecast": "/forecast",
    "gusto": "/gusto/v1",
    "control": "/_sandbox",
}


@dataclass(kw_only=True)
class SandboxServer(ChildServer):
    """A running `crosswalk sandbox`: its port and the SQLite file its firm lives in."""

    port: int
    state: Path

    def base(self, system: str) -> str:
        """The base URL of `system` (a vendor, or `control` for the sandbox's own API)."""
        return self.url + SANDBOX_BASE_PATHS[system]


def start_sandbox(
    workdir: Path,
    *,
    size: str,
    seed: int,
    faults: str = "none",
    dirty: float = 0.0,
    rate_limits: bool = True,
    rotate_refresh_tokens: bool = False,
    state: Path | None = None,
    env: dict[str, str] | None = None,
    port: int | None = None,
    wait: float = 600.0,
) -> SandboxServer:
    """`crosswalk sandbox` over a firm kept in `state` (default `workdir/sandbox.sqlite`).

    Answering once the firm is generated or loaded (`large` takes minutes: `wait`). `env`
    defaults to this process's; the log is `workdir/sandbox-<port>.log`.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    state = state or workdir / "sandbox.sqlite"
    args = _crosswalk("sandbox", "--size", size, "--seed", str(seed), "--port", str(port))
    args += ["--faults", faults, "--dirty", str(dirty), "--state", str(state)]
    if not rate_limits:
        args.append("--no-rate-limits")
    if rotate_refresh_tokens:
        args.append("--rotate-refresh-tokens")
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / f"sandbox-{port}.log"
    server = _start(
        "sandbox", args, env or dict(os.environ), log_path, url, "/_sandbox/health", wait
    )
    return SandboxServer(
        server.name, server.url, server.process, server.log_path, port=port, state=state
    )


def start_receiver(workdir: Path, *, env: dict[str, str], port: int | None = None) -> ChildServer:
    """`crosswalk webhooks --register`: subscribed to the env's BambooHR and Gusto."""
    port = port or free_port()
    args = _crosswalk("webhooks", "--port", str(port), "--register")
    url = f"http://127.0.0.1:{port}"
    # Ready once subscribed, not once listening: it listens first to take Gusto's handshake.
    log = workdir / "webhooks.log"
    return _start(
        "webhook receiver", args, env, log, url, "/health", 180, ready_line="receiver ready"
    )
