"""Dirty data never reaches canonical; every record is either canonical or quarantined.

The shared built firm (tests/dbt/conftest.py: 5% dirty records, a few lived business days,
ingested and built by `crosswalk run`) is compared with the live sandbox's ground truth
(`/_sandbox/truth/counts`, `/truth/dirty`, `/truth/drift`): for each table
with dirty records, the vendor's count equals the canonical rows plus the quarantined ones, no
dirty record is canonical, and the overdue unposted time of the BI mart is the standing
`approved_time_not_posted` drift. The same warehouse then proves the incremental canonical models
equal a full rebuild after updates and deletes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt.canonical_support import copy_warehouse, dbt, query
from tests.dbt.conftest import BuiltWarehouse
from tests.support.sandbox_process import SandboxProcess

# The canonical relation each vendor table's records land in, and how to pick that table's rows
# out of it. A table the sandbox makes dirty records for must be listed here.
CANONICAL_OF = {
    ("harvest", "time_entries"): ("canonical.time_entry", "source_system = 'harvest'"),
    ("bamboohr", "time_off_requests"): ("canonical.leave", "source_system = 'bamboohr'"),
}
INCREMENTAL_MODELS = ("time_entry", "gl_posting", "pay_line")


@dataclass
class DirtyFirm:
    sandbox: SandboxProcess
    warehouse: Path
    business_now: str
    counts: dict[str, dict[str, int]]
    dirty: list[dict[str, Any]]
    drift: list[dict[str, Any]]


@pytest.fixture(scope="module")
def dirty_firm(built_warehouse: BuiltWarehouse) -> DirtyFirm:
    """The shared built firm (dirty, lived), with the sandbox's truth about it."""
    return DirtyFirm(
        built_warehouse.sandbox,
        built_warehouse.warehouse,
        built_warehouse.business_now,
        built_warehouse.control("/truth/counts"),
        built_warehouse.control("/truth/dirty")["dirty"],
        built_warehouse.control("/truth/drift?standing=true")["drift"],
    )


def quarantined(firm: DirtyFirm) -> dict[tuple[str, str], set[str]]:
    keys: dict[tuple[str, str], set[str]] = {}
    for system, table, key in query(
        firm.warehouse,
        "select system, table_name, record_key from quarantine.quarantined_records",
    ):
        keys.setdefault((system, table), set()).add(key)
    return keys


def test_the_firm_has_dirty_records_of_each_kind(dirty_firm: DirtyFirm) -> None:
    kinds = Counter((d["system"], d["entity"]) for d in dirty_firm.dirty)
    assert set(kinds) <= set(CANONICAL_OF), "a new dirty table needs its canonical relation"
    assert all(count > 0 for count in kinds.values()) and len(kinds) == len(CANONICAL_OF)


@pytest.mark.parametrize("table", sorted(CANONICAL_OF), ids="/".join)
def test_records_in_equal_canonical_plus_quarantined(
    dirty_firm: DirtyFirm, table: tuple[str, str]
) -> None:
    system, entity = table
    relation, rows_of_table = CANONICAL_OF[table]
    (canonical,) = query(
        dirty_firm.warehouse,
        f"select count(*) from {relation} where {rows_of_table} and not is_deleted",
    )[0]
    held_out = quarantined(dirty_firm).get(table, set())
    assert held_out, f"nothing of {system}.{entity} was quarantined"
    assert dirty_firm.counts[system][entity] == canonical + len(held_out)


def test_no_dirty_record_reaches_canonical_and_each_is_quarantined(dirty_firm: DirtyFirm) -> None:
    held_out = quarantined(dirty_firm)
    canonical: dict[tuple[str, str], set[str]] = {}
    for table, (relation, rows_of_table) in CANONICAL_OF.items():
        canonical[table] = {
            remote_id
            for (remote_id,) in query(
                dirty_firm.warehouse, f"select remote_id from {relation} where {rows_of_table}"
            )
        }
    reached = [
        d for d in dirty_firm.dirty if d["remote_id"] in canonical[(d["system"], d["entity"])]
    ]
    missing = [
        d
        for d in dirty_firm.dirty
        if d["remote_id"] not in held_out.get((d["system"], d["entity"]), set())
    ]
    assert reached == []
    assert missing == []


def test_quarantined_records_say_why_and_when(dirty_firm: DirtyFirm) -> None:
    rows = query(
        dirty_firm.warehouse,
        "select stage, count(*), count(reason), count(quarantined_at) "
        "from quarantine.quarantined_records group by stage order by stage",
    )
    # Hostile notes are a dbt record check; the rest are refused by the ingest schemas.
    assert [row[0] for row in rows] == ["dbt", "ingest"]
    assert all(total == reasons == stamped for _, total, reasons, stamped in rows)


