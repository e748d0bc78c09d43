"""What every route handler can reach: the store, the clock, settings and the webhook outbox."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from vendor_sandbox.clock import BusinessClock
from vendor_sandbox.faults import FaultInjector
from vendor_sandbox.settings import SandboxSettings
from vendor_sandbox.store import Store


@dataclass
class SandboxContext:
    """One running sandbox."""

    settings: SandboxSettings
    store: Store
    clock: BusinessClock
    faults: FaultInjector
    extras: dict[str, object] = field(default_factory=dict)


def get_context(request: Request) -> SandboxContext:
    return request.app.state.sandbox


Ctx = Annotated[SandboxContext, Depends(get_context)]


def rows_to_dicts(rows: list[sqlite3.Row]) -> list[dict[str, object]]:
    return [dict(row) for row in rows]
