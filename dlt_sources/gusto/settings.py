"""Endpoints, page sizes and defaults of the Gusto source."""

from __future__ import annotations

API_VERSION = "2025-06-15"  # sent as X-Gusto-API-Version on every request
VERSION_HEADER = "X-Gusto-API-Version"
SECRET_KEYS = ("client_id", "client_secret", "refresh_token")

TOKEN_PATH = "/oauth/token"
TOKEN_INFO_PATH = "/v1/token_info"
EVENTS_PATH = "/v1/events"
EMPLOYEES_PATH = "/v1/companies/{company}/employees"
DEPARTMENTS_PATH = "/v1/companies/{company}/departments"
LOCATIONS_PATH = "/v1/companies/{company}/locations"
PAY_SCHEDULES_PATH = "/v1/companies/{company}/pay_schedules"
PAYROLLS_PATH = "/v1/companies/{company}/payrolls"
PAYROLL_PATH = "/v1/companies/{company}/payrolls/{payroll}"

PER_PAGE = 100  # Gusto's largest `per`
EVENTS_LIMIT = 100  # the feed's largest `limit`
FINGERPRINT_CHARS = 16  # hex digits of an employee part's hash kept in resource state

# Payroll lists refuse windows longer than a year and end dates more than 3 months ahead, so a
# full load walks one-year windows from this date (instance setting `payroll_start_date`
# overrides it) up to Gusto's today + PAYROLL_HORIZON_DAYS: under any count of "3 months"
# (89-92 days), a day spare for Gusto's today being behind the UTC date of its `Date` header.
DEFAULT_PAYROLL_START_DATE = "2020-01-01"
PAYROLL_WINDOW_DAYS = 365
PAYROLL_HORIZON_DAYS = 88
# Payrolls other than regular processed ones are filtered by pay period, not check date: windows
# overlap by half a year so any pay period up to that long lies wholly inside one of them.
PAYROLL_WINDOW_OVERLAP_DAYS = 183
# A payroll's parts: deductions come by default only on regular payrolls; totals only on
# calculated or processed ones (asked for anyway: the pay run journal needs them).
PAYROLL_INCLUDE = "taxes,benefits,deductions,totals"

# Access tokens live two hours; refresh a little early rather than eat a 401.
TOKEN_REFRESH_MARGIN_SECONDS = 300

PAYROLL_EVENT_ENTITIES = ("Payroll",)

# Incremental runs re-read this many of each company's latest payrolls (a request each) and load
# their rows only if changed: hours can be keyed into a processed payroll without an event.
RECHECK_RECENT_PAYROLLS = 2
