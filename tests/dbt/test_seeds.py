"""The code-mapping seeds are the sandbox firm's mappings (vendor_sandbox/catalog.py:mappings())."""

from __future__ import annotations

import csv
import tomllib

import pytest

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
