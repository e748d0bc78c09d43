"""Rows whose types break go to `<table>__quarantine` with a reason; nothing is dropped.

Each resource validates the fields the canonical layer relies on with a small pydantic model.
A row that fails is yielded to the quarantine table (same raw dataset) with the reason, the
instance, the raw JSON and its key, so it can be fixed at the source and reloaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import dlt
import orjson
from pydantic import BaseModel, ValidationError

QUARANTINE_SUFFIX = "__quarantine"
QUARANTINE_COLUMNS: list[dict[str, Any]] = [
    {"name": "source_relation", "data_type": "text", "nullable": False},
    {"name": "record_key", "data_type": "text", "nullable": False},
    {"name": "reason", "data_type": "text", "nullable": False},
    {"name": "raw", "data_type": "text", "nullable": False},
    {"name": "quarantined_at", "data_type": "timestamp", "nullable": False},
]


def quarantine_row(
    table: str,
    row: dict[str, Any],
    reason: str,
    source_relation: str,
    key: object,
    disposition: str = "merge",
) -> Any:
    """A quarantine record for `row`, routed to `<table>__quarantine`.

    `disposition` is the quarantine's write disposition: merge (a record re-read while still
    broken replaces its earlier quarantine row) or replace, for tables re-read in full.
    """
    record = {
        "source_relation": source_relation,
        "record_key": str(key),
        "reason": reason[:2000],
        "raw": orjson.dumps(row, default=str).decode(),
        "quarantined_at": datetime.now(UTC),
    }
    # A table variant of its own: the quarantine must not inherit the resource's primary key,
    # columns or merge disposition (a merge on `id` would refuse every quarantined row).
    hints = dlt.mark.make_hints(
        table_name=f"{table}{QUARANTINE_SUFFIX}",
        write_disposition=disposition,  # type: ignore[arg-type]
        primary_key=["source_relation", "record_key"],
        columns=QUARANTINE_COLUMNS,
    )
    return dlt.mark.with_hints(record, hints, create_table_variant=True)


def validated(
    rows: Iterable[dict[str, Any]],
    *,
    table: str,
    model: type[BaseModel],
    source_relation: str,
    key_field: str | tuple[str, ...] = "id",
    quarantine_disposition: str = "merge",
) -> Iterator[Any]:
    """Yield each row that validates against `model`, and a quarantine record for each other.

    `key_field` names the row's key within its instance (fields of a compound key are joined
    with ":"): the quarantine merges on it, so a wrong one folds different records into one row.
    """
    fields = (key_field,) if isinstance(key_field, str) else key_field
    for row in rows:
        try:
            model.model_validate(row)
        except ValidationError as exc:
            reason = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            key = ":".join(str(row.get(field)) for field in fields)
            yield quarantine_row(table, row, reason, source_relation, key, quarantine_disposition)
            continue
        yield row
