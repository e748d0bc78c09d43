"""canonical_models mirrors the canonical dbt models: names, types, nullability, closed enums.

The built relations are the truth (their dbt contracts pin each column's type and not-null
constraint), read from the information_schema of a warehouse `crosswalk run` built. Write-back
validates payloads with these pydantic models, so a drift between the two must fail here, not in a
push.
"""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from canonical_models import MODELS, BaseModelConfig, Worker
from tests.dbt.canonical_support import DBT_PROJECT, query, relation_columns
from tests.dbt.conftest import BuiltWarehouse

# The Python type a value of each warehouse type arrives as (duckdb's types; the contracts declare
# varchar, boolean, date, timestamp, bigint and numeric(28,6)).
PYTHON_TYPES = {
    "VARCHAR": str,
    "BOOLEAN": bool,
    "DATE": date,
    "TIMESTAMP": datetime,
    "BIGINT": int,
    "INTEGER": int,
}
ROWS_VALIDATED_PER_RELATION = 2000


def python_type(data_type: str) -> type:
    return Decimal if data_type.startswith("DECIMAL") else PYTHON_TYPES[data_type]


def field_shape(annotation: Any) -> tuple[type, bool, tuple[str, ...] | None]:
    """(base type, nullable, closed values) of a field annotation."""
    nullable = False
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(annotation))
        (annotation,) = args
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is typing.Literal:
        values = typing.get_args(annotation)
        return type(values[0]), nullable, values
    return annotation, nullable, None


def disagreements(model: type[BaseModelConfig], columns: list[tuple[str, str, bool]]) -> list[str]:
    """How `model`'s fields differ from a relation's (column, data type, nullable) list."""
    problems = []
    fields = {name: field_shape(info.annotation) for name, info in model.model_fields.items()}
    by_name = {name: (data_type, nullable) for name, data_type, nullable in columns}
    for name in sorted(by_name.keys() - fields.keys()):
        problems.append(f"column {name} has no field")
    for name in sorted(fields.keys() - by_name.keys()):
        problems.append(f"field {name} has no column")
    for name in sorted(by_name.keys() & fields.keys()):
        data_type, column_nullable = by_name[name]
        base, field_nullable, _ = fields[name]
        if base is not python_type(data_type):
            problems.append(f"{name}: column {data_type}, field {base.__name__}")
        if field_nullable != column_nullable:
            problems.append(f"{name}: column nullable={column_nullable}, field {field_nullable}")
    return problems


def closed_enums(yml: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """{model: {column: values}} of accepted_values tests of severity error in a schema file."""
    enums: dict[str, dict[str, tuple[str, ...]]] = {}
    for model in yaml.safe_load(yml.read_text())["models"]:
        for column in model.get("columns", []):
            for test in column.get("data_tests", []):
                spec = test.get("accepted_values") if isinstance(test, dict) else None
                if spec and spec.get("config", {}).get("severity", "error") == "error":
                    values = tuple(spec["arguments"]["values"])
                    enums.setdefault(model["name"], {})[column["name"]] = values
    return enums


@pytest.fixture(scope="module")
def canonical_columns(built_warehouse: BuiltWarehouse) -> dict[str, list[tuple[str, str, bool]]]:
    assert built_warehouse.result.returncode == 0, built_warehouse.result.stdout[-4000:]
    return relation_columns(built_warehouse.warehouse, "canonical")


def test_every_canonical_relation_has_a_model(canonical_columns: dict) -> None:
    assert {f"canonical.{table}" for table in canonical_columns} == set(MODELS)


@pytest.mark.parametrize("relation", sorted(MODELS))
def test_model_fields_equal_the_relations_columns(relation: str, canonical_columns: dict) -> None:
    columns = canonical_columns.get(relation.split(".", 1)[1])
    assert columns, f"{relation} was not built"
    assert disagreements(MODELS[relation], columns) == []


def test_literal_fields_equal_the_accepted_values_dbt_tests() -> None:
    enums = closed_enums(DBT_PROJECT / "models" / "canonical" / "_canonical__models.yml")
    for relation, model in MODELS.items():
        table = relation.split(".", 1)[1]
        literals = {
            name: shape[2]
            for name, info in model.model_fields.items()
            if (shape := field_shape(info.annotation))[2] is not None
        }
        if table == "identity_map":  # no contract of ours: its enums are written down by hand
            continue
        assert literals == enums.get(table, {}), relation


@pytest.mark.parametrize("relation", sorted(MODELS))
def test_built_rows_validate_against_their_model(
    relation: str, built_warehouse: BuiltWarehouse
) -> None:
    with_names = query(
        built_warehouse.warehouse,
        f"select * from {relation} using sample {ROWS_VALIDATED_PER_RELATION} rows",
    )
    names = [
        c[0]
        for c in relation_columns(built_warehouse.warehouse, "canonical")[relation.split(".", 1)[1]]
    ]
    assert with_names, f"{relation} is empty"
    for row in with_names:
        MODELS[relation].model_validate(dict(zip(names, row, strict=True)))


def test_a_drifted_model_is_reported() -> None:
    # The comparison itself: a renamed column, a type change and a lost not-null are all caught.
    columns = [
        (name, "BOOLEAN" if name == "is_active" else "VARCHAR", True)
        for name in Worker.model_fields
        if name != "email_key"
    ] + [("email", "VARCHAR", True)]
    problems = disagreements(Worker, columns)
    assert "column email has no field" in problems
    assert "field email_key has no column" in problems
    assert "hire_date: column VARCHAR, field date" in problems
    assert "worker_id: column nullable=True, field False" in problems