def test_overdue_unposted_time_is_the_standing_approved_time_not_posted_drift(
    dirty_firm: DirtyFirm,
) -> None:
    expected = {d["entity_id"] for d in dirty_firm.drift if d["rule"] == "approved_time_not_posted"}
    overdue = {
        remote_id
        for (remote_id,) in query(
            dirty_firm.warehouse,
            "select t.remote_id from marts.unposted_approved_time as u "
            "inner join canonical.time_entry as t on t.time_entry_id = u.time_entry_id "
            "where u.is_overdue",
        )
    }
    assert expected, "no approved time is overdue: the comparison would be vacuous"
    assert overdue == expected


def mutate_raw(warehouse: Path) -> dict[str, int]:
    """Vendor-side changes as dlt would land them: new versions, hard deletes, a renamed line.

    An edit is stamped when it is made, after everything loaded before (the vendors' updated_at
    and lastmodifieddate), as the sources' incremental cursors and staging's marks expect.
    """
    with duckdb.connect(str(warehouse)) as conn:
        changed = {
            "time entry versions": conn.execute(
                "update raw_harvest.time_entries set hours = hours + 0.25, "
                "updated_at = (select max(updated_at) from raw_harvest.time_entries) "
                "+ interval 1 hour where id % 50 = 7"
            ).fetchone()[0],
            "time entries deleted": conn.execute(
                "delete from raw_harvest.time_entries where id % 200 = 3"
            ).fetchone()[0],
            "journal lines changed": conn.execute(
                "update raw_netsuite.transaction_lines set debit = debit + 1, "
                "linelastmodifieddate = (select max(linelastmodifieddate) "
                "from raw_netsuite.transaction_lines) + interval 1 hour where uniquekey % 50 = 7"
            ).fetchone()[0],
            "journal lines deleted": conn.execute(
                "delete from raw_netsuite.transaction_lines where uniquekey % 200 = 3"
            ).fetchone()[0],
            "pay statements changed": conn.execute(
                # dlt stamps a reloaded row with its new load's id (epoch seconds as text).
                "update raw_gusto.payroll_employee_compensations set version = version || '-2', "
                "lines_json = replace(lines_json, '\"Pension\"', '\"Pension (new plan)\"'), "
                "_dlt_load_id = '9999999999.0' where hash(_dlt_id) % 20 = 7"
            ).fetchone()[0],
        }
    assert all(changed.values()), changed
    return changed


def test_incremental_models_equal_a_full_rebuild_after_updates_and_deletes(
    dirty_firm: DirtyFirm, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(dirty_firm.warehouse, tmp_path / "incremental")
    mutate_raw(warehouse)
    # The reference shares nothing built incrementally: the same raw tables, every model from
    # staging up rebuilt from nothing.
    rebuilt = copy_warehouse(warehouse, tmp_path / "full")
    # Upstream too: staging of the big tables is itself incremental (a table, not a view). Every
    # scope as a semi-join, even an empty one (at most scope_max_keys records are a list, as in
    # every other build here; this one changes few).
    dbt(
        warehouse,
        dirty_firm.business_now,
        "run",
        "--vars",
        "{scope_max_keys: -1}",
        "--select",
        *(f"+{model}" for model in INCREMENTAL_MODELS),
    )
    compiled = warehouse.parent / "dbt-target" / "compiled" / "crosswalk" / "models" / "canonical"
    for model in ("time_entry", "gl_posting"):
        assert "as scope_rows" in (compiled / f"{model}.sql").read_text(), model

    dbt(
        rebuilt,
        dirty_firm.business_now,
        "run",
        "--full-refresh",
        "--select",
        *(f"+{model}" for model in INCREMENTAL_MODELS),
    )

    # What a rebuild forgets (docs/transformation.md): rows deleted at the source, and so the
    # link of a live journal line to a time entry deleted since it was posted.
    deleted_entries = "select time_entry_id from canonical.time_entry where is_deleted"
    forgotten_links = {
        "gl_posting": f"""replace (case when time_entry_id in ({deleted_entries})
            then null else time_entry_id end as time_entry_id)""",
    }
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        conn.execute(f"attach '{rebuilt}' as rebuilt (read_only)")
        for model in INCREMENTAL_MODELS:
            links = forgotten_links.get(model, "")
            live = (
                f"select * exclude (is_deleted) {links} from canonical.{model} where not is_deleted"
            )
            full = f"select * exclude (is_deleted) from rebuilt.canonical.{model}"
            rows = conn.execute(f"select count(*) from ({full})").fetchone()[0]
            assert rows > 0, model
            only_incremental = conn.execute(f"select count(*) from ({live} except all {full})")
            assert only_incremental.fetchone()[0] == 0, model
            only_full = conn.execute(f"select count(*) from ({full} except all {live})")
            assert only_full.fetchone()[0] == 0, model
            flagged = conn.execute(f"select count(*) from canonical.{model} where is_deleted")
            # Hard deletes (and the renamed pay line's old name) stay, flagged.
            assert flagged.fetchone()[0] > 0, model
