"""The incremental staging models read each vendor instance from its own mark.

A vendor's instances are configuration (docs/ingestion-design.md: an acquired firm's second
account is one more instance), loaded and clocked apart. The shared built firm has one Harvest and
one NetSuite instance; here its raw tables gain a second one, `beta`, as dlt would load it: first
its history, a day behind acme's clock, then one record beta changed after that build, still
older than acme's newest. Each incremental build must stage all of them: one mark for every
instance staged only beta's records newer than acme's newest (none of its history) and then
skipped its change.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import duckdb
import pytest

from tests.dbt.canonical_support import copy_warehouse, dbt, query
from tests.dbt.conftest import BuiltWarehouse

# (staging model, its raw table, the raw key, the raw vendor timestamp, the instance prefix)
STAGED = [
    ("stg_harvest__time_entries", "raw_harvest.time_entries", "id", "updated_at", "harvest"),
    (
        "stg_netsuite__transaction_lines",
        "raw_netsuite.transaction_lines",
        "uniquekey",
        "linelastmodifieddate",
        "netsuite",
    ),
]


def staged_per_instance(warehouse: Path, model: str) -> dict[str, int]:
    rows = query(warehouse, f"select source_relation, count(*) from staging.{model} group by 1")
    return dict(rows)


def raw_per_instance(warehouse: Path, table: str) -> dict[str, int]:
    return dict(query(warehouse, f"select source_relation, count(*) from {table} group by 1"))


@pytest.mark.parametrize("staged", STAGED, ids=[s[0] for s in STAGED])
def test_a_second_instance_is_staged_whole_and_its_later_changes_too(
    built_warehouse: BuiltWarehouse, tmp_path: Path, staged: tuple[str, str, str, str, str]
) -> None:
    model, table, key, changed_at, vendor = staged
    warehouse = copy_warehouse(built_warehouse.warehouse, tmp_path)
    first, beta = f"{vendor}_{'acme' if vendor == 'harvest' else 'sandbox'}", f"{vendor}_beta"
    with duckdb.connect(str(warehouse)) as conn:
        newest_first = conn.execute(
            f"select max({changed_at}) from {table} where source_relation = ?", [first]
        ).fetchone()[0]
        # beta's history: the first instance's records under beta's name, a day behind.
        conn.execute(
            f"insert into {table} by name select * replace ("
            f"'{beta}' as source_relation, {changed_at} - interval 1 day as {changed_at}) "
            f"from {table} where source_relation = ?",
            [first],
        )
    assert (
        query(warehouse, f"select count(*) from {table} where source_relation = ?", [beta])[0][0]
        > 0
    )
    dbt(warehouse, built_warehouse.business_now, "run", "--select", model)
    assert staged_per_instance(warehouse, model) == raw_per_instance(warehouse, table)

    # beta changes a record after that build: newer than anything staged of beta, older than
    # the first instance's newest.
    with duckdb.connect(str(warehouse)) as conn:
        changed = conn.execute(
            f"update {table} set {changed_at} = ? - interval 1 hour "
            f"where source_relation = ? and {key} = (select min({key}) from {table} "
            f"where source_relation = ?) returning {key}, {changed_at}",
            [newest_first, beta, beta],
        ).fetchall()
    assert len(changed) == 1
    (changed_key, changed_stamp) = changed[0]
    dbt(warehouse, built_warehouse.business_now, "run", "--select", model)

    assert staged_per_instance(warehouse, model) == raw_per_instance(warehouse, table)
    staged_key = "time_entry_id" if vendor == "harvest" else "transaction_line_key"
    held = query(
        warehouse,
        f"select remote_updated_at from staging.{model} "
        f"where source_relation = ? and {staged_key} = ?",
        [beta, changed_key],
    )
    # Staging holds vendor stamps as UTC timestamps (profiles.yml: TimeZone UTC).
    assert held == [(changed_stamp.astimezone(UTC).replace(tzinfo=None),)]
