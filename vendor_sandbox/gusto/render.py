"""Gusto's JSON shapes, built from the emulator's rows.

Shapes follow the spec's schemas (Employee, Job, Compensation, Termination, Department, Location,
Pay-Schedule, Company, Payroll, Payroll-Show, Event). Vendor habits kept:
- Money is a decimal string to the cent (`"18000.00"`), hours to the thousandth (`"40.000"`),
  except where Gusto itself answers numbers: a pay statement's `gross_pay`, `net_pay`,
  `check_amount`, and the amounts of its `taxes`, `deductions` and `benefits` (the spec and the
  SDK both type these as numbers).
- Fields the spec marks non-nullable are left out when the sandbox has no value for them
  (`employee_code`, `hired_at`, a job's `location_uuid`), rather than sent as null.
- `current_employment_status` speaks the spec's enum; anything else is left out.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from vendor_sandbox.gusto.queries import EmployeeDetails, JobDetails

EMPLOYMENT_STATUSES = {
    "full_time",
    "part_time_under_twenty_hours",
    "part_time_twenty_plus_hours",
    "variable",
    "seasonal",
}
WITHHOLDING_PERIODS = {
    "Every week",
    "Every other week",
    "Twice per month",
    "Monthly",
    "Quarterly",
    "Semiannually",
    "Annually",
}
CENT = Decimal("0.01")


def money(value: object) -> str:
    """A decimal string to the cent."""
    return str(Decimal(str(value if value not in (None, "") else 0)).quantize(CENT))


def hours(value: object) -> str:
    return str(Decimal(str(value if value not in (None, "") else 0)).quantize(Decimal("0.001")))


def number(value: object) -> float:
    """A money amount where Gusto answers a JSON number."""
    return float(Decimal(str(value if value not in (None, "") else 0)).quantize(CENT))


def _column(row: sqlite3.Row, name: str) -> object:
    """A column the query may not have selected (`in row` would search values, not names)."""
    names = row.keys()
    return row[name] if name in names else None


def _put(target: dict[str, object], key: str, value: object) -> None:
    if value is not None:
        target[key] = value


def location(row: sqlite3.Row) -> dict[str, object]:
    return {
        "uuid": row["uuid"],
        "version": row["version"],
        "company_uuid": row["company_uuid"],
        "street_1": row["street_1"],
        "street_2": None,
        "city": row["city"],
        "state": row["state"],
        "zip": row["zip"],
        "country": row["country"],
        "mailing_address": False,
        "filing_address": False,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "active": bool(row["active"]),
        "inactive": not row["active"],
    }


def compensation(row: sqlite3.Row) -> dict[str, object]:
    body: dict[str, object] = {
        "uuid": row["uuid"],
        "version": row["version"],
        "job_uuid": row["job_uuid"],
        "employee_uuid": row["employee_uuid"],
        "rate": money(row["rate"]),
        "payment_unit": row["payment_unit"],
        "flsa_status": row["flsa_status"],
        "effective_date": row["effective_date"],
        "adjust_for_minimum_wage": False,
        "minimum_wages": [],
    }
    _put(body, "title", _column(row, "job_title"))
    return body


def job(details: JobDetails) -> dict[str, object]:
    row = details.job
    body: dict[str, object] = {
        "uuid": row["uuid"],
        "version": row["version"],
        "employee_uuid": row["employee_uuid"],
        "hire_date": row["hire_date"],
        "title": row["title"],
        "primary": bool(row["primary"]),
        "rate": money(row["rate"]),
        "payment_unit": row["payment_unit"],
        "two_percent_shareholder": False,
        "state_wc_covered": None,
        "state_wc_class_code": None,
        "compensations": [compensation(c) for c in details.compensations],
    }
    _put(body, "current_compensation_uuid", row["current_compensation_uuid"])
    _put(body, "location_uuid", row["location_uuid"])
    if details.location is not None:
        body["location"] = location(details.location)
    return body


def termination(row: sqlite3.Row, today: str) -> dict[str, object]:
    return {
        "uuid": row["uuid"],
        "version": row["version"],
        "employee_uuid": row["employee_uuid"],
        "active": bool(row["active"]),
        # Gusto lets a termination be cancelled until it takes effect.
        "cancelable": bool(row["active"]) and row["effective_date"] >= today,
        "effective_date": row["effective_date"],
        "run_termination_payroll": bool(row["run_termination_payroll"]),
    }


def employee(
    details: EmployeeDetails,
    today: str,
    *,
    company_name: str | None = None,
    custom_fields: bool = False,
) -> dict[str, object]:
    e = details.employee
    status = e["current_employment_status"]
    primary = next((j for j in details.jobs if j.job["primary"]), None)
    body: dict[str, object] = {
        "uuid": e["uuid"],
        "first_name": e["first_name"],
        "middle_initial": None,
        "last_name": e["last_name"],
        "email": e["email"],
        "company_uuid": e["company_uuid"],
        "manager_uuid": e["manager_uuid"],
        "version": e["version"],
        "department": details.department,
        "department_uuid": e["department_uuid"],
        "terminated": bool(e["terminated"]),
        "two_percent_shareholder": None,
        "work_email": e["work_email"],
        "onboarded": bool(e["onboarded"]),
        "onboarding_status": (
            "onboarding_completed" if e["onboarded"] else "admin_onboarding_incomplete"
        ),
        "jobs": [job(j) for j in details.jobs],
        "eligible_paid_time_off": [],
        "terminations": [termination(t, today) for t in details.terminations],
        "garnishments": [],
        "date_of_birth": None,
        "has_ssn": False,
        "phone": None,
        "preferred_first_name": None,
        "payment_method": "Direct Deposit",
        "current_employment_status": status if status in EMPLOYMENT_STATUSES else None,
        "historical": False,
    }
    _put(body, "employee_code", e["employee_code"])
    _put(body, "title", primary.job["title"] if primary else None)
    _put(body, "hired_at", e["hired_at"])
    _put(body, "flsa_status", e["flsa_status"])
    _put(body, "company_name", company_name)
    if custom_fields:
        body["custom_fields"] = []  # the sandbox's companies define no custom fields
    return body


def department(row: sqlite3.Row, members: list[str]) -> dict[str, object]:
    return {
        "uuid": row["uuid"],
        "version": row["version"],
        "company_uuid": row["company_uuid"],
        "title": row["title"],
        "employees": [{"uuid": uuid} for uuid in members],
        "contractors": [],
    }


def pay_schedule(row: sqlite3.Row) -> dict[str, object]:
    return {
        "uuid": row["uuid"],
        "version": row["version"],
        "frequency": row["frequency"],
        "anchor_pay_date": row["anchor_pay_date"],
        "day_1": None,
        "day_2": None,
        "name": row["name"],
        "custom_name": row["name"],
        "auto_pilot": False,
        "auto_payroll": False,
        "active": True,
    }


def company(row: sqlite3.Row, locations: list[sqlite3.Row]) -> dict[str, object]:
    """A company as Gusto shows it.

    `entity_type` and `tier` are left out: the spec's enums have no null, and a UK Ltd or a GmbH
    fits none of Gusto's US entity types.
    """
    slug = row["name"].lower().replace(" ", "-").replace(".", "")
    return {
        "uuid": row["uuid"],
        "name": row["name"],
        "trade_name": row["name"],
        "slug": slug,
        "contractor_only": False,
        "is_suspended": False,
        "company_status": "Approved",
        "is_high_risk_business": False,
        "is_marijuana_business": False,
        "is_partner_managed": False,
        "pay_schedule_type": "single",
        "join_date": None,
        "funding_type": "ach",
        "locations": [
            {
                "street_1": loc["street_1"],
                "street_2": None,
                "city": loc["city"],
                "state": loc["state"],
                "zip": loc["zip"],
                "country": loc["country"],
                "active": bool(loc["active"]),
                "inactive": not loc["active"],
            }
            for loc in locations
        ],
        "compensations": {
            "hourly": [
                {"uuid": None, "name": "Regular Hours", "multiple": 1.0},
                {"uuid": None, "name": "Overtime", "multiple": 1.5},
            ],
            "fixed": [{"uuid": None, "name": "Salary"}, {"uuid": None, "name": "Bonus"}],
            "paid_time_off": [{"uuid": None, "name": "Vacation Hours"}],
        },
        "primary_signatory": None,
    }


def _payroll_totals(row: sqlite3.Row, line_totals: dict[str, str]) -> dict[str, str]:
    gross, net = Decimal(money(row["gross_pay"])), Decimal(money(row["net_pay"]))
    employer, employee_tax = (
        Decimal(money(row["employer_taxes"])),
        Decimal(money(row["employee_taxes"])),
    )
    deductions = Decimal(line_totals.get("deduction", "0.00"))
    zero = "0.00"
    return {
        "company_debit": money(net + employee_tax + employer),
        "net_pay_debit": money(net),
        "tax_debit": money(employee_tax + employer),
        "reimbursement_debit": zero,
        "child_support_debit": zero,
        "reimbursements": zero,
        "net_pay": money(net),
        "gross_pay": money(gross),
        "employee_bonuses": zero,
        "employee_commissions": zero,
        "employee_cash_tips": zero,
        "employee_paycheck_tips": zero,
        "additional_earnings": zero,
        "owners_draw": zero,
        "check_amount": money(net),
        "employer_taxes": money(employer),
        "employee_taxes": money(employee_tax),
        "benefits": zero,
        "employee_benefits_deductions": money(deductions),
        "imputed_pay": zero,
        "deferred_payroll_taxes": zero,
        "other_deductions": zero,
    }


def payroll(
    row: sqlite3.Row, include: set[str], line_totals: dict[str, str] | None = None
) -> dict[str, object]:
    """A payroll without its statements (the list shape; `payroll_show` adds them)."""
    frequency = _column(row, "frequency")
    body: dict[str, object] = {
        "uuid": row["uuid"],
        "payroll_uuid": row["uuid"],
        "company_uuid": row["company_uuid"],
        "payroll_deadline": row["payroll_deadline"],
        "check_date": row["check_date"],
        "processed": bool(row["processed"]),
        "processed_date": row["processed_date"],
        "calculated_at": row["updated_at"] if row["processed"] else None,
        "off_cycle": bool(row["off_cycle"]),
        "off_cycle_reason": None,
        "auto_pilot": False,
        "external": False,
        "final_termination_payroll": False,
        "withholding_pay_period": frequency if frequency in WITHHOLDING_PERIODS else None,
        "skip_regular_deductions": False,
        "fixed_withholding_rate": False,
        "pay_period": {
            "start_date": row["start_date"],
            "end_date": row["end_date"],
            "pay_schedule_uuid": row["pay_schedule_uuid"],
        },
        "created_at": row["created_at"],
    }
    if "totals" in include and row["gross_pay"] is not None:
        body["totals"] = _payroll_totals(row, line_totals or {})
    if "payroll_status_meta" in include:
        body["payroll_status_meta"] = {
            "cancellable": not row["processed"],
            "expected_check_date": row["check_date"],
            "initial_check_date": row["check_date"],
            "expected_debit_time": row["payroll_deadline"],
            "payroll_late": False,
            "initial_debit_cutoff_time": row["payroll_deadline"],
        }
    return body


def statement(
    row: sqlite3.Row,
    lines: list[sqlite3.Row],
    primary_job: sqlite3.Row | None,
    version: str,
    include: set[str],
) -> dict[str, object]:
    """One employee's pay statement inside a payroll (`employee_compensations[]`)."""
    job_uuid = primary_job["uuid"] if primary_job is not None else None
    flsa = primary_job["flsa_status"] if primary_job is not None else None
    fixed, hourly, taxes, deductions = [], [], [], []
    for line in lines:
        kind = line["line_type"]
        if kind == "fixed":
            item: dict[str, object] = {"name": line["name"], "amount": money(line["amount"])}
            _put(item, "job_uuid", job_uuid)
            fixed.append(item)
        elif kind == "hourly":
            item = {
                "name": line["name"],
                "hours": hours(line["hours"]),
                "amount": money(line["amount"]),
                "compensation_multiplier": 1.0,
            }
            _put(item, "job_uuid", job_uuid)
            _put(item, "flsa_status", flsa)
            hourly.append(item)
        elif kind == "tax":
            taxes.append(
                {
                    "name": line["name"],
                    "employer": bool(line["employer"]),
                    "amount": number(line["amount"]),
                }
            )
        elif kind == "deduction":
            deductions.append(
                {"name": line["name"], "amount": number(line["amount"]), "amount_type": "fixed"}
            )
    body: dict[str, object] = {
        "employee_uuid": row["employee_uuid"],
        "excluded": False,
        "first_name": row["first_name"],
        "preferred_first_name": None,
        "last_name": row["last_name"],
        "gross_pay": number(row["gross_pay"]),
        "net_pay": number(row["net_pay"]),
        "check_amount": number(row["net_pay"]),
        "payment_method": row["payment_method"],
        "memo": None,
        "fixed_compensations": fixed,
        "hourly_compensations": hourly,
        "paid_time_off": [],
        "reimbursements": [],
        "deductions": deductions,
        "version": version,
    }
    if "taxes" in include:
        body["taxes"] = taxes
    if "benefits" in include:
        body["benefits"] = []
    return body


def event(row: sqlite3.Row | dict[str, object]) -> dict[str, object]:
    return {
        "uuid": row["uuid"],
        "event_type": row["event_type"],
        "resource_type": row["resource_type"],
        "resource_uuid": row["resource_uuid"],
        "entity_type": row["entity_type"],
        "entity_uuid": row["entity_uuid"],
        "timestamp": int(row["timestamp"]),
    }
