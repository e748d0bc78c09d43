"""`/_sandbox/truth/counts` for Gusto equals what a client can read through the API, company by
company: the numbers ingestion must land.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import httpx

from tests.support.gusto import GustoSession, open_session
from tests.support.sandbox_process import SandboxProcess

REFRESH_TOKENS = ("sandbox-refresh", "sandbox-refresh-uk", "sandbox-refresh-de")


def _all_pages(
    gusto: GustoSession, path: str, *, field: str | None = None, **params: object
) -> list[dict]:
    """Every row of a paged answer (of the body's `field` when the rows are inside one)."""
    rows: list[dict] = []
    page = 1
    while True:
        response = gusto.get(path, page=page, per=100, **params)
        assert response.status_code == 200
        rows += response.json()[field] if field else response.json()
        if page >= int(response.headers["X-Total-Pages"]):
            return rows
        page += 1


def _count_company(gusto: GustoSession, today: date) -> Counter:
    company = gusto.company_uuid
    counted: Counter = Counter()
    employees = _all_pages(gusto, f"/v1/companies/{company}/employees", include="all_compensations")
    counted["employees"] = len(employees)
    counted["jobs"] = sum(len(e["jobs"]) for e in employees)
    counted["compensations"] = sum(len(j["compensations"]) for e in employees for j in e["jobs"])
    counted["terminations"] = sum(len(e["terminations"]) for e in employees)
    counted["departments"] = len(gusto.get(f"/v1/companies/{company}/departments").json())
    counted["locations"] = len(_all_pages(gusto, f"/v1/companies/{company}/locations"))
    counted["pay_schedules"] = len(_all_pages(gusto, f"/v1/companies/{company}/pay_schedules"))
    payrolls = _all_pages(
        gusto,
        f"/v1/companies/{company}/payrolls",
        processing_statuses="processed,unprocessed",
        include_off_cycle="true",
        start_date=(today - timedelta(days=365)).isoformat(),
        end_date=today.isoformat(),
    )
    counted["payrolls"] = len(payrolls)
    for payroll in payrolls:
        statements = _all_pages(
            gusto,
            f"/v1/companies/{company}/payrolls/{payroll['uuid']}",
            field="employee_compensations",
        )
        counted["payroll_employee_compensations"] += len(statements)
    return counted


def test_counts_match_what_the_api_serves(sandbox: SandboxProcess) -> None:
    clock = httpx.get(f"{sandbox.base('control')}/clock").json()
    today = date.fromisoformat(clock["business_date"])
    served: Counter = Counter()
    for refresh_token in REFRESH_TOKENS:
        gusto = open_session(sandbox, refresh_token)
        try:
            served += _count_company(gusto, today)
        finally:
            gusto.close()
    truth = httpx.get(f"{sandbox.base('control')}/truth/counts").json()["gusto"]
    assert set(truth) == {
        "employees",
        "jobs",
        "compensations",
        "departments",
        "locations",
        "terminations",
        "pay_schedules",
        "payrolls",
        "payroll_employee_compensations",
    }
    assert all(truth[name] > 0 for name in truth)
    assert {name: served[name] for name in truth} == truth
