"""Gusto's own Python SDK (gusto-app-integration 0.2.4, Speakeasy) drives the sandbox unchanged.

Only the server URL (`server_url=<sandbox>/gusto`) and the credentials differ from production use.
The SDK speaks API version 2024-04-01, whose token answer carries `created_at` as ISO text; the
sandbox serves that version's shape when asked for it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gusto_app_integration import GustoAppIntegration, models

from tests.support.gusto import gusto_root, system_token
from tests.support.sandbox_process import SandboxProcess


@pytest.fixture()
def sdk_token(sandbox: SandboxProcess) -> str:
    with GustoAppIntegration(server_url=gusto_root(sandbox)) as anonymous:
        auth = anonymous.introspection.refresh_access_token(
            client_id="sandbox-client",
            client_secret="sandbox-secret",
            refresh_token="sandbox-refresh",
            grant_type="refresh_token",
        )
    assert auth.access_token
    assert auth.refresh_token == "sandbox-refresh"
    assert auth.expires_in == 7200
    assert auth.created_at and "T" in auth.created_at  # 2024-04-01 shape: ISO text
    return auth.access_token


@pytest.fixture()
def gusto(sandbox: SandboxProcess, sdk_token: str) -> Iterator[GustoAppIntegration]:
    with GustoAppIntegration(company_access_auth=sdk_token, server_url=gusto_root(sandbox)) as sdk:
        yield sdk


def test_sdk_refreshes_and_reads_token_info(gusto: GustoAppIntegration) -> None:
    info = gusto.introspection.get_token_info()
    assert info.resource is not None and info.resource.type == "Company"
    company = gusto.companies.get(company_id=info.resource.uuid)
    assert company.uuid == info.resource.uuid
    assert company.name == "Acme Consulting Inc."


def test_sdk_lists_employees_page_by_page(gusto: GustoAppIntegration) -> None:
    company_id = gusto.introspection.get_token_info().resource.uuid
    first = gusto.employees.get(company_id=company_id, page=1, per=10)
    second = gusto.employees.get(company_id=company_id, page=2, per=10)
    assert len(first) == 10 and len(second) == 10
    assert not {e.uuid for e in first} & {e.uuid for e in second}
    assert all(isinstance(e, models.Employee) and e.company_uuid == company_id for e in first)
    employee = gusto.employees.get_by_id(employee_id=first[0].uuid)
    assert employee.version == first[0].version
    assert employee.jobs and employee.jobs[0].compensations


def test_sdk_gets_a_payroll_with_statements(gusto: GustoAppIntegration) -> None:
    company_id = gusto.introspection.get_token_info().resource.uuid
    payrolls = gusto.payrolls.get_for_company(company_id=company_id)
    assert payrolls and all(p.processed for p in payrolls)
    payroll = gusto.payrolls.get(
        company_id=company_id,
        payroll_id=payrolls[0].payroll_uuid,
        include=[
            models.GetV1CompaniesCompanyIDPayrollsPayrollIDQueryParamInclude.TAXES,
            models.GetV1CompaniesCompanyIDPayrollsPayrollIDQueryParamInclude.DEDUCTIONS,
        ],
    )
    assert payroll.pay_period is not None
    statements = payroll.employee_compensations
    assert statements
    first = statements[0]
    assert first.gross_pay and first.net_pay and first.net_pay < first.gross_pay
    assert first.taxes and all(isinstance(t.amount, float) for t in first.taxes)
    earnings = (first.fixed_compensations or []) + (first.hourly_compensations or [])
    assert earnings and all(line.amount for line in earnings)
    assert payroll.totals is not None and payroll.totals.gross_pay


def test_sdk_reads_the_event_feed(gusto: GustoAppIntegration, sandbox: SandboxProcess) -> None:
    # The feed takes the application's system token (`grant_type=system_access`) only.
    events = gusto.events.get_all(
        security=models.GetEventsSecurity(system_access_auth=system_token(sandbox)), limit="100"
    )
    assert events
    assert {e.event_type for e in events} <= {
        "employee.created",
        "employee.updated",
        "employee.terminated",
        "employee_job_compensation.created",
        "employee_job_compensation.updated",
        "payroll.processed",
    }
