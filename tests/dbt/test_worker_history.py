"""'As of' questions: the department a worker had on a past date, and what crosswalk saw over time.

`department_on()` reads canonical.employment (the HCM's own effective-dated job history);
`worker_as_of()` reads snapshot history.worker_history. Both are asked through dbt itself
(`dbt show --inline`), the way a model or an analyst would call them.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.dbt.canonical_support import copy_warehouse, dbt, query
from tests.dbt.conftest import BuiltWarehouse


@pytest.fixture(scope="module")
def warehouse(built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert built_warehouse.result.returncode == 0, built_warehouse.result.stdout[-4000:]
    # `dbt show` opens the warehouse for writing: ask a copy, never the shared one.
    return copy_warehouse(built_warehouse.warehouse, tmp_path_factory.mktemp("as-of"))


@pytest.fixture(scope="module")
def business_now(built_warehouse: BuiltWarehouse) -> str:
    clock = httpx.get(built_warehouse.sandbox.base("control") + "/clock", timeout=30)
    return clock.raise_for_status().json()["business_now"]


def dbt_show(warehouse: Path, business_now: str, sql: str) -> list[dict]:
    result = dbt(warehouse, business_now, "show", "--quiet", "--inline", sql, "--output", "json")
    return json.loads(result.stdout)["show"]


def transferred_worker(warehouse: Path) -> tuple[str, date, str, str]:
    """A worker whose HCM job history moves them to another department, and when."""
    rows = query(
        warehouse,
        """
        with daily as (
            -- Of two job rows dated one day only the later record was ever in force.
            select *
            from staging.stg_bamboohr__job_info
            qualify row_number() over (
                partition by source_relation, employee_id, effective_date
                order by job_info_id desc
            ) = 1
        ),

        jobs as (
            select
                employee_id,
                effective_date,
                department,
                lag(department) over (
                    partition by source_relation, employee_id order by effective_date
                ) as previous_department
            from daily
        )

        select w.worker_id, jobs.effective_date, jobs.previous_department, jobs.department
        from jobs
        inner join canonical.worker as w on w.remote_id = cast(jobs.employee_id as varchar)
        where jobs.previous_department <> jobs.department
        order by jobs.effective_date, w.worker_id
        limit 1
        """,
    )
    assert rows, "the firm has no transfer between departments in its job history"
    return rows[0]


def test_department_on_returns_the_department_a_worker_had_on_a_past_date(
    warehouse: Path, business_now: str
) -> None:
    worker_id, moved_on, before, after = transferred_worker(warehouse)
    day_before = moved_on - timedelta(days=1)
    answer = dbt_show(
        warehouse,
        business_now,
        f"select {{{{ department_on(\"'{worker_id}'\", \"cast('{day_before}' as date)\") }}}} "
        f"as before, "
        f"{{{{ department_on(\"'{worker_id}'\", \"cast('{moved_on}' as date)\") }}}} as after, "
        f"{{{{ department_on(\"'{worker_id}'\", \"cast('1900-01-01' as date)\") }}}} as unborn",
    )
    assert answer == [{"before": before, "after": after, "unborn": None}]


def test_worker_history_holds_one_current_version_per_worker(warehouse: Path) -> None:
    workers = query(warehouse, "select count(*) from canonical.worker")[0][0]
    current = query(
        warehouse,
        "select count(*), count(distinct worker_id) from history.worker_history "
        "where dbt_valid_to is null",
    )[0]
    assert current == (workers, workers)


def test_worker_as_of_now_is_the_golden_record(warehouse: Path, business_now: str) -> None:
    answer = dbt_show(
        warehouse,
        business_now,
        "select count(*) as differing from canonical.worker as w "
        "left join {{ worker_as_of(business_now()) }} as h "
        "on h.worker_id = w.worker_id "
        "where h.department is distinct from w.department "
        "or h.legal_entity_code is distinct from w.legal_entity_code",
    )
    assert answer == [{"differing": 0}]
