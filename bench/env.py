"""Environment overrides for a benchmark's duration (sources aimed at a sandbox, as a tenant)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def overridden_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set `values` in os.environ for the duration, then restore what was there (or unset it)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
