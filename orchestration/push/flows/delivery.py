"""Flow handlers of the delivery flows (docs/write-back.md §5)."""

from __future__ import annotations

from orchestration.push.types import FlowHandler

HANDLERS: dict[tuple[str, str], FlowHandler] = {}
