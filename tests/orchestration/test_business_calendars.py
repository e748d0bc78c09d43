"""Business calendars per legal entity: the deadline arithmetic, the file's validation, the health.

Fixed datetimes throughout; holidays come from the pinned `holidays` package. The sensor that
turns these into alerts against a real Dagster instance is in test_domain_freshness.py.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.defs.freshness import (
    domain_freshness_sensor,
    payroll_ui_policy,
    with_freshness_policies,
)
from orchestration.freshness.alerts import ensure_alerts_table
from orchestration.freshness.calendar import (
    CALENDARS_ENV,
    DEFAULT_CALENDARS,
    DEPRECATED_CUTOFF_ENV,
    CalendarConfigError,
    load_calendars,
)
from orchestration.freshness.deadlines import BusinessDays, CloseSchedule, CutoffSchedule
from orchestration.freshness.health import Refreshed, deadline_health
from orchestration.freshness.sla import MONTH_END_CLOSE, PAYROLL_CUTOFF, DeadlineCheck
from vendor_sandbox.catalog import LEGAL_ENTITIES
from vendor_sandbox.firm.payroll import periods_processed_between

NEW_YORK, LONDON, BERLIN = (
    ZoneInfo(z) for z in ("America/New_York", "Europe/London", "Europe/Berlin")
)
US, ENGLAND, BERLIN_DAYS = BusinessDays("US"), BusinessDays("GB", "ENG"), BusinessDays("DE", "BE")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def close(days: BusinessDays, tz: ZoneInfo, n: int = 3, at: time = time(18)) -> CloseSchedule:
    return CloseSchedule(n, at, tz, days, warn_before=timedelta(hours=24))


def cutoff(
    cron: str,
    tz: ZoneInfo,
    days: BusinessDays,
    *,
    anchor: date | None = None,
    move: bool = True,
    within: float = 24,
    warn: float = 4,
) -> CutoffSchedule:
    return CutoffSchedule(
        cron,
        tz,
        days,
        refreshed_within=timedelta(hours=within),
        warn_before=timedelta(hours=warn),
        biweekly_anchor=anchor,
        move_to_business_day=move,
    )


# -- month-end close -------------------------------------------------------------------------


def test_a_close_skips_the_weekend_after_month_end() -> None:
    # February 2026 ends on a Saturday: business days 1-3 are Mon 2, Tue 3, Wed 4 March.
    occurrence = close(ENGLAND, LONDON, at=time(17)).for_month(2026, 2)
    assert occurrence.due == utc(2026, 3, 4, 17)
    assert occurrence.window_start == utc(2026, 3, 1)
    assert "month-end close of 2026-02" in occurrence.label
    assert "Wed 2026-03-04 17:00 GMT" in occurrence.label


def test_the_same_close_rule_falls_on_different_days_by_each_entitys_holidays() -> None:
    # March 2026: Good Friday (3 April) and Easter Monday (6 April) close England and Berlin,
    # not the US federal calendar.
    assert close(US, NEW_YORK).for_month(2026, 3).due == utc(2026, 4, 3, 22)  # Fri 18:00 EDT
    assert close(ENGLAND, LONDON).for_month(2026, 3).due == utc(2026, 4, 7, 17)  # Tue 18:00 BST
    assert close(BERLIN_DAYS, BERLIN, n=4).for_month(2026, 3).due == utc(2026, 4, 8, 16)


def test_a_close_skips_new_year_and_the_firms_own_closed_days() -> None:
    # 1 Jan 2027 is a Friday holiday, then a weekend: business day 3 is Wed 6 January...
    assert close(US, NEW_YORK).for_month(2026, 12).due == utc(2027, 1, 6, 23)
    # ... and Thu 7 January once the firm closes on Mon 4 January as well.
    closed = BusinessDays("US", None, frozenset({date(2027, 1, 4)}))
    assert close(closed, NEW_YORK).for_month(2026, 12).due == utc(2027, 1, 7, 23)


def test_a_close_is_evaluated_across_a_dst_change() -> None:
    # US clocks go back on Sun 1 Nov 2026: month end is 00:00 EDT, the deadline 18:00 EST.
    occurrence = close(US, NEW_YORK).for_month(2026, 10)
    assert occurrence.window_start == utc(2026, 11, 1, 4)
    assert occurrence.due == utc(2026, 11, 4, 23)


def test_previous_and_next_close_around_a_deadline() -> None:
    schedule = close(ENGLAND, LONDON, at=time(17))
    due = utc(2026, 3, 4, 17)
    assert schedule.previous(due).due == due  # a deadline is in force from its very instant
    assert schedule.previous(due - timedelta(seconds=1)).due == utc(2026, 2, 4, 17)
    assert schedule.next(due - timedelta(seconds=1)).due == due
    assert schedule.next(due).due == utc(2026, 4, 7, 16)  # March's close, after Easter


# -- payroll cut-off -------------------------------------------------------------------------


def test_a_cutoff_on_a_weekend_moves_to_the_previous_business_day() -> None:
    schedule = cutoff("0 17 2 * *", LONDON, ENGLAND)
    # Sat 2 May 2026 -> Fri 1 May, 17:00 BST.
    assert schedule.next(utc(2026, 4, 20)).due == utc(2026, 5, 1, 16)


def test_a_cutoff_moved_before_now_is_the_previous_one_although_its_tick_is_still_ahead() -> None:
    schedule = cutoff("0 17 2 * *", LONDON, ENGLAND)
    # Sat 2 Jan 2027 -> not Fri 1 Jan (New Year's Day) -> Thu 31 Dec 2026, 17:00 GMT.
    moved = utc(2026, 12, 31, 17)
    assert schedule.next(utc(2026, 12, 31, 12)).due == moved
    assert schedule.previous(utc(2027, 1, 1, 12)).due == moved
    assert schedule.previous(utc(2026, 12, 31, 16, 59)).due == utc(2026, 12, 2, 17)
    assert "payroll cut-off Thu 2026-12-31 17:00 GMT" in schedule.previous(moved).label


def test_a_cutoff_kept_on_a_closed_day_does_not_move() -> None:
    schedule = cutoff("0 17 2 * *", LONDON, ENGLAND, move=False)
    assert schedule.next(utc(2026, 12, 31, 12)).due == utc(2027, 1, 2, 17)
    assert schedule.previous(utc(2027, 1, 1, 12)).due == utc(2026, 12, 2, 17)


def test_a_biweekly_cutoff_keeps_every_other_week_from_its_anchor() -> None:
    schedule = cutoff("0 17 * * 2", NEW_YORK, US, anchor=date(2025, 1, 21))
    now = utc(2026, 3, 12)
    assert schedule.previous(now).due == utc(2026, 3, 3, 22)  # Tue 17:00 EST; 10 March is off
    assert schedule.next(now).due == utc(2026, 3, 17, 21)  # Tue 17:00 EDT


def test_a_cutoff_window_opens_its_refresh_window_before_it() -> None:
    occurrence = cutoff("0 17 * * 2", NEW_YORK, US, within=6).previous(utc(2026, 3, 12))
    assert occurrence.window_start == occurrence.due - timedelta(hours=6)


def test_the_committed_calendars_are_the_sandbox_firms() -> None:
    calendars = load_calendars(DEFAULT_CALENDARS)
    assert list(calendars.entities) == [e.code for e in LEGAL_ENTITIES]
    for entity in LEGAL_ENTITIES:
        calendar = calendars.entities[entity.code]
        assert calendar.timezone == entity.timezone
        assert calendar.payroll_cutoff is not None
        frequency = {"Every other week": "biweekly", "Monthly": "monthly"}[entity.pay_frequency]
        assert calendar.payroll_cutoff.pay_frequency == frequency
        schedule = calendar.cutoff_schedule()
        assert schedule is not None
        tz = ZoneInfo(calendar.timezone)
        # Each pay run the sandbox processes in 2026 has its cut-off within the five days before.
        for period in periods_processed_between(
            entity.pay_frequency, date(2026, 1, 1), date(2027, 1, 1)
        ):
            processed = datetime.combine(period.processed_date, time(0), tz)
            due = schedule.next(processed - timedelta(days=5)).due.astimezone(tz)
            assert processed - timedelta(days=5) < due < processed, (entity.code, period)


# -- the file --------------------------------------------------------------------------------

VALID = """
[entities.ACME-US]
timezone = "America/New_York"
holiday_country = "US"
[entities.ACME-US.payroll_cutoff]
pay_frequency = "biweekly"
cron = "0 17 * * 2"
biweekly_anchor = 2025-01-21
[entities.ACME-US.month_end_close]
business_day = 3
at = 18:00:00

