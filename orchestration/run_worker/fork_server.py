"""A process that loads a code location once and forks one run worker per run from it.

Dagster's default launcher has the code server spawn a fresh interpreter per run, which imports
the code location again before the run's first step (~5 s on a 2-core machine: dagster, dlt,
dbt-core and the dbt manifest). Forked from a process that has already loaded it, a run worker
starts in milliseconds; it then runs exactly what `dagster api execute_run` runs (the command
Dagster's container launchers start), in a process of its own that ends with the run.

Protocol, one line each way (the launcher is orchestration/run_worker/launcher.py):
- argv: the serialized repository origin of the code location to load;
- out: `ready` once loaded (or the process exits non-zero);
- in: a serialized `ExecuteRunArgs` per run; out: the run worker's pid, or `stale` when the code
  changed since it was loaded (the server then exits and the launcher starts a fresh one).

Why fork is safe here: the server forks from its main thread and starts no threads of its own;
loading a code location starts none either (no warehouse connection is open at load).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import TextIO

from dagster._cli.api import api_cli
from dagster._core.origin import RepositoryPythonOrigin
from dagster._serdes import deserialize_value
from dagster._utils.hosted_user_process import recon_repository_from_origin
from dagster._utils.interrupts import setup_interrupt_handlers

from orchestration.defs.transform.project import DBT_PROJECT_DIR, newest_input_mtime
from orchestration.run_worker.protocol import READY, STALE


def _loaded_files(root: Path) -> dict[str, float]:
    """The source files under `root` this process has imported, with their mtimes."""
    files = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and Path(path).resolve().is_relative_to(root):
            files[path] = os.stat(path).st_mtime
    return files


class CodeFingerprint:
    """What the loaded code was made of: imported project files and the dbt project's inputs."""

    def __init__(self, root: Path) -> None:
        self.files = _loaded_files(root)
        self.dbt_inputs = newest_input_mtime(DBT_PROJECT_DIR)

    def changed(self) -> bool:
        for path, mtime in self.files.items():
            try:
                if os.stat(path).st_mtime != mtime:
                    return True
            except FileNotFoundError:
                return True
        return newest_input_mtime(DBT_PROJECT_DIR) > self.dbt_inputs


def _run_worker(payload: str) -> None:
    """The forked child: run one run as `dagster api execute_run` would, then exit."""
    exit_code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # its own children (dbt) are waited for
        signal.signal(signal.SIGINT, signal.default_int_handler)
        setup_interrupt_handlers()  # SIGTERM (terminate) interrupts the run as SIGINT does
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        api_cli.main(args=["execute_run", payload], prog_name="dagster api", standalone_mode=False)
        exit_code = 0
    except SystemExit as stop:
        exit_code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(exit_code)


def serve(requests: TextIO, replies: TextIO, fingerprint: CodeFingerprint) -> None:
    # Exited children are reaped by the kernel; a run's outcome is in the Dagster instance.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in requests:
        payload = line.strip()
        if not payload:
            continue
        if fingerprint.changed():
            replies.write(STALE + "\n")
            replies.flush()
            return
        pid = os.fork()
        if pid == 0:
            replies.close()
            _run_worker(payload)
        replies.write(f"{pid}\n")
        replies.flush()


def main(argv: list[str]) -> int:
    # The protocol owns the real stdout; anything the code prints goes to stderr (the daemon's log).
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    origin = deserialize_value(argv[0], RepositoryPythonOrigin)
    recon_repository_from_origin(origin).get_definition()
    fingerprint = CodeFingerprint(Path.cwd().resolve())
    replies.write(READY + "\n")
    replies.flush()
    with contextlib.suppress(KeyboardInterrupt):  # the daemon's group was interrupted
        serve(sys.stdin, replies, fingerprint)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
