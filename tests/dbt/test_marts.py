"""The BI marts agree with canonical data and reconciliation, and expose no pay or persons.

Read from the warehouse `crosswalk run` built (tests/dbt/conftest.py). Overdue unposted time
against the sandbox's truth is tested on a firm that lived a business day
(tests/dbt/test_quarantine.py): on day zero nothing is overdue yet.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.dbt.canonical_support import query, relation_columns
from tests.dbt.conftest import BuiltWarehouse

# Columns no mart may carry: compensation and personal data (ARCHITECTURE §5).
FORBIDDEN_COLUMNS = {
    "first_name",
    "last_name",
    "preferred_name",
    "work_email",
    "email",
    "email_key",
    "gross_pay",
    "net_pay",
    "check_amount",
    "pay_type",
    "cost_rate",
    "bill_rate",
    "rate",
    "amount",
    "compensation",
}


UTILIZATION_WEEKS = 13  # the mart's `utilization_weeks` var, by default


@pytest.fixture(scope="module")
def warehouse(built_warehouse: BuiltWarehouse) -> Path:
    assert built_warehouse.result.returncode == 0, built_warehouse.result.stdout[-4000:]
    return built_warehouse.warehouse


def test_marts_expose_no_compensation_or_personal_data(warehouse: Path) -> None:
    marts = relation_columns(warehouse, "marts")
    assert {
        "utilization",
        "project_margin",
        "headcount",
        "billing_readiness",
        "unposted_approved_time",
        "exception_aging",
    } <= set(marts)
    exposed = {
        (table, column)
        for table, columns in marts.items()
        for column, _, _ in columns
        if column in FORBIDDEN_COLUMNS
    }
    assert exposed == set()


def test_exception_aging_counts_every_open_finding_once(warehouse: Path) -> None:
    open_findings = query(
        warehouse,
        "select rule, owner, severity, count(*) from reconciliation.drift_findings "
        "where status = 'open' group by all order by all",
    )
    aged = query(
        warehouse,
        "select rule, owner, severity, sum(open_findings) from marts.exception_aging "
        "group by all order by all",
    )
    assert open_findings and aged == open_findings


def test_utilization_is_billable_hours_over_capacity_and_matches_time(warehouse: Path) -> None:
    (mismatched, negative) = query(
        warehouse,
        "select count(*) filter (where abs(utilization - billable_hours / capacity_hours) > 1e-6), "
        "count(*) filter (where utilization < 0) from marts.utilization",
    )[0]
    assert (mismatched, negative) == (0, 0)
    # Every billable hour of a worker in a week of their employment is counted once, week by
    # week. (Time a leaver logged after leaving is no utilization: it is a time_on_inactive_project
    # finding.)
    mart_weeks = """
        select worker_id, week_start, billable_hours from marts.utilization
        where billable_hours > 0
    """
    logged_weeks = """
        select t.worker_id, cast(date_trunc('week', t.spent_date) as date) as week_start,
            sum(t.hours) as billable_hours
        from canonical.time_entry as t
        where not t.is_deleted and t.is_billable
            and exists (select 1 from marts.utilization as u where u.worker_id = t.worker_id
                and u.week_start = date_trunc('week', t.spent_date))
        group by all
    """
    ((weeks,),) = query(warehouse, f"select count(*) from ({mart_weeks})")
    assert weeks > 0
    assert query(warehouse, f"{mart_weeks} except all {logged_weeks}") == []
    assert query(warehouse, f"{logged_weeks} except all {mart_weeks}") == []


def test_utilization_has_a_row_for_each_week_a_worker_with_capacity_was_employed(
    warehouse: Path, built_warehouse: BuiltWarehouse
) -> None:
    """The mart's worker-weeks, worked out here from canonical workers and PSA capacities: the
    13 weeks (Monday-based) up to the business date that overlap the worker's employment."""
    today = date.fromisoformat(
        httpx.get(built_warehouse.sandbox.base("control") + "/clock", timeout=30).json()[
            "business_date"
        ]
    )
    this_week = today - timedelta(days=today.weekday())
    window = [this_week - timedelta(weeks=n) for n in range(UTILIZATION_WEEKS)]
    workers = query(
        warehouse,
        """
        select w.worker_id, w.hire_date, w.termination_date
        from canonical.worker as w
        where (
            select max(u.weekly_capacity_seconds)
            from canonical.identity_map as i
            inner join staging.stg_harvest__users as u
                on u.source_relation = i.source_relation and u.remote_id = i.remote_id
            where i.system = 'harvest' and i.worker_id = w.worker_id and not u.is_deleted
        ) > 0
        """,
    )
    expected = {
        (worker, week)
        for worker, hired, left in workers
        for week in window
        if (hired is None or hired <= week + timedelta(days=6)) and (left is None or left >= week)
    }
    in_mart = set(query(warehouse, "select worker_id, week_start from marts.utilization"))
    assert expected, "nobody with a PSA capacity was employed in the window"
    assert in_mart == expected, (len(in_mart - expected), len(expected - in_mart))


def test_project_margin_totals_equal_canonical_time(warehouse: Path) -> None:
    # Project by project: hours booked to the wrong project would keep the grand totals.
    per_project = """
        select project_id, sum(coalesce(bill_amount, 0)) as revenue,
            sum(coalesce(cost_amount, 0)) as cost, sum(hours) as hours
        from canonical.time_entry where not is_deleted group by project_id
    """
    mart = "select project_id, revenue, cost, hours from marts.project_margin"
    ((projects,),) = query(warehouse, f"select count(*) from ({mart})")
    assert projects > 0
    assert query(warehouse, f"{mart} except all {per_project}") == []
    assert query(warehouse, f"{per_project} except all {mart}") == []


def test_headcount_this_month_is_everyone_employed_on_the_business_date(
    warehouse: Path, built_warehouse: BuiltWarehouse
) -> None:
    today = httpx.get(built_warehouse.sandbox.base("control") + "/clock", timeout=30).json()[
        "business_date"
    ]
    (in_mart, employed) = query(
        warehouse,
        """
        select
            (select sum(headcount) from marts.headcount
             where month_start = date_trunc('month', cast(? as date))),
            (select count(*)
             from canonical.employment as e
             inner join canonical.worker as w on w.worker_id = e.worker_id
             where e.valid_from <= cast(? as date)
                and (e.valid_to is null or e.valid_to > cast(? as date))
                and e.is_employed
                and (w.hire_date is null or w.hire_date <= cast(? as date))
                and (w.termination_date is null or w.termination_date > cast(? as date)))
        """,
        [today] * 5,
    )[0]
    assert in_mart == employed > 0
