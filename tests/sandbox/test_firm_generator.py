"""The synthetic firm: deterministic per seed, and shaped like a professional-services firm."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from vendor_sandbox.catalog import LEGAL_ENTITIES
from vendor_sandbox.firm.generate import generate_firm
from vendor_sandbox.settings import SandboxSettings
from vendor_sandbox.store import Store


def build(path: Path, seed: int, dirty: float = 0.0) -> Store:
    store = Store(path)
    store.init_schema()
    generate_firm(store, SandboxSettings(size="small", seed=seed, dirty_rate=dirty))
    return store


def fingerprint(store: Store) -> dict[str, str]:
    """A digest of every table's rows in primary-key order."""
    conn = store.connection()
    tables = [
        r[0]
        for r in conn.execute("select name from sqlite_master where type = 'table' order by name")
    ]
    digests = {}
    for table in tables:
        digest = hashlib.sha256()
        for row in conn.execute(f'select * from "{table}" order by rowid'):
            digest.update(repr(tuple(row)).encode())
        digests[table] = digest.hexdigest()
    return digests


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return build(tmp_path_factory.mktemp("firm") / "a.sqlite", seed=42)


def test_same_seed_gives_the_same_firm_row_for_row(
    firm: Store, tmp_path_factory: pytest.TempPathFactory
) -> None:
    again = build(tmp_path_factory.mktemp("firm") / "b.sqlite", seed=42)
    assert fingerprint(again) == fingerprint(firm)


def test_another_seed_gives_another_firm(
    firm: Store, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = build(tmp_path_factory.mktemp("firm") / "c.sqlite", seed=43)
    differing = {t for t, d in fingerprint(other).items() if fingerprint(firm).get(t) != d}
    assert {"bamboohr_employees", "harvest_time_entries", "gusto_payrolls"} <= differing


def scalar(store: Store, sql: str) -> object:
    return store.connection().execute(sql).fetchone()[0]


def test_small_firm_has_the_documented_size(firm: Store) -> None:
    assert scalar(firm, "select count(*) from bamboohr_employees") == 200
    assert scalar(firm, "select count(*) from ns_job") == 40
    span = scalar(
        firm,
        "select julianday(max(spent_date)) - julianday(min(spent_date)) from harvest_time_entries",
    )
    assert 80 <= span <= 90


def test_three_legal_entities_in_three_countries_and_currencies(firm: Store) -> None:
    rows = (
        firm.connection()
        .execute("select country, currency from ns_subsidiary order by id")
        .fetchall()
    )
    assert [tuple(r) for r in rows] == [(e.country, e.currency) for e in LEGAL_ENTITIES]
    assert len({r[0] for r in rows}) == 3 and len({r[1] for r in rows}) == 3
    used = {
        r[0]
        for r in firm.connection().execute(
            "select distinct customLegalEntity from bamboohr_employees"
        )
    }
    assert used == {e.code for e in LEGAL_ENTITIES}


def test_reporting_lines_end_at_the_managing_partner(firm: Store) -> None:
    conn = firm.connection()
    boss = dict(conn.execute("select id, supervisorEId from bamboohr_employees").fetchall())
    roots = [e for e, s in boss.items() if s is None]
    assert roots == [100]
    for employee in boss:
        seen, current = set(), employee
        while boss[current] is not None:
            assert current not in seen, f"reporting cycle through {current}"
            seen.add(current)
            current = boss[current]
        assert current == 100


def test_history_has_hires_leavers_transfers_and_leave(firm: Store) -> None:
    assert scalar(firm, "select count(*) from bamboohr_employees where status = 'Inactive'") > 0
    assert (
        scalar(firm, "select count(*) from bamboohr_employees where hireDate >= '2025-12-01'") > 0
    )
    transfers = scalar(
        firm,
        "select count(*) from (select employeeId from bamboohr_job_info group by employeeId "
        "having count(distinct department) > 1)",
    )
    assert transfers > 0
    assert (
        scalar(firm, "select count(*) from bamboohr_time_off_requests where status = 'approved'")
        > 0
    )
    assert scalar(firm, "select count(distinct type) from bamboohr_compensation") == 2


def test_projects_of_every_billing_type_with_charge_codes(firm: Store) -> None:
    types = {r[0] for r in firm.connection().execute("select jobbillingtype from ns_job")}
    assert types == {"TM", "FF", "NB"}
    assert (
        scalar(
            firm,
            "select min(n) from (select count(*) n from harvest_task_assignments "
            "group by project_id)",
        )
        >= 3
    )


def test_time_is_approved_then_posted_to_erp_at_cost(firm: Store) -> None:
    assert scalar(firm, "select count(*) from harvest_time_entries where is_closed = 0") > 0
    assert scalar(firm, "select count(*) from harvest_time_entries where is_closed = 1") > 0
    wrong = scalar(
        firm,
        "select count(*) from ns_transactionline l join harvest_time_entries t "
        "on cast(t.id as text) = l.custcol_cw_time_entry "
        "where abs(cast(l.debit as real) - round(t.hours * t.cost_rate, 2)) > 0.001",
    )
    assert wrong == 0
    unbalanced = scalar(
        firm,
        'select count(*) from (select "transaction", sum(coalesce(cast(debit as real), 0)) d, '
        "sum(coalesce(cast(credit as real), 0)) c from ns_transactionline "
        'group by "transaction" having abs(d - c) > 0.01)',
    )
    assert unbalanced == 0


def test_payroll_runs_per_entity_pay_hourly_workers_their_approved_hours(firm: Store) -> None:
    per_company = (
        firm.connection()
        .execute(
            "select c.entity_code, count(*) from gusto_payrolls p join gusto_companies c "
            "on c.uuid = p.company_uuid group by c.entity_code"
        )
        .fetchall()
    )
    assert {r[0] for r in per_company} == {e.code for e in LEGAL_ENTITIES}
    assert scalar(firm, "select count(*) from gusto_pay_lines where line_type = 'hourly'") > 0
    assert (
        scalar(firm, "select count(*) from ns_transactionline where custcol_cw_pay_run is not null")
        > 0
    )


def test_seeded_imperfections_are_reported_as_drift(firm: Store) -> None:
    rules = {
        r[0]
        for r in firm.connection().execute(
            "select rule from sandbox_drift where resolved_at is null"
        )
    }
    assert rules == {"worker_not_provisioned", "orphan_target_worker", "duplicate_identity"}
    messy = scalar(firm, "select count(*) from harvest_users where email != lower(trim(email))")
    assert messy > 0


def test_dirty_records_are_extra_and_listed_with_their_defect(
    firm: Store, tmp_path_factory: pytest.TempPathFactory
) -> None:
    dirty = build(tmp_path_factory.mktemp("firm") / "d.sqlite", seed=42, dirty=0.01)
    conn = dirty.connection()
    defects = {r[0] for r in conn.execute("select defect from sandbox_dirty")}
    assert {
        "negative_hours",
        "hours_over_24",
        "invalid_date",
        "unknown_user",
        "hostile_notes",
        "ends_before_start",
        "unknown_type",
    } == defects
    listed = scalar(dirty, "select count(*) from sandbox_dirty where entity = 'time_entries'")
    extra = scalar(dirty, "select count(*) from harvest_time_entries") - scalar(
        firm, "select count(*) from harvest_time_entries"
    )
    assert listed == extra > 0
    # The clean firm is untouched: same drift, nothing quarantined becomes a finding.
    clean_drift = scalar(firm, "select count(*) from sandbox_drift")
    assert scalar(dirty, "select count(*) from sandbox_drift") == clean_drift
