"""Run `crosswalk webhooks --register` as a child process and stop it by its own pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from crosswalk_cli.local_stack import free_port
from tests.support.sandbox_process import REPO


@dataclass
class ReceiverProcess:
    url: str
    ready_line: str
    process: subprocess.Popen[str]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_receiver(env: dict[str, str], workdir: Path) -> ReceiverProcess:
    """Listen on a free loopback port, subscribed to the env's BambooHR and Gusto."""
    port = free_port()
    log_path = workdir / "webhooks.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "crosswalk_cli.main", "webhooks", "--port", str(port)]
            + ["--register"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    # A failed registration stops the receiver: stdout ends before the ready line.
    lines = iter(process.stdout.readline, "")
    ready = next((line for line in lines if line.startswith("receiver ready")), None)
    receiver = ReceiverProcess(f"http://127.0.0.1:{port}", (ready or "").strip(), process)
    if ready is None:
        receiver.stop()
        raise RuntimeError(f"the webhook receiver did not start:\n{log_path.read_text()[-3000:]}")
    return receiver