[entities.ACME-UK]
timezone = "Europe/London"
holiday_country = "GB"
holiday_subdivision = "ENG"
extra_holidays = [2026-12-24]
[entities.ACME-UK.payroll_cutoff]
pay_frequency = "monthly"
cron = "0 17 2 * *"
[entities.ACME-UK.month_end_close]
business_day = 3
at = "17:00"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendars.toml"
    path.write_text(text)
    return path


def test_a_valid_file_loads_with_its_defaults(tmp_path: Path) -> None:
    calendars = load_calendars(_write(tmp_path, VALID))
    uk = calendars.entities["ACME-UK"]
    assert uk.month_end_close is not None and uk.month_end_close.at == time(17)
    assert uk.payroll_cutoff is not None
    assert uk.payroll_cutoff.refreshed_within_hours == 24
    assert uk.payroll_cutoff.on_non_business_day == "previous"
    assert not uk.business_days().is_business_day(date(2026, 12, 24))


BAD = [
    pytest.param(
        ('timezone = "Europe/London"', 'timezone = "Europe/Londres"'),
        ["entity ACME-UK, field timezone", "Europe/Londres"],
        id="timezone",
    ),
    pytest.param(
        ('cron = "0 17 2 * *"', 'cron = "0 25 2 * *"'),
        ["entity ACME-UK, field payroll_cutoff.cron", "0 25 2 * *"],
        id="cron",
    ),
    pytest.param(
        ("biweekly_anchor = 2025-01-21\n", ""),
        ["entity ACME-US, field payroll_cutoff.biweekly_anchor", "required"],
        id="biweekly-without-anchor",
    ),
    pytest.param(
        ('cron = "0 17 2 * *"', 'cron = "0 17 * * 2"'),
        ["entity ACME-UK, field payroll_cutoff.cron", "monthly pay frequency"],
        id="frequency-vs-cron",
    ),
    pytest.param(
        ('pay_frequency = "monthly"', 'pay_frequency = "fortnightly"'),
        ["entity ACME-UK, field payroll_cutoff.pay_frequency", "biweekly"],
        id="frequency",
    ),
    pytest.param(
        ('holiday_subdivision = "ENG"', 'holiday_subdivison = "ENG"'),
        ["entity ACME-UK, field holiday_subdivison", "Extra inputs are not permitted"],
        id="misspelt-key",
    ),
    pytest.param(
        ('holiday_country = "US"', 'holiday_country = "XX"'),
        ["entity ACME-US, field holiday_country", "XX"],
        id="holiday-country",
    ),
    pytest.param(
        ('holiday_subdivision = "ENG"', 'holiday_subdivision = "NOPE"'),
        ["entity ACME-UK, field holiday_subdivision", "NOPE"],
        id="holiday-subdivision",
    ),
    pytest.param(
        ("business_day = 3\nat = 18", "business_day = 0\nat = 18"),
        ["entity ACME-US, field month_end_close.business_day", "greater than or equal to 1"],
        id="business-day",
    ),
    pytest.param(
        ('at = "17:00"', 'at = "25:00"'),
        ["entity ACME-UK, field month_end_close.at"],
        id="close-time",
    ),
    pytest.param(
        ('cron = "0 17 2 * *"', 'cron = "0 17 2 * *"\nrefreshed_within_hours = 0'),
        ["entity ACME-UK, field payroll_cutoff.refreshed_within_hours", "greater than 0"],
        id="window",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), BAD)
