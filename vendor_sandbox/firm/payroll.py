"""Pay runs: periods per pay schedule, statements and lines, and their ERP payroll journals."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from vendor_sandbox.catalog import (
    EMPLOYER_TAX_ACCOUNT,
    ENTITY_BY_CODE,
    PAYROLL_LIABILITY_ACCOUNT,
    SALARIES_ACCOUNT,
)
from vendor_sandbox.clock import BusinessClock, iso_z
from vendor_sandbox.firm.delivery import LINE_INSERT
from vendor_sandbox.firm.people import Person
from vendor_sandbox.firm.reference import GustoCompany
from vendor_sandbox.firm.spec import money, seeded_uuid

BIWEEKLY_ANCHOR = date(2025, 1, 6)  # a Monday: US pay periods run two weeks from here
INCOME_TAX, SOCIAL_TAX, EMPLOYER_TAX, PENSION = 0.20, 0.07, 0.08, 0.04
CHECK_DELAY_DAYS = 5
PROCESS_DELAY_DAYS = 3


@dataclass(frozen=True)
class PayPeriod:
    start: date
    end: date

    @property
    def check_date(self) -> date:
        return self.end + timedelta(days=CHECK_DELAY_DAYS)

    @property
    def processed_date(self) -> date:
        return self.end + timedelta(days=PROCESS_DELAY_DAYS)


def period_containing(frequency: str, day: date) -> PayPeriod:
    """The pay period of a schedule that contains `day`."""
    if frequency == "Every other week":
        offset = (day - BIWEEKLY_ANCHOR).days // 14
        first = BIWEEKLY_ANCHOR + timedelta(days=14 * offset)
        return PayPeriod(first, first + timedelta(days=13))
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return PayPeriod(first, following - timedelta(days=1))


def periods_processed_between(frequency: str, since: date, until: date) -> list[PayPeriod]:
    """Periods whose payroll is processed on a day in [since, until)."""
    periods: list[PayPeriod] = []
    period = period_containing(frequency, since - timedelta(days=45))
    while period.processed_date < until:
        if period.processed_date >= since:
            periods.append(period)
        period = period_containing(frequency, period.end + timedelta(days=1))
    return periods


def run_payroll(
    conn: sqlite3.Connection,
    rng: random.Random,
    company: GustoCompany,
    period: PayPeriod,
    payees: list[tuple[str, str, float, float, int | None]],
    hours_table: str = "harvest_time_entries",
) -> str:
    """Process one payroll: statements and lines for each payee; returns the payroll uuid.

    Args:
        payees: (gusto employee uuid, pay type, annual salary, hourly rate, harvest user id).
            Hourly payees are paid the approved PSA hours of the period.
        hours_table: where approved hours are summed from; the generator passes a daily rollup
            of the time entries (same columns that matter: user_id, spent_date, is_closed, hours).
    """
    entity = ENTITY_BY_CODE[company.entity_code]
    periods_per_year = 26 if entity.pay_frequency == "Every other week" else 12
    payroll_uuid = seeded_uuid(rng)
    processed_at = iso_z(BusinessClock.at(period.processed_date, 14))
    hours_by_user = dict(
        conn.execute(
            f"select user_id, sum(hours) from {hours_table} where is_closed = 1 "
            "and spent_date between ? and ? group by user_id",
            (period.start.isoformat(), period.end.isoformat()),
        ).fetchall()
    )
    totals = {"gross": 0.0, "net": 0.0, "employer": 0.0, "employee": 0.0}
    lines: list[tuple] = []
    statements: list[tuple] = []
    for employee_uuid, pay_type, annual, hourly_rate, user_id in payees:
        if pay_type == "Hourly":
            hours = round(hours_by_user.get(user_id, 0.0), 2)
            gross = round(hours * hourly_rate, 2)
            lines.append(
                (
                    payroll_uuid,
                    employee_uuid,
                    "hourly",
                    "Regular Hours",
                    money(hours),
                    money(gross),
                    0,
                )
            )
        else:
            gross = round(annual / periods_per_year, 2)
            lines.append((payroll_uuid, employee_uuid, "fixed", "Salary", None, money(gross), 0))
        income, social = round(gross * INCOME_TAX, 2), round(gross * SOCIAL_TAX, 2)
        employer, pension = round(gross * EMPLOYER_TAX, 2), round(gross * PENSION, 2)
        net = round(gross - income - social - pension, 2)
        lines += [
            (payroll_uuid, employee_uuid, "tax", "Income Tax", None, money(income), 0),
            (payroll_uuid, employee_uuid, "tax", "Social Insurance", None, money(social), 0),
            (
                payroll_uuid,
                employee_uuid,
                "tax",
                "Employer Social Insurance",
                None,
                money(employer),
                1,
            ),
            (payroll_uuid, employee_uuid, "deduction", "Pension", None, money(pension), 0),
        ]
        statements.append((payroll_uuid, employee_uuid, money(gross), money(net)))
        totals["gross"] += gross
        totals["net"] += net
        totals["employer"] += employer
        totals["employee"] += income + social
    conn.execute(
        "insert into gusto_payrolls (uuid, company_uuid, pay_schedule_uuid, start_date, end_date, "
        "check_date, payroll_deadline, processed, processed_date, off_cycle, gross_pay, net_pay, "
        "employer_taxes, employee_taxes, created_at, updated_at) "
        "values (?,?,?,?,?,?,?,1,?,0,?,?,?,?,?,?)",
        (
            payroll_uuid,
            company.uuid,
            company.pay_schedule_uuid,
            period.start.isoformat(),
            period.end.isoformat(),
            period.check_date.isoformat(),
            iso_z(BusinessClock.at(period.processed_date, 23)),
            period.processed_date.isoformat(),
            money(totals["gross"]),
            money(totals["net"]),
            money(totals["employer"]),
            money(totals["employee"]),
            processed_at,
            processed_at,
        ),
    )
    conn.executemany(
        "insert into gusto_employee_compensations (payroll_uuid, employee_uuid, gross_pay, "
        "net_pay) values (?,?,?,?)",
        statements,
    )
    conn.executemany(
        "insert into gusto_pay_lines (payroll_uuid, employee_uuid, line_type, name, hours, "
        "amount, employer) values (?,?,?,?,?,?,?)",
        lines,
    )
    return payroll_uuid


def payees_for(
    people: list[Person], company: GustoCompany, period: PayPeriod
) -> list[tuple[str, str, float, float, int | None]]:
    return [
        (p.gusto_uuid, p.pay_type, p.annual_salary, p.hourly_rate, p.harvest_user_id)
        for p in people
        if p.gusto_uuid is not None
        and p.entity.code == company.entity_code
        and p.hire_date <= period.end
        and (p.termination_date is None or p.termination_date >= period.start)
    ]


def post_payroll_journal(conn: sqlite3.Connection, payroll_uuid: str, posted_on: date) -> int:
    """The ERP GL journal of a processed pay run (what `post_payroll_journal` writes)."""
    payroll = conn.execute(
        "select p.*, c.entity_code from gusto_payrolls p join gusto_companies c "
        "on c.uuid = p.company_uuid where p.uuid = ?",
        (payroll_uuid,),
    ).fetchone()
    subsidiary = ENTITY_BY_CODE[payroll["entity_code"]].subsidiary_id
    stamp = iso_z(BusinessClock.at(posted_on, 3))
    tran_id = conn.execute("select coalesce(max(id), 100000) + 1 from ns_transaction").fetchone()[0]
    conn.execute(
        "insert into ns_transaction (id, tranid, type, trandate, subsidiary, currency, memo, "
        "externalid, approvalstatus, createddate, lastmodifieddate) values (?,?,?,?,?,?,?,?,?,?,?)",
        (
            tran_id,
            f"JE-PAY-{payroll['end_date']}-{subsidiary}",
            "Journal",
            posted_on.isoformat(),
            subsidiary,
            ENTITY_BY_CODE[payroll["entity_code"]].currency,
            f"Payroll {payroll['start_date']}..{payroll['end_date']}",
            f"payroll-{payroll_uuid}",
            "Approved",
            stamp,
            stamp,
        ),
    )
    gross, employer = float(payroll["gross_pay"]), float(payroll["employer_taxes"])
    lines = [
        (SALARIES_ACCOUNT, money(gross), None, "Gross pay"),
        (EMPLOYER_TAX_ACCOUNT, money(employer), None, "Employer taxes"),
        (PAYROLL_LIABILITY_ACCOUNT, None, money(gross + employer), "Payroll liabilities"),
    ]
    conn.executemany(
        LINE_INSERT,
        [
            (
                tran_id,
                n,
                account,
                debit,
                credit,
                memo,
                None,
                None,
                None,
                subsidiary,
                None,
                None,
                None,
                None,
                None,
                payroll_uuid,
                stamp,
            )
            for n, (account, debit, credit, memo) in enumerate(lines, start=1)
        ],
    )
    return tran_id
