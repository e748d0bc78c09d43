"""Telling a warehouse held by another process from any other failure.

A DuckDB file takes one writing process and, while it is written, no reader; a reader takes it
from writers too. Writers queue in the `warehouse` pool, but the pushes read their deltas outside
it (orchestration/push/deltas.py: a short read-only connection, retried while a writer holds the
file), so a writer starting while a push reads is refused at once. That refusal is transient:
the writer's step asks Dagster to run it again a moment later (`retry_while_held`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

LOCK_REFUSED = "Could not set lock on file"
# A push holds the file for a read of ~0.1 s; a reader waiting for a writer retries with jitter.
RETRIES = 10
SECONDS_BETWEEN = 1.0


def held_by_another_process(error: BaseException) -> bool:
    """Whether `error`, or an error it was raised from, is DuckDB refusing a file in use."""
    return lock_refusal(error) is not None


def lock_refusal(error: BaseException) -> str | None:
    """DuckDB's refusal in `error` or an error it was raised from (it names the holder's pid)."""
    seen: BaseException | None = error
    while seen is not None:
        for line in str(seen).splitlines():
            if LOCK_REFUSED in line:
                return line.strip()
        seen = seen.__cause__ or seen.__context__
    return None


@contextmanager
def retry_while_held(log: logging.Logger | dg.DagsterLogManager) -> Iterator[None]:
    """Turn a refused warehouse into a retry of the step (a few, a second apart).

    The retry is logged as one line naming the holder, and raised without the refusal attached:
    Dagster shows a retry's cause as a failure's traceback, which a wait for a lock is not.
    """
    try:
        yield
    except Exception as error:
        refusal = lock_refusal(error)
        if refusal is None:
            raise
        log.warning(
            f"warehouse held by another process, retrying in {SECONDS_BETWEEN:g} s: {refusal}"
        )
        raise dg.RetryRequested(max_retries=RETRIES, seconds_to_wait=SECONDS_BETWEEN) from None
