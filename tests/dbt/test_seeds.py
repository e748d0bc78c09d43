"""The code-mapping seeds are the sandbox firm's mappings (vendor_sandbox/catalog.py:mappings())."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.transform.project import dbt_executable
from tests.dbt.canonical_support import DBT_PROJECT, DBT_TIMEOUT_SECONDS
from tests.support.sandbox_process import REPO
from vendor_sandbox.catalog import LEGAL_ENTITIES, mappings

SEEDS = REPO / "dbt_project" / "seeds"


def read_seed(name: str) -> list[dict[str, str]]:
    with open(SEEDS / f"{name}.csv", newline="") as f:
        return list(csv.DictReader(f))


def as_text(rows: list[dict[str, object]]) -> list[dict[str, str]]:
    return [{key: str(value) for key, value in row.items()} for row in rows]


@pytest.mark.parametrize("mapping", sorted(mappings()))
def test_seed_equals_the_firms_mapping(mapping: str) -> None:
    expected = as_text(mappings()[mapping])
    seed = read_seed(f"map_{mapping}")
    assert seed == expected  # same rows, same order, same columns


def test_every_seed_file_is_checked() -> None:
    # A new mapping seed must join the comparison above (or be listed here as configuration).
    configuration = {"map_payroll_company", "map_hcm_instance"}
    seeds = {path.stem for path in SEEDS.glob("map_*.csv")}
    assert seeds == {f"map_{name}" for name in mappings()} | configuration


def test_payroll_companies_pay_existing_legal_entities() -> None:
    rows = read_seed("map_payroll_company")
    mapped = {row["hcm_legal_entity"] for row in read_seed("map_legal_entity")}
    assert [row["hcm_legal_entity"] for row in rows] == [e.code for e in LEGAL_ENTITIES]
    assert {row["hcm_legal_entity"] for row in rows} <= mapped
    # Each payroll company is one configured Gusto instance (source_relation gusto_<name>).
    config = tomllib.loads((REPO / ".dlt" / "config.toml").read_text())
    instances = {f"gusto_{name}" for name in config["sources"]["gusto"]["instances"]}
    assert {row["payroll_source_relation"] for row in rows} == instances


def test_hcm_instances_are_configured_bamboohr_instances() -> None:
    # The sandbox firm's one HCM instance keeps bare HCM ids as ERP externalIds (the sandbox's
    # ERP employees carry them): its row names no prefix.
    rows = read_seed("map_hcm_instance")
    config = tomllib.loads((REPO / ".dlt" / "config.toml").read_text())
    instances = {f"bamboohr_{name}" for name in config["sources"]["bamboohr"]["instances"]}
    assert {row["hcm_source_relation"] for row in rows} == instances
    assert all(row["erp_external_id_prefix"] == "" for row in rows)


def test_a_mapping_row_added_with_another_line_ending_is_seeded(tmp_path: Path) -> None:
    # The seeds end their lines in CRLF (as Python's csv module writes them); a row a person
    # appends with an editor or `echo` may end in LF. DuckDB's CSV reader cannot sniff a file
    # mixing both, so dbt-duckdb's fast seed load (COPY) would fail; the seeds load through
    # dbt's own CSV reader instead (dbt_project.yml, seeds: +fast: false).
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    seed = project / "seeds" / "map_department.csv"
    assert seed.read_bytes().endswith(b"\r\n")
    with seed.open("ab") as f:
        f.write(b"Legal,194,CC-9400\n")
    warehouse = tmp_path / "warehouse.duckdb"
    result = subprocess.run(
        [dbt_executable(), "seed", "--select", "map_department"]
        + ["--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project,
        env={**os.environ, "CROSSWALK_WAREHOUSE": str(warehouse)},
        capture_output=True,
        text=True,
        timeout=DBT_TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute("select * from mappings.map_department").fetchall()
    kept = [
        (r["hcm_department"], int(r["erp_department_id"]), r["cost_center"])
        for r in read_seed("map_department")
    ]
    assert rows == kept + [("Legal", 194, "CC-9400")]
