"""The chaos report's warehouse measures see a planted gap, and only it.

tests/chaos/test_chaos_small.py asserts that `crosswalk chaos` reports no raw table short of its
vendor and no finding missed or spurious; this proves those measures would say otherwise. The
shared firm's warehouse is copied, then rows are taken out of a raw table and the open findings
are changed by one in each direction; the sandbox's truth is the one the firm was built against.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from crosswalk_cli.chaos.measures import drift_account, ingest_gaps
from crosswalk_cli.chaos.truth import FindingKey
from tests.dbt.conftest import BuiltWarehouse

ROWS_TAKEN = 3


def _copy(built: BuiltWarehouse, tmp_path: Path) -> tuple[str, Path]:
    built.copy_to(tmp_path)
    return built.sandbox.url, tmp_path / "warehouse.duckdb"


def test_ingest_gaps_count_quarantined_records_as_kept_and_name_the_rows_taken(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    sandbox_url, warehouse = _copy(built_warehouse, tmp_path)
    # The firm is dirty: ingestion refused some time entries and time-off requests into their
    # quarantine tables. Kept with a reason, so no gap.
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        (quarantined,) = conn.execute(
            "select count(*) from raw_harvest.time_entries__quarantine"
        ).fetchone()
    assert quarantined > 0
    assert ingest_gaps(sandbox_url, warehouse) == []
    with duckdb.connect(str(warehouse)) as conn:
        (held,) = conn.execute("select count(*) from raw_harvest.time_entries").fetchone()
        conn.execute(
            "delete from raw_harvest.time_entries where id in "
            f"(select id from raw_harvest.time_entries order by id limit {ROWS_TAKEN})"
        )

    gaps = ingest_gaps(sandbox_url, warehouse)

    assert len(gaps) == 1, gaps
    gap = gaps[0]
    assert (gap.system, gap.table, gap.warehouse_rows, gap.quarantined_rows) == (
        "harvest",
        "time_entries",
        held - ROWS_TAKEN,
        quarantined,
    )
    assert gap.lost_rows == ROWS_TAKEN


def test_the_drift_account_counts_a_closed_finding_missed_and_a_planted_one_spurious(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    sandbox_url, warehouse = _copy(built_warehouse, tmp_path)
    exact = drift_account(sandbox_url, warehouse)
    assert (exact.findings_missed, exact.findings_spurious) == (0, 0)
    with duckdb.connect(str(warehouse)) as conn:
        closed, copied = conn.execute(
            "select finding_id from reconciliation.drift_findings where status = 'open' "
            "order by finding_id limit 2"
        ).fetchall()
        conn.execute(
            "update reconciliation.drift_findings set status = 'resolved', "
            "resolved_at = current_timestamp where finding_id = ?",
            closed,
        )
        conn.execute(
            "insert into reconciliation.drift_findings select * replace "
            "('planted-' || finding_id as finding_id, 'planted-' || entity_id as entity_id) "
            "from reconciliation.drift_findings where finding_id = ?",
            copied,
        )
        planted: FindingKey = conn.execute(
            "select rule, entity_type, entity_id, systems from reconciliation.drift_findings "
            "where finding_id = 'planted-' || ?",
            copied,
        ).fetchone()

    account = drift_account(sandbox_url, warehouse)

    assert (account.findings_missed, account.findings_spurious) == (1, 1)
    assert planted[2].startswith("planted-")
    # The truth it is measured against did not change.
    assert account.standing == exact.standing