def test_a_bad_calendar_names_the_entity_and_the_field(
    tmp_path: Path, edit: tuple[str, str], expected: list[str]
) -> None:
    old, new = edit
    text = VALID.replace(old, new, 1)
    assert text != VALID
    path = _write(tmp_path, text)
    with pytest.raises(CalendarConfigError) as raised:
        load_calendars(path)
    message = str(raised.value)
    assert str(path) in message
    for part in expected:
        assert part in message, message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[entities]\n", "entities: Dictionary should have at least 1 item"),
        ("[entities.ACME-US\n", "not valid TOML"),
        ("[entities.ACME-US]\n", "entity ACME-US, field timezone: Field required"),
    ],
    ids=["no-entity", "not-toml", "missing-field"],
)
def test_a_file_that_is_no_calendar_says_so(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(CalendarConfigError, match=expected):
        load_calendars(_write(tmp_path, text))


def test_the_file_named_by_the_env_replaces_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CALENDARS_ENV, str(_write(tmp_path, VALID)))
    assert list(load_calendars().entities) == ["ACME-US", "ACME-UK"]
    monkeypatch.setenv(CALENDARS_ENV, str(tmp_path / "missing.toml"))
    with pytest.raises(CalendarConfigError, match="missing.toml does not exist"):
        load_calendars()


