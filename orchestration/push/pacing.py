"""Pacing: every push to a target tenant shares one request budget, across threads and processes.

A pyrate-limiter sliding window per target tenant (the vendors' limits are per token: one per
tenant), kept in a SQLite file beside the ops store with a file lock, so two push runs started by
two sensors share the tenant's budget instead of each spending it (ARCHITECTURE §7), and one
tenant's pushes never wait for another's. Limits are the vendors' published ones, paced slightly
under (`PACE_SHARE`): a request admitted at the very end of a window can reach the vendor a few
milliseconds later and meet a window that still counts the first one.

NetSuite publishes a concurrency limit, not a rate: one writer thread per tenant per run keeps a
run at one request in flight; more than five concurrent runs would need a shared semaphore.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pyrate_limiter import Duration, Limiter, Rate, SQLiteBucket

from orchestration.push.store import ops_store_path

PACE_SHARE = 0.95


@dataclass(frozen=True)
class PublishedLimit:
    requests: int
    per_seconds: float


PUBLISHED_LIMITS: dict[str, PublishedLimit] = {
    "harvest": PublishedLimit(100, 15.0),  # per token; Forecast's calls share the budget
    "gusto": PublishedLimit(200, 60.0),  # per token
}


def pacing_path() -> Path:
    """The shared bucket file: beside the ops store, so one setting moves both."""
    store = ops_store_path()
    return store.with_name(f"{store.stem}-pacing.sqlite")


class Pacer:
    """Blocks until a request to `instance` fits its system's budget."""

    def __init__(self, system: str, instance: str, limit: PublishedLimit, path: Path) -> None:
        self.instance = instance
        self.limit = limit
        allowed = max(1, int(limit.requests * PACE_SHARE))
        path.parent.mkdir(parents=True, exist_ok=True)
        bucket = SQLiteBucket.init_from_file(
            [Rate(allowed, Duration.SECOND * limit.per_seconds)],
            # One table per tenant: the bucket counts every row of its table, whatever the item.
            table=f"pace_{system}__{re.sub(r'[^a-z0-9_]', '_', instance.lower())}",
            db_path=str(path),
            create_new_table=True,
            use_file_lock=True,
        )
        self._limiter = Limiter(bucket)

    def acquire(self) -> None:
        # Blocking without a timeout: the bucket always frees a slot within one window.
        self._limiter.try_acquire(self.instance, blocking=True)

    def close(self) -> None:
        self._limiter.close()


def pacer_for(system: str, instance: str, path: Path | None = None) -> Pacer | None:
    """The pacer of a target tenant, or None when its vendor publishes no request rate."""
    limit = PUBLISHED_LIMITS.get(system)
    if limit is None:
        return None
    return Pacer(system, instance, limit, path or pacing_path())
