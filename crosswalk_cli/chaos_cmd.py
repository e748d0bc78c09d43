"""`crosswalk chaos`: run the reliability scenario, print its report, exit non-zero on a miss."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import typer

from crosswalk_cli.chaos.scenario import ChaosConfig, ChaosScenario


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def parse_overrides(pairs: list[str]) -> dict[str, float]:
    """`name=value` pairs of fault profile fields (vendor_sandbox/faults.py), as numbers."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            overrides[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise typer.BadParameter(f"{pair!r}: expected name=number", param_hint="--fault")
    return overrides


def run_chaos(
    days: int,
    seed: int,
    size: str,
    workdir: Path,
    report_path: Path | None,
    faults: list[str],
    rerun_after_kill: bool = True,
) -> int:
    # SIGTERM unwinds like Ctrl-C, so the sandbox, the receiver and a running cycle are stopped.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    config = ChaosConfig(
        days=days,
        seed=seed,
        size=size,
        workdir=workdir,
        fault_overrides=parse_overrides(faults),
        rerun_after_kill=rerun_after_kill,
    )
    report = ChaosScenario(config).run()
    path = report_path or workdir / "chaos-report.md"
    json_path = report.write(path)
    sys.stdout.write(report.to_markdown() + f"\nreport: {path} and {json_path}\n")
    return 0 if report.passed else 1