def test_the_code_location_refuses_a_bad_calendar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = VALID.replace('timezone = "Europe/London"', 'timezone = "Mars/Olympus"')
    monkeypatch.setenv(CALENDARS_ENV, str(_write(tmp_path, bad)))
    with pytest.raises(CalendarConfigError, match="entity ACME-UK, field timezone"):
        with_freshness_policies([])


def test_the_deprecated_cutoff_cron_still_sets_every_entitys_cutoff_in_utc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DEPRECATED_CUTOFF_ENV, "0 17 * * *")  # daily, as it was allowed before
    calendars = load_calendars(_write(tmp_path, VALID))
    for entity in calendars.entities.values():
        schedule = entity.cutoff_schedule()
        assert schedule is not None
        assert (schedule.cron, str(schedule.tz), schedule.move_to_business_day) == (
            "0 17 * * *",
            "UTC",
            False,
        )
        assert schedule.biweekly_anchor is None
        assert schedule.previous(utc(2026, 12, 26, 18)).due == utc(2026, 12, 26, 17)  # Saturday
    monkeypatch.setenv(DEPRECATED_CUTOFF_ENV, "every tuesday")
    with pytest.raises(CalendarConfigError, match=DEPRECATED_CUTOFF_ENV):
        load_calendars(_write(tmp_path, VALID))


def test_the_ui_policy_is_the_first_entitys_cutoff_within_dagsters_bounds(tmp_path: Path) -> None:
    policy = payroll_ui_policy(load_calendars(_write(tmp_path, VALID)))
    assert policy is not None and hasattr(policy, "deadline_cron")
    assert (policy.deadline_cron, policy.timezone) == ("0 17 * * 2", "America/New_York")
    assert policy.lower_bound_delta == timedelta(hours=24)
    # Dagster wants 1 min <= lower bound <= the cron's shortest gap.
    tight = VALID.replace(
        "biweekly_anchor = 2025-01-21",
        "biweekly_anchor = 2025-01-21\nrefreshed_within_hours = 0.001",
        1,
    )
    assert payroll_ui_policy(load_calendars(_write(tmp_path, tight))).lower_bound_delta == (
        timedelta(minutes=1)
    )
    wide = VALID.replace(
        "biweekly_anchor = 2025-01-21",
        "biweekly_anchor = 2025-01-21\nrefreshed_within_hours = 400",
        1,
    )
    # The week in which clocks go forward is an hour short.
    assert payroll_ui_policy(load_calendars(_write(tmp_path, wide))).lower_bound_delta == (
        timedelta(days=7) - timedelta(hours=1)
    )


# -- health ------------------------------------------------------------------------------------


def _check(deadline: str = "payroll_cutoff") -> DeadlineCheck:
    if deadline == "payroll_cutoff":
        return DeadlineCheck(PAYROLL_CUTOFF, "ACME-UK", cutoff("0 17 2 * *", LONDON, ENGLAND))
    return DeadlineCheck(MONTH_END_CLOSE, "ACME-UK", close(ENGLAND, LONDON, at=time(17)))


def _state(check: DeadlineCheck, refreshed_at: datetime, now: datetime) -> tuple[str, str]:
    health = deadline_health(check, Refreshed(refreshed_at, "gusto/payrolls"), now)
    assert (health.legal_entity, health.deadline) == ("ACME-UK", check.deadline.name)
    assert health.detail.startswith("ACME-UK: ")
    return health.state, health.detail


