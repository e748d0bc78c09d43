"""The business clock: the sandbox's 'now', moved only by /_sandbox/advance.

Every timestamp a vendor API shows (created/updated, change feeds, events) is business time, so a
client's incremental cursors behave as they would against a live tenant whose days pass.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

from vendor_sandbox.store import Store

CLOCK_KEY = "business_now"


def parse_ts(value: str) -> datetime:
    """Parse an ISO 8601 timestamp (with Z or offset) to an aware UTC datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def iso_z(moment: datetime) -> str:
    """'2026-03-02T09:30:00Z': Harvest's, NetSuite's and our internal timestamp format."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_offset(moment: datetime) -> str:
    """'2026-03-02T09:30:00+00:00': BambooHR's timestamp format."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class BusinessClock:
    """Reads and moves the business clock kept in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def now(self) -> datetime:
        value = self.store.get_meta(CLOCK_KEY)
        if value is None:
            raise RuntimeError("the sandbox has no business clock yet: generate a firm first")
        return parse_ts(value)

    def now_iso(self) -> str:
        return iso_z(self.now())

    def today(self) -> date:
        return self.now().date()

    def set(self, conn: sqlite3.Connection, moment: datetime) -> None:
        self.store.set_meta(conn, CLOCK_KEY, iso_z(moment))

    def advance_to(self, conn: sqlite3.Connection, moment: datetime) -> None:
        if moment < self.now():
            raise ValueError("the business clock never moves backwards")
        self.set(conn, moment)

    @staticmethod
    def day_start(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    @staticmethod
    def at(day: date, hours: float) -> datetime:
        return BusinessClock.day_start(day) + timedelta(hours=hours)
