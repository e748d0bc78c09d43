"""Column hints the sources share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def typed_nullable(types: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Hints for spec'd fields a load may leave empty on every row, typed up front.

    Typed as dlt infers them once filled (a date as text): the column exists from the first load,
    and dlt does not warn on every load that it could not infer a type and left the column out.
    """
    return {name: {"data_type": data_type, "nullable": True} for name, data_type in types.items()}