def test_a_cutoff_is_met_by_a_refresh_in_its_window_and_missed_without_one() -> None:
    check = _check()
    due = utc(2026, 3, 2, 17)  # Mon 2 March 2026, 17:00 GMT
    assert _state(check, due - timedelta(hours=3), due + timedelta(hours=1))[0] == "PASS"
    state, detail = _state(check, due - timedelta(hours=25), due + timedelta(hours=1))
    assert state == "FAIL"
    assert "payroll cut-off Mon 2026-03-02 17:00 GMT missed" in detail
    assert "gusto/payrolls last refreshed 2026-03-01 16:00:00 UTC" in detail
    # A refresh after the missed cut-off clears it, and says so.
    state, detail = _state(check, due + timedelta(minutes=5), due + timedelta(hours=1))
    assert (state, "passed, refreshed since" in detail) == ("PASS", True)


def test_a_cutoff_warns_when_near_and_its_window_holds_no_refresh() -> None:
    check = _check()
    due = utc(2026, 3, 2, 17)
    stale = due - timedelta(hours=30)
    assert _state(check, stale, due - timedelta(hours=5))[0] == "PASS"  # not near yet
    state, detail = _state(check, stale, due - timedelta(hours=3))
    assert (state, "payroll cut-off Mon 2026-03-02 17:00 GMT is near" in detail) == ("WARN", True)
    assert _state(check, due - timedelta(hours=4), due - timedelta(hours=3))[0] == "PASS"


def test_a_close_needs_a_refresh_after_month_end() -> None:
    check = _check("month_end_close")
    due = utc(2026, 3, 4, 17)  # business day 3 after February
    before_month_end = utc(2026, 2, 28, 23)
    state, detail = _state(check, before_month_end, due + timedelta(minutes=1))
    assert state == "FAIL"
    assert "month-end close of 2026-02 (business day 3: Wed 2026-03-04 17:00 GMT) missed" in detail
    assert "needed at or after 2026-03-01 00:00:00 UTC" in detail
    assert _state(check, before_month_end, due - timedelta(hours=2))[0] == "WARN"
    assert _state(check, before_month_end, due - timedelta(hours=25))[0] == "PASS"
    assert _state(check, utc(2026, 3, 1, 6), due + timedelta(minutes=1))[0] == "PASS"


def test_unknown_when_an_asset_was_never_refreshed() -> None:
    health = deadline_health(_check(), None, utc(2026, 3, 3))
    assert (health.state, health.legal_entity, health.key) == (
        "UNKNOWN",
        "ACME-UK",
        "payroll_cutoff:ACME-UK",
    )


# -- the sensor and the alerts table -----------------------------------------------------------


def test_a_calendar_broken_after_load_keeps_deadline_states_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSWALK_OPS_DB", str(tmp_path / "ops.sqlite"))
    monkeypatch.setenv(CALENDARS_ENV, str(_write(tmp_path, "[entities.ACME-UK]\n")))
    sensor = domain_freshness_sensor({})
    before = {"payroll_cutoff:ACME-UK": "FAIL", "worker_master": "PASS"}
    with dg.DagsterInstance.ephemeral() as instance:
        result = sensor(dg.build_sensor_context(instance=instance, cursor=json.dumps(before)))
    assert isinstance(result, dg.SensorResult)
    assert result.skip_reason is not None
    assert "entity ACME-UK, field timezone" in (result.skip_reason.skip_message or "")
    assert json.loads(result.cursor or "{}")["payroll_cutoff:ACME-UK"] == "FAIL"


def test_an_older_alerts_table_gains_the_entity_and_deadline_columns(tmp_path: Path) -> None:
    path = tmp_path / "ops.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "create table alerts (alert_id integer primary key autoincrement, domain text not "
            "null, state text not null, previous_state text, detail text not null, raised_at "
            "text not null, posted_status text)"
        )
        conn.execute(
            "insert into alerts (domain, state, detail, raised_at) values ('payroll', 'FAIL', "
            "'old', '2026-11-01T00:00:00+00:00')"
        )
    ensure_alerts_table(path)
    ensure_alerts_table(path)  # twice: nothing more to add
    with sqlite3.connect(path) as conn:
        rows = conn.execute("select domain, legal_entity, deadline from alerts").fetchall()
    assert rows == [("payroll", None, None)]
