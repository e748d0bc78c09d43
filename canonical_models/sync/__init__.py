"""Payload models of the write-back flows, by (flow, target_system) (docs/write-back.md §2).

Field names are crosswalk's, never a vendor's: a flow handler maps them to its API. A payload that
does not validate is quarantined with pydantic's message as the reason and never sent.
"""

from __future__ import annotations

from pydantic import BaseModel

from canonical_models.sync import delivery, workers

PAYLOAD_MODELS: dict[tuple[str, str], type[BaseModel]] = {
    **workers.PAYLOADS,
    **delivery.PAYLOADS,
}
