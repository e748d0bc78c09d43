"""Typed reading of Harvest query parameters and request bodies, with Harvest's 422 on bad input.

Query booleans are `true`/`false` (1/0 accepted); timestamps are ISO 8601 with `Z` or an offset
(a naive one is taken as UTC) and are compared with the stored `YYYY-MM-DDTHH:MM:SSZ` text; dates
are `YYYY-MM-DD`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import orjson

from vendor_sandbox.clock import iso_z
from vendor_sandbox.harvest.errors import HarvestError

_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
_TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*([ap]m)?\s*$", re.IGNORECASE)


def query_bool(params: Mapping[str, str], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise HarvestError.unprocessable(f"{name} must be true or false.")


def query_int(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise HarvestError.unprocessable(f"{name} must be an integer.") from exc


def parse_timestamp(raw: str, name: str) -> str:
    """An ISO 8601 timestamp as the stored 'YYYY-MM-DDTHH:MM:SSZ' text (UTC)."""
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise HarvestError.unprocessable(f"{name} must be an ISO 8601 date and time.") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso_z(moment)


def query_timestamp(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    return parse_timestamp(raw, name)


def parse_date(raw: object, name: str) -> str:
    if not isinstance(raw, str):
        raise HarvestError.unprocessable(f"{name} must be a date (YYYY-MM-DD).")
    try:
        return date.fromisoformat(raw.strip()).isoformat()
    except ValueError as exc:
        raise HarvestError.unprocessable(f"{name} must be a date (YYYY-MM-DD).") from exc


def query_date(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    return parse_date(raw, name)


def parse_clock_time(raw: object, name: str) -> float:
    """Hours since midnight of '9:00am', '1:30pm' or '13:30'."""
    match = _TIME.match(raw) if isinstance(raw, str) else None
    if match is None:
        raise HarvestError.unprocessable(f"{name} must be a time such as 9:00am.")
    hour, minute, meridiem = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise HarvestError.unprocessable(f"{name} must be a time such as 9:00am.")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        raise HarvestError.unprocessable(f"{name} must be a time such as 9:00am.")
    return hour + minute / 60


class Fields:
    """A JSON request body read field by field with Harvest's validation errors."""

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self.payload = payload

    def has(self, name: str) -> bool:
        return name in self.payload

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.payload.get(name)
        blank = value is None or (isinstance(value, str) and not value.strip())
        if blank and required:
            raise HarvestError.unprocessable(f"{_label(name)} can't be blank")
        if value is None:
            return None
        if not isinstance(value, str):
            raise HarvestError.unprocessable(f"{_label(name)} must be text")
        return value

    def boolean(self, name: str, *, required: bool = False) -> int | None:
        value = self.payload.get(name)
        if value is None:
            if required:
                raise HarvestError.unprocessable(f"{_label(name)} can't be blank")
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return int(value.strip().lower() in _TRUE)
        raise HarvestError.unprocessable(f"{_label(name)} must be true or false")

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.payload.get(name)
        if value is None:
            if required:
                raise HarvestError.unprocessable(f"{_label(name)} can't be blank")
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise HarvestError.unprocessable(f"{_label(name)} must be an integer")
        try:
            return int(value)
        except ValueError as exc:
            raise HarvestError.unprocessable(f"{_label(name)} must be an integer") from exc

    def number(self, name: str, *, required: bool = False) -> float | None:
        value = self.payload.get(name)
        if value is None:
            if required:
                raise HarvestError.unprocessable(f"{_label(name)} can't be blank")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise HarvestError.unprocessable(f"{_label(name)} must be a number")
        try:
            return float(value)
        except ValueError as exc:
            raise HarvestError.unprocessable(f"{_label(name)} must be a number") from exc

    def date(self, name: str, *, required: bool = False) -> str | None:
        value = self.payload.get(name)
        if value is None:
            if required:
                raise HarvestError.unprocessable(f"{_label(name)} can't be blank")
            return None
        return parse_date(value, _label(name))

    def choice(self, name: str, allowed: frozenset[str], *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        if value is not None and value not in allowed:
            options = ", ".join(sorted(allowed))
            raise HarvestError.unprocessable(f"{_label(name)} must be one of: {options}")
        return value

    def string_list(self, name: str) -> str | None:
        """A list of strings, returned as the JSON text the schema stores."""
        value = self.payload.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise HarvestError.unprocessable(f"{_label(name)} must be a list of text")
        return orjson.dumps(value).decode()


def _label(name: str) -> str:
    """'first_name' -> 'First name', as Harvest words its validation messages."""
    return name.replace("_", " ").capitalize()
