"""Firm sizes and the deterministic random sources the generator draws from."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class SizeSpec:
    workers: int
    projects: int
    clients: int
    history_days: int


SIZES: dict[str, SizeSpec] = {
    "small": SizeSpec(workers=200, projects=40, clients=12, history_days=90),
    "medium": SizeSpec(workers=2_000, projects=300, clients=60, history_days=365),
    "large": SizeSpec(workers=20_000, projects=3_000, clients=400, history_days=365),
}

EMAIL_DOMAIN = "acme-consulting.example"


def seeded_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng`, so the same seed gives the same ids."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def money(value: float) -> str:
    return f"{value:.2f}"
