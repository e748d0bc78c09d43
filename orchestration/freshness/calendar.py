"""Business calendars per legal entity: the TOML file, its validation and its deadlines.

The committed default (`calendars.toml` beside this module) holds the sandbox firm's three legal
entities; CROSSWALK_BUSINESS_CALENDARS names a file that replaces it whole (a tenant's own). Each
entity, keyed by its HCM legal entity code (the dbt seed `map_legal_entity`), has a timezone, its
business days (public holidays of a country and subdivision from the `holidays` package, plus
extra closed days), a payroll cut-off and a month-end close. A file that does not validate raises
`CalendarConfigError` naming the file, the entity and the field.

CROSSWALK_PAYROLL_CUTOFF_CRON (deprecated, from before calendars): when set, every entity's
payroll cut-off is that cron in UTC, every week, not moved by holidays.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from orchestration.freshness.deadlines import BusinessDays, CloseSchedule, CutoffSchedule

CALENDARS_ENV = "CROSSWALK_BUSINESS_CALENDARS"
DEPRECATED_CUTOFF_ENV = "CROSSWALK_PAYROLL_CUTOFF_CRON"
DEFAULT_CALENDARS = Path(__file__).with_name("calendars.toml")

WEEKLY = ("weekly", "biweekly")
MONTHLY = ("semimonthly", "monthly")


class CalendarConfigError(ValueError):
    """The business calendars cannot be used; the message names the entity and the field."""


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA timezone {name!r}") from None


def _cron(expression: str) -> str:
    fields = expression.split()
    if len(fields) != 5 or not croniter.is_valid(expression):
        raise ValueError(f"not a five-field cron expression: {expression!r}")
    return expression


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PayrollCutoff(_Strict):
    """When an entity's payroll inputs freeze; the payroll domain must be fresh by then."""

    pay_frequency: Literal["weekly", "biweekly", "semimonthly", "monthly"]
    cron: str  # local time of `timezone` (default: the entity's)
    biweekly_anchor: date | None = None  # biweekly only: a date in a week with a cut-off
    timezone: str | None = None  # a cut-off set in the provider's zone (e.g. Gusto's Pacific)
    on_non_business_day: Literal["previous", "keep"] = "previous"
    refreshed_within_hours: float = Field(default=24.0, gt=0)
    warn_before_hours: float = Field(default=4.0, ge=0)

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str) -> str:
        return _cron(value)

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str | None) -> str | None:
        if value is not None:
            _zone(value)
        return value

    @model_validator(mode="after")
    def _check_frequency(self) -> PayrollCutoff:
        day_of_month, day_of_week = self.cron.split()[2], self.cron.split()[4]
        if self.pay_frequency in WEEKLY and (day_of_month != "*" or day_of_week == "*"):
            raise ValueError(
                f"cron: {self.cron!r} for a {self.pay_frequency} pay frequency must name days of "
                "the week (5th field) and not days of the month (3rd field)"
            )
        if self.pay_frequency in MONTHLY and (day_of_month == "*" or day_of_week != "*"):
            raise ValueError(
                f"cron: {self.cron!r} for a {self.pay_frequency} pay frequency must name days of "
                "the month (3rd field) and not days of the week (5th field)"
            )
        if (self.pay_frequency == "biweekly") != (self.biweekly_anchor is not None):
            raise ValueError(
                "biweekly_anchor: a date in a week with a cut-off, required for a biweekly pay "
                "frequency and allowed for no other"
            )
        return self


class MonthEndClose(_Strict):
    """When an entity's books for a month close: business day N after month end, at a time."""

    business_day: int = Field(ge=1, le=20)
    at: time
    warn_before_hours: float = Field(default=24.0, ge=0)


