"""`crosswalk sandbox`: generate the firm if needed, then serve it."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import typer
import uvicorn

from vendor_sandbox.app import create_app
from vendor_sandbox.firm.generate import generate_firm
from vendor_sandbox.settings import SandboxSettings
from vendor_sandbox.store import Store

log = logging.getLogger("crosswalk.sandbox")


def serve(
    *,
    size: str,
    seed: int,
    host: str,
    port: int,
    faults: str,
    dirty: float,
    state: Path,
    fresh: bool,
    rate_limits: bool,
    rotate_refresh_tokens: bool = False,
) -> None:
    try:
        settings = SandboxSettings(
            size=size,
            seed=seed,
            host=host,
            port=port,
            faults=faults,
            dirty_rate=dirty,
            state_path=state,
            rate_limits=rate_limits,
            rotate_refresh_tokens=rotate_refresh_tokens,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    store = Store(settings.state_path)
    store.init_schema()
    wanted = {"size": size, "seed": str(seed), "dirty_rate": str(dirty)}
    have = {key: store.get_meta(key) for key in wanted}
    if fresh or not store.is_generated() or have != wanted:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{settings.state_path}{suffix}").unlink(missing_ok=True)
        store = Store(settings.state_path)
        store.init_schema()
        started = time.perf_counter()
        typer.echo(f"generating a {size} firm (seed {seed}) into {settings.state_path} ...")
        generate_firm(store, settings)
        typer.echo(f"generated in {time.perf_counter() - started:.1f}s")
    app = create_app(settings, store)
    typer.echo(f"sandbox on http://{host}:{port} (faults: {faults})")
    # Date is the business clock's (vendor_sandbox/business_date.py), not uvicorn's wall clock.
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, date_header=False)
