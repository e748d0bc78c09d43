"""Gusto's date-based API versions (`X-Gusto-API-Version`).

Gusto picks the version from the request header, falls back to the application's version when the
header is absent, refuses a version older than the application's minimum or in the future with
406, and echoes the version it used in the response header of the same name. The sandbox's
application has minimum `2024-04-01` (the version the gusto-app-integration SDK sends) and default
`2025-06-15` (the version of the spec in ../shared/vendor-specs).

The one shape that differs between the two inside the sandbox's surface: the token endpoint's
`created_at` is an ISO 8601 string up to 2024 (the SDK's model and Gusto's 2023-12 reference show
`"2023-09-12T16:42:25.000-07:00"`) and Unix seconds from 2025-06-15 (the spec's
Create-Token-Authentication).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from vendor_sandbox.gusto.errors import invalid_version_header

HEADER = "X-Gusto-API-Version"
MINIMUM_VERSION = "2024-04-01"
DEFAULT_VERSION = "2025-06-15"
NUMERIC_TOKEN_TIMESTAMPS_SINCE = "2025-06-15"
_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def resolve_version(header: str | None, today: date | None = None) -> str:
    """The API version a request is served in.

    Raises:
        GustoError: 406 when the header is malformed, older than the minimum or in the future
            (the future is judged by the wall clock, as Gusto's own servers would).
    """
    if header is None or not header.strip():
        return DEFAULT_VERSION
    value = header.strip()
    today = today or datetime.now(UTC).date()
    if not _VERSION_RE.match(value):
        raise invalid_version_header(value, MINIMUM_VERSION)
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise invalid_version_header(value, MINIMUM_VERSION) from exc
    if value < MINIMUM_VERSION or day > today:
        raise invalid_version_header(value, MINIMUM_VERSION)
    return value


def numeric_token_timestamps(version: str) -> bool:
    """Whether the token endpoint answers `created_at` in Unix seconds in this version."""
    return version >= NUMERIC_TOKEN_TIMESTAMPS_SINCE
