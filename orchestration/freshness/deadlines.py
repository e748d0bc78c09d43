"""Business-calendar deadlines: payroll cut-offs and month-end closes, per legal entity.

Pure arithmetic on aware datetimes (no I/O apart from the `holidays` package's tables). Every
deadline is evaluated in its entity's timezone (a cut-off may name its own), and every
`Occurrence` is handed out in UTC: Python subtracts two datetimes that share a `ZoneInfo` on the
wall clock, which is an hour off across a DST change.

- A business day is a weekday that is neither a public holiday of the entity's country (and
  subdivision, from the `holidays` package, observed days included) nor one of its extra closed
  days.
- A payroll cut-off is a cron tick in local time; a biweekly cut-off keeps the ticks of every other
  week (Monday to Sunday) counted from an anchor date; a tick on a non-business day moves to the
  previous business day at the same local time, unless the calendar says `keep`.
- A month-end close of month M is due on the Nth business day counted from the first day of
  M + 1 (the 1st itself counts when it is a business day), at a local time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from croniter import croniter

# No real calendar closes for longer; a config that does (every day a holiday) is an error.
MAX_CLOSED_RUN_DAYS = 366
# Enough ticks to cross any run of closed days for crons as frequent as every minute.
MAX_TICKS = 200_000
ONE_MICROSECOND = timedelta(microseconds=1)


class DeadlineError(ValueError):
    """A calendar whose deadlines cannot be computed (no business day, no cron tick)."""


@lru_cache(maxsize=256)
def public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """The public holidays (observed days included) of a country or subdivision in a year."""
    import holidays  # imported on first use: loading the code location does not need it

    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())


@dataclass(frozen=True)
class BusinessDays:
    """Which days a legal entity works: weekdays less public holidays and its own closed days."""

    country: str | None = None
    subdivision: str | None = None
    extra_holidays: frozenset[date] = frozenset()

    def is_business_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self.extra_holidays:
            return False
        return self.country is None or day not in public_holidays(
            self.country, self.subdivision, day.year
        )

    def _step(self, day: date, step: int) -> date:
        for _ in range(MAX_CLOSED_RUN_DAYS):
            day += timedelta(days=step)
            if self.is_business_day(day):
                return day
        raise DeadlineError(f"no business day within {MAX_CLOSED_RUN_DAYS} days of {day}")

    def previous(self, day: date) -> date:
        """The last business day before `day`."""
        return self._step(day, -1)

    def next(self, day: date) -> date:
        """The first business day after `day`."""
        return self._step(day, +1)

    def nth(self, first: date, n: int) -> date:
        """The `n`th business day counted from `first` (which counts if it is one)."""
        day = first if self.is_business_day(first) else self.next(first)
        for _ in range(n - 1):
            day = self.next(day)
        return day


@dataclass(frozen=True)
class Occurrence:
    """One deadline: refreshes at or after `window_start` (UTC) count towards `due` (UTC)."""

    due: datetime
    window_start: datetime
    label: str  # what and when, in the entity's local time


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%a %Y-%m-%d %H:%M %Z}"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class CutoffSchedule:
    """A payroll cut-off: cron ticks in local time, moved off non-business days.

    The payroll domain meets a cut-off when it was refreshed within `refreshed_within` before it
    (Dagster's cron freshness policy reads the same way); after a missed one it stays missed
    until the next refresh.
    """

    cron: str
    tz: ZoneInfo
    days: BusinessDays
    refreshed_within: timedelta
    warn_before: timedelta
    biweekly_anchor: date | None = None
    move_to_business_day: bool = True

    def _ticks(self, start: datetime, backwards: bool) -> Iterator[datetime]:
        """Cron ticks strictly before (or after) `start`, in local time, biweekly-filtered."""
        it = croniter(self.cron, start.astimezone(self.tz))
        for _ in range(MAX_TICKS):
            tick = it.get_prev(datetime) if backwards else it.get_next(datetime)
            if self.biweekly_anchor is not None:
                weeks = (_monday(tick.date()) - _monday(self.biweekly_anchor)).days // 7
                if weeks % 2:
                    continue
            yield tick
        raise DeadlineError(f"cron {self.cron!r}: no cut-off within {MAX_TICKS} ticks")

    def _moved(self, tick: datetime) -> datetime:
        if not self.move_to_business_day or self.days.is_business_day(tick.date()):
            return tick
        day = self.days.previous(tick.date())
        return tick.replace(year=day.year, month=day.month, day=day.day)

    def _occurrence(self, local_due: datetime) -> Occurrence:
        due = local_due.astimezone(UTC)
        return Occurrence(
            due=due,
            window_start=due - self.refreshed_within,
            label=f"payroll cut-off {_local(due, self.tz)}",
        )

    def previous(self, now: datetime) -> Occurrence:
        """The latest cut-off at or before `now`."""
        if not self.move_to_business_day:
            return self._occurrence(next(self._ticks(now + ONE_MICROSECOND, backwards=True)))
        # A tick on a closed day moves earlier, so ticks up to the next business day may land
        # at or before `now`; ticks from that day on stay after it.
        local_now = now.astimezone(self.tz)
        following = self.days.next(local_now.date())
        start = datetime.combine(following, time(0), tzinfo=self.tz)
        best: datetime | None = None
        for tick in self._ticks(start, backwards=True):
            if best is not None and tick < best:
                break  # a tick only moves earlier: nothing before here can beat `best`
            moved = self._moved(tick)
            if moved <= local_now and (best is None or moved > best):
                best = moved
        assert best is not None
        return self._occurrence(best)

    def next(self, now: datetime) -> Occurrence:
        """The first cut-off after `now`."""
        local_now = now.astimezone(self.tz)
        best: datetime | None = None
        for tick in self._ticks(local_now, backwards=False):
            # A tick moves no earlier than the last business day before its own date: once a
            # tick's date is past the business day after `best`'s, nothing later can beat it.
            if best is not None and tick.date() > self.days.next(best.date()):
                break
            moved = self._moved(tick)
            if moved > local_now and (best is None or moved < best):
                best = moved
        assert best is not None
        return self._occurrence(best)


def _month_before(year: int, month: int, months: int = 1) -> tuple[int, int]:
    index = year * 12 + (month - 1) - months
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class CloseSchedule:
    """A month-end close: due on the Nth business day after month end, at a local time.

    The close of month M is met when every asset it needs was refreshed at or after the end of
    M (local midnight starting M + 1); after a missed one it stays missed until the next refresh.
    """

    business_day: int
    at: time
    tz: ZoneInfo
    days: BusinessDays
    warn_before: timedelta

    def for_month(self, year: int, month: int) -> Occurrence:
        """The close of `year`-`month`."""
        next_year, next_month = _month_before(year, month, -1)
        first = date(next_year, next_month, 1)
        local_due = datetime.combine(self.days.nth(first, self.business_day), self.at, self.tz)
        due = local_due.astimezone(UTC)
        return Occurrence(
            due=due,
            window_start=datetime.combine(first, time(0), self.tz).astimezone(UTC),
            label=(
                f"month-end close of {year}-{month:02d} "
                f"(business day {self.business_day}: {_local(due, self.tz)})"
            ),
        )

    def _around(self, now: datetime) -> Iterator[Occurrence]:
        """Closes from the one of three months before `now`'s month onwards, in order."""
        local_now = now.astimezone(self.tz)
        for back in range(3, -2, -1):
            yield self.for_month(*_month_before(local_now.year, local_now.month, back))

    def previous(self, now: datetime) -> Occurrence:
        """The latest close due at or before `now`."""
        return [o for o in self._around(now) if o.due <= now][-1]

    def next(self, now: datetime) -> Occurrence:
        """The first close due after `now`."""
        return next(o for o in self._around(now) if o.due > now)
