"""`make demo`: the sandbox, the webhook receiver and the Dagster UI, started and stopped together.

Runs `crosswalk sandbox --size medium`, `crosswalk webhooks --register` (subscribed to the
sandbox's BambooHR and Gusto) and `dagster dev` as child processes, waits until each answers,
prints where to look, and stops them (by their own pids) on Ctrl-C. Once the UI is up it
launches one `full_cycle` run (so the webhook path has a built warehouse) and a clock driver
advances the sandbox one business day every CROSSWALK_DEMO_DAY_SECONDS (default 120; 0 turns it
off), so hires, leavers and time keep arriving.

Every source, the write-back and the webhook subscriptions are aimed at the sandbox on
SANDBOX_PORT (`.dlt/config.toml` names port 8700). State stays where the environment says:
DAGSTER_HOME, CROSSWALK_WAREHOUSE, CROSSWALK_OPS_DB and CROSSWALK_DEMO_STATE (the sandbox's file,
default `data/sandbox-<size>.sqlite`); the browser test (tests/demo/) keeps them all in a
temporary folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil

from crosswalk_cli.local_stack import sandbox_source_env
from orchestration.instance import ensure_dagster_home

REPO = Path(__file__).resolve().parents[1]


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args[2:4]} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f}s")


def _drive_clock(control_url: str, every_seconds: float, stop: threading.Event) -> None:
    """Advance the sandbox one business day at a time until `stop` is set."""
    while not stop.wait(every_seconds):
        try:
            report = httpx.post(f"{control_url}/advance", params={"days": 1}, timeout=300)
            (day,) = report.raise_for_status().json()["days"]
            activity = ", ".join(f"{k} {v}" for k, v in sorted(day["activity"].items()) if v)
            sys.stdout.write(f"[demo clock] played {day['day']}: {activity or 'a quiet day'}\n")
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            sys.stdout.write(f"[demo clock] could not advance: {exc}\n")
        sys.stdout.flush()


PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


def _adopt_orphans() -> None:
    """Make processes our children leave behind ours, so the demo can stop them too.

    `dagster dev` stops its webserver and daemon on SIGINT but not a run in flight (its run worker,
    log tails) nor, at times, its code server, which then waits 45 s for a heartbeat. As a child
    subreaper (Linux) the launcher inherits them instead of init and finds them after the stop.
    """
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _stop_leftovers(seconds: float = 15.0) -> None:
    """Stop every process still under the launcher: SIGTERM, SIGKILL after `seconds`, reaped.

    Dagster's run and step workers take SIGTERM as an interrupt and record the run's end.
    """
    leftovers = psutil.Process().children(recursive=True)
    for process in leftovers:
        with contextlib.suppress(psutil.NoSuchProcess):
            sys.stdout.write(f"[demo] stopping {process.pid} {' '.join(process.cmdline())[:100]}\n")
            process.terminate()
    _, alive = psutil.wait_procs(leftovers, timeout=seconds)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(alive, timeout=5)


def _stop_on_signal(signum: int, _frame: object) -> None:
    # Installed explicitly: a launcher started in the background inherits an ignored SIGINT.
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    sandbox_port = int(os.environ.get("SANDBOX_PORT", "8700"))
    dagster_port = int(os.environ.get("DAGSTER_PORT", "3000"))
    webhook_port = int(os.environ.get("WEBHOOK_PORT", "8710"))
    day_seconds = float(os.environ.get("CROSSWALK_DEMO_DAY_SECONDS", "120"))
    clock_stop = threading.Event()
    size = os.environ.get("CROSSWALK_DEMO_SIZE", "medium")
    state = os.environ.get("CROSSWALK_DEMO_STATE") or str(REPO / "data" / f"sandbox-{size}.sqlite")
    dagster_home = ensure_dagster_home(REPO / ".dagster_home")
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = {
        **os.environ,
        **sandbox_source_env(sandbox_url),
        "CROSSWALK_SANDBOX_URL": sandbox_url,
        "DAGSTER_HOME": str(dagster_home),
    }
    bin_dir = Path(sys.executable).parent
    sandbox = subprocess.Popen(
        [
            str(bin_dir / "crosswalk"),
            "sandbox",
            "--size",
            size,
            "--port",
            str(sandbox_port),
            "--state",
            state,
        ],
        cwd=REPO,
        env=env,
    )
    dagster = receiver = None
    try:
        _wait_for(f"http://127.0.0.1:{sandbox_port}/_sandbox/health", sandbox, 300)
        receiver = subprocess.Popen(
            [str(bin_dir / "crosswalk"), "webhooks", "--port", str(webhook_port), "--register"],
            cwd=REPO,
            env=env,
        )
        _wait_for(f"http://127.0.0.1:{webhook_port}/health", receiver, 60)
        dagster = subprocess.Popen(
            [
                str(bin_dir / "dagster"),
                "dev",
                "-w",
                "workspace.yaml",
                "-h",
                "127.0.0.1",
                "-p",
                str(dagster_port),
            ],
            cwd=REPO,
            env=env,
        )
        _wait_for(f"http://127.0.0.1:{dagster_port}/server_info", dagster, 300)
        # Queued for the daemon like any run: it shows in the UI and builds the warehouse.
        subprocess.run(
            [str(bin_dir / "dagster"), "job", "launch", "-w", "workspace.yaml", "-j", "full_cycle"],
            cwd=REPO,
            env=env,
            check=False,
        )
        if day_seconds > 0:
            threading.Thread(
                target=_drive_clock,
                args=(f"http://127.0.0.1:{sandbox_port}/_sandbox", day_seconds, clock_stop),
                daemon=True,
            ).start()
        sys.stdout.write(
            f"\ncrosswalk demo is up:\n  Dagster UI  http://127.0.0.1:{dagster_port}\n"
            f"  sandbox     http://127.0.0.1:{sandbox_port}/_sandbox/health\n"
            f"  webhooks    http://127.0.0.1:{webhook_port}/health\n"
            + (
                f"  clock       one business day every {day_seconds:g} s "
                "(CROSSWALK_DEMO_DAY_SECONDS=0 stops it)\n"
                if day_seconds > 0
                else "  clock       still (CROSSWALK_DEMO_DAY_SECONDS=0)\n"
            )
            + "Ctrl-C stops them all.\n"
        )
        sys.stdout.flush()
        while all(p.poll() is None for p in (sandbox, receiver, dagster)):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        clock_stop.set()
        _adopt_orphans()
        for process in (dagster, receiver, sandbox):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in (dagster, receiver, sandbox):
            if process is not None:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        _stop_leftovers()


if __name__ == "__main__":
    main()
