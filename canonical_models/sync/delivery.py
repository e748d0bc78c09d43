"""Payload models of the delivery flows."""

from __future__ import annotations

from pydantic import BaseModel

PAYLOADS: dict[tuple[str, str], type[BaseModel]] = {}
