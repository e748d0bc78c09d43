"""Flow handlers, one module per family of flows, merged into HANDLERS by (flow, target_system)."""

from __future__ import annotations

from orchestration.push.flows import delivery, workers
from orchestration.push.types import FlowHandler

HANDLERS: dict[tuple[str, str], FlowHandler] = {**workers.HANDLERS, **delivery.HANDLERS}
