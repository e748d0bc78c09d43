"""Retrying a delta: transient failures only, waiting what the vendor asked (Retry-After).

tenacity drives the attempts; each attempt is one ledger row (the engine writes it). A
PermanentFailure is never retried; an open circuit stops the target's drain at once.
"""

from __future__ import annotations

from collections.abc import Callable

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from orchestration.push.settings import PushSettings
from orchestration.push.types import TransientFailure


def wait_retry_after_or_backoff(settings: PushSettings) -> Callable[[RetryCallState], float]:
    """Wait the vendor's Retry-After when it sent one, else exponential backoff with jitter."""
    backoff = wait_exponential_jitter(
        multiplier=settings.backoff_seconds, max=settings.max_backoff_seconds
    )

    def wait(state: RetryCallState) -> float:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, TransientFailure) and error.retry_after is not None:
            # Honour the vendor's ask even above our own cap: coming back sooner is refused.
            return max(0.0, error.retry_after)
        return backoff(state)

    return wait


def delivery_retrying(
    settings: PushSettings, sleep: Callable[[float], None] | None = None
) -> Retrying:
    """Attempts for one delta: retry TransientFailure up to `max_attempts`, then re-raise it."""
    options = {} if sleep is None else {"sleep": sleep}
    return Retrying(
        retry=retry_if_exception_type(TransientFailure),
        stop=stop_after_attempt(settings.max_attempts),
        wait=wait_retry_after_or_backoff(settings),
        reraise=True,
        **options,
    )