class EntityCalendar(_Strict):
    timezone: str
    holiday_country: str | None = None  # ISO 3166 code known to the `holidays` package
    holiday_subdivision: str | None = None
    extra_holidays: list[date] = Field(default_factory=list)
    payroll_cutoff: PayrollCutoff | None = None
    month_end_close: MonthEndClose | None = None

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        _zone(value)
        return value

    @model_validator(mode="after")
    def _check_holidays(self) -> EntityCalendar:
        if self.holiday_country is None:
            if self.holiday_subdivision is not None:
                raise ValueError("holiday_subdivision: needs holiday_country")
            return self
        import holidays

        try:
            holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision)
        except NotImplementedError as exc:
            field = "holiday_subdivision" if self.holiday_subdivision else "holiday_country"
            raise ValueError(f"{field}: {exc} (the holidays package)") from None
        return self

    def business_days(self) -> BusinessDays:
        return BusinessDays(
            self.holiday_country, self.holiday_subdivision, frozenset(self.extra_holidays)
        )

    def cutoff_timezone(self) -> str:
        assert self.payroll_cutoff is not None
        return self.payroll_cutoff.timezone or self.timezone

    def cutoff_schedule(self) -> CutoffSchedule | None:
        cutoff = self.payroll_cutoff
        if cutoff is None:
            return None
        return CutoffSchedule(
            cron=cutoff.cron,
            tz=ZoneInfo(self.cutoff_timezone()),
            days=self.business_days(),
            refreshed_within=timedelta(hours=cutoff.refreshed_within_hours),
            warn_before=timedelta(hours=cutoff.warn_before_hours),
            biweekly_anchor=cutoff.biweekly_anchor,
            move_to_business_day=cutoff.on_non_business_day == "previous",
        )

    def close_schedule(self) -> CloseSchedule | None:
        close = self.month_end_close
        if close is None:
            return None
        return CloseSchedule(
            business_day=close.business_day,
            at=close.at,
            tz=ZoneInfo(self.timezone),
            days=self.business_days(),
            warn_before=timedelta(hours=close.warn_before_hours),
        )


class BusinessCalendars(_Strict):
    """The file: `[entities.<legal entity code>]` tables, in the order they are listed."""

    entities: dict[str, EntityCalendar] = Field(min_length=1)


def _describe(path: Path, error: ValidationError) -> str:
    """One line per problem: `entity <code>, field <dotted field>: <what is wrong>`."""
    lines = []
    for problem in error.errors():
        loc = [str(part) for part in problem["loc"]]
        message = problem["msg"].removeprefix("Value error, ")
        # A model-level check (one that compares fields) starts its message with the field.
        head, sep, rest = message.partition(": ")
        if sep and head.isidentifier():
            loc, message = [*loc, head], rest
        if len(loc) >= 3 and loc[0] == "entities":
            lines.append(f"entity {loc[1]}, field {'.'.join(loc[2:])}: {message}")
        elif len(loc) == 2 and loc[0] == "entities":
            lines.append(f"entity {loc[1]}: {message}")
        else:
            lines.append(f"{'.'.join(loc) or '(top level)'}: {message}")
    return f"business calendars in {path}: " + "; ".join(lines)


def calendars_path() -> Path:
    """The calendar file in force: CROSSWALK_BUSINESS_CALENDARS, else the committed default."""
    return Path(os.environ.get(CALENDARS_ENV) or DEFAULT_CALENDARS)


def load_calendars(path: Path | None = None) -> BusinessCalendars:
    """The validated calendars (env read and file parsed at each call).

    Raises:
        CalendarConfigError: the file is missing, not TOML, or does not validate.
    """
    path = path or calendars_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalendarConfigError(
            f"business calendars: {path} does not exist ({CALENDARS_ENV} names the file)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise CalendarConfigError(f"business calendars in {path}: not valid TOML: {exc}") from None
    try:
        calendars = BusinessCalendars.model_validate(data)
    except ValidationError as exc:
        raise CalendarConfigError(_describe(path, exc)) from None
    override = os.environ.get(DEPRECATED_CUTOFF_ENV)
    return with_deprecated_cutoff(calendars, override) if override else calendars


def with_deprecated_cutoff(calendars: BusinessCalendars, cron: str) -> BusinessCalendars:
    """Every entity's cut-off as CROSSWALK_PAYROLL_CUTOFF_CRON had it: UTC, weekly, not moved."""
    try:
        _cron(cron)
    except ValueError as exc:
        raise CalendarConfigError(f"{DEPRECATED_CUTOFF_ENV}: {exc}") from None
    entities = {}
    for code, entity in calendars.entities.items():
        if entity.payroll_cutoff is None:
            entities[code] = entity
            continue
        # model_copy skips validation: a daily cron is no weekly frequency, yet it worked before.
        cutoff = entity.payroll_cutoff.model_copy(
            update={
                "cron": cron,
                "pay_frequency": "weekly",
                "biweekly_anchor": None,
                "timezone": "UTC",
                "on_non_business_day": "keep",
            }
        )
        entities[code] = entity.model_copy(update={"payroll_cutoff": cutoff})
    return calendars.model_copy(update={"entities": entities})
