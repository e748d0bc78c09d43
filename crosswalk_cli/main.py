"""`crosswalk`: one command line for the sandbox, runs, plans and operations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crosswalk_cli import sandbox_cmd

app = typer.Typer(
    name="crosswalk",
    help="Keep a firm's HCM, ERP, PSA and payroll systems in step.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """crosswalk: HCM, ERP, PSA and payroll kept in step."""


@app.command()
def sandbox(
    size: Annotated[str, typer.Option(help="small | medium | large")] = "small",
    seed: Annotated[int, typer.Option(help="Same seed, same firm.")] = 42,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port for all four vendor APIs.")] = 8700,
    faults: Annotated[str, typer.Option(help="none | default | heavy")] = "none",
    dirty: Annotated[float, typer.Option(help="Share of seeded bad records (0-0.5).")] = 0.0,
    state: Annotated[Path, typer.Option(help="SQLite file holding the firm.")] = Path(
        "data/sandbox.sqlite"
    ),
    fresh: Annotated[bool, typer.Option(help="Regenerate even if the state file has a firm.")] = (
        False
    ),
    rate_limits: Annotated[bool, typer.Option(help="Enforce the vendors' own rate limits.")] = True,
    rotate_refresh_tokens: Annotated[
        bool,
        typer.Option(
            help="Gusto: a new refresh token on every exchange, as Gusto does (the fixture "
            "tokens then work once)."
        ),
    ] = False,
) -> None:
    """Serve the four vendor emulators over one synthetic firm."""
    sandbox_cmd.serve(
        size=size,
        seed=seed,
        host=host,
        port=port,
        faults=faults,
        dirty=dirty,
        state=state,
        fresh=fresh,
        rate_limits=rate_limits,
        rotate_refresh_tokens=rotate_refresh_tokens,
    )


@app.command()
def run(
    select: Annotated[
        str | None, typer.Option(help="Dagster asset selection, e.g. 'group:harvest'.")
    ] = None,
    push: Annotated[bool, typer.Option(help="Push write-backs after the models build.")] = True,
    full_refresh: Annotated[
        bool,
        typer.Option(
            help="Rebuild the incremental dbt models from nothing (after an upgrade changed "
            "their columns); drift findings and worker history are kept."
        ),
    ] = False,
) -> None:
    """Materialize the graph once against the configured systems; non-zero exit on failure."""
    from crosswalk_cli.run_cmd import run as run_graph

    raise typer.Exit(run_graph(select, push, full_refresh))


@app.command()
def plan(
    flow: Annotated[
        list[str] | None, typer.Option(help="Only this flow (repeatable); default all.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Per flow and target: creates, updates, deactivations, posts, quarantined. Sends nothing."""
    from crosswalk_cli.push_cmd import plan as plan_pushes

    raise typer.Exit(plan_pushes(flow, as_json))


@app.command()
def replay(
    flow: Annotated[str | None, typer.Option(help="Only this flow's dead letters.")] = None,
    ids: Annotated[
        list[str] | None, typer.Option("--ids", help="Only these delta ids (repeatable).")
    ] = None,
) -> None:
    """Re-send dead letters now (all, or those of a flow, or chosen ids)."""
    from crosswalk_cli.push_cmd import replay as replay_dead_letters

    raise typer.Exit(replay_dead_letters(flow, ids))


@app.command()
def webhooks(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port of the receiver.")] = 8710,
    register: Annotated[
        bool, typer.Option(help="Subscribe the receiver to every configured BambooHR and Gusto.")
    ] = False,
    public_url: Annotated[
        str | None, typer.Option(help="The URL the vendors post to (default: http://host:port).")
    ] = None,
) -> None:
    """Receive BambooHR and Gusto webhooks: verify, keep each once in the inbox, answer fast."""
    from crosswalk_cli.webhooks_cmd import serve

    raise typer.Exit(serve(host, port, register, public_url))


@app.command("approve-payroll")
def approve_payroll(
    run_id: Annotated[str, typer.Argument(help="The pay run (payroll uuid) to approve.")],
    approved_by: Annotated[
        str, typer.Option(help="Who approves (recorded for audit).", envvar="USER")
    ] = "unknown",
) -> None:
    """Record the approval a pay run's GL journal waits for (the audit checkpoint)."""
    from crosswalk_cli.push_cmd import approve_payroll as approve

    raise typer.Exit(approve(run_id, approved_by))


@app.command()
def chaos(
    days: Annotated[int, typer.Option(min=1, help="Business days the firm lives.")] = 30,
    seed: Annotated[int, typer.Option(help="The sandbox firm's seed.")] = 42,
    size: Annotated[str, typer.Option(help="small | medium | large")] = "small",
    workdir: Annotated[
        Path, typer.Option(help="Where the scenario keeps its state (emptied first).")
    ] = Path("data/chaos"),
    report: Annotated[
        Path | None, typer.Option(help="Write the report here (.md, with a .json beside it).")
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(help="Override the chaos profile, e.g. webhook_duplicate_rate=0.5."),
    ] = None,
    rerun_after_kill: Annotated[
        bool, typer.Option(help="Run a killed cycle again at once (else the next day recovers).")
    ] = True,
) -> None:
    """Live a firm through faults, kills and disordered webhooks; report what went wrong."""
    from crosswalk_cli.chaos_cmd import run_chaos

    raise typer.Exit(run_chaos(days, seed, size, workdir, report, fault or [], rerun_after_kill))


if __name__ == "__main__":
    app()
