"""NetSuite (ERP) source: SuiteQL reads of the records crosswalk reconciles, per instance.

Eleven resources, one per raw table of the contract (docs/sandbox.md). Reference tables
(subsidiaries, departments, classifications, locations, accounts) are small and re-read in full
each run (merged, so nothing is duplicated); a row the warehouse holds that the read no longer
returns becomes a tombstone. Customers, jobs, employees, resource allocations,
transactions and transaction lines are read incrementally by `lastmodifieddate`
(`linelastmodifieddate` for lines) from a cursor kept per instance in the resource's dlt state;
the range is closed at its start and merge absorbs the overlap. Deletions come from SuiteQL's
`deletedrecord` (read by `deleteddate` with a second cursor) and become tombstone rows
(`_deleted=True`, a `hard_delete` column) that remove the row from the raw table.

A deleted journal takes its lines with it and `deletedrecord` names only the journal, so the
lines' tombstones are keyed by the uniquekeys the warehouse holds for that journal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
from dlt.common.typing import TDataItem
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.sources import DltResource

from dlt_sources.common.config import Instance, load_instances
from dlt_sources.common.quarantine import QUARANTINE_SUFFIX, validated
from dlt_sources.netsuite.helpers import (
    NetSuiteClient,
    arrow_page,
    arrow_schema,
    latest,
    to_date,
    typed,
)
from dlt_sources.netsuite.models import MODELS
from dlt_sources.netsuite.settings import (
    DLT_TYPES,
    INITIAL_CURSOR,
    QUARANTINE_COLUMNS,
    SECRET_KEYS,
    TABLES,
    Table,
)

__all__ = ["netsuite_source"]

logger = logging.getLogger(__name__)


@dlt.source(name="netsuite", max_table_nesting=0)
def netsuite_source(selected: Sequence[Instance] | None = None) -> list[DltResource]:
    """NetSuite's raw tables for every configured instance (no network call until iterated).

    Args:
        selected: instances to read; by default every one configured under
            `sources.netsuite` (see README.md).
    """
    chosen = list(selected) if selected is not None else load_instances("netsuite", SECRET_KEYS)
    clients: dict[str, NetSuiteClient] = {}

    def client_for(instance: Instance) -> NetSuiteClient:
        # One client per instance, shared by the resources: one request in flight at a time.
        if instance.source_relation not in clients:
            clients[instance.source_relation] = NetSuiteClient(instance)
        return clients[instance.source_relation]

    return [_resource(table, chosen, client_for) for table in TABLES.values()]


def _hints(table: Table) -> dict[str, Any]:
    columns: dict[str, Any] = {
        "source_relation": {"data_type": "text", "nullable": False},
        **{c: {"data_type": DLT_TYPES[k], "nullable": True} for c, k in table.columns.items()},
        "_deleted": {"data_type": "bool", "nullable": True, "hard_delete": True},
    }
    columns[table.key]["nullable"] = False
    return columns


def _resource(
    table: Table, instances: list[Instance], client_for: Callable[[Instance], NetSuiteClient]
) -> DltResource:
    def rows() -> Iterator[TDataItem]:
        state = dlt.current.resource_state()
        for instance in instances:
            cursors = state.setdefault(instance.source_relation, {})
            client = client_for(instance)
            since = cursors.get("modified")
            # The keys a full re-read returned; an incremental read has no use for them.
            returned: set[int] | None = set() if table.cursor is None else None
            yield from _changed_rows(client, table, instance, cursors, returned)
            if returned is not None:
                yield from _not_returned(table, instance, returned)
            if table.deleted_types:
                yield from _tombstones(client, table, instance, cursors)
            if table.name == "transaction_lines" and since is not None:
                yield from _removed_lines(client, table, instance, cursors, since)

    resource = dlt.resource(rows, name=table.name)
    # The quarantine table's hints are set first, as a table variant of an otherwise bare
    # resource: a variant starts as a copy of the resource's hints, and must not inherit the
    # record's key and columns. Records routed there by `validated` pick this variant up.
    resource.apply_hints(
        table_name=table.name + QUARANTINE_SUFFIX,
        write_disposition="merge",
        primary_key=("source_relation", "record_key"),
        columns=QUARANTINE_COLUMNS,  # type: ignore[arg-type]
        create_table_variant=True,
    )
    resource.apply_hints(
        write_disposition="merge",
        primary_key=("source_relation", table.key),
        columns=_hints(table),
    )
    return resource


def _changed_rows(
    client: NetSuiteClient,
    table: Table,
    instance: Instance,
    cursors: dict[str, str],
    returned: set[int] | None = None,
) -> Iterator[TDataItem]:
    """Rows modified since the cursor (all rows for a reference table), validated.

    The keys NetSuite returned (quarantined rows' too) are added to `returned` when given.
    """
    if table.cursor:
        start = cursors.get("modified", INITIAL_CURSOR)
        where: str | None = f"{table.source_of(table.cursor)} >= {to_date(start)}"
        order: tuple[str, ...] = (table.cursor, table.key)
    else:
        where, order = None, (table.key,)
    schema = arrow_schema(table) if table.arrow else None
    pages = client.keyset(
        table.record, table.columns, order, where, joins=table.joins, sources=table.sources
    )
    for items in pages:
        if returned is not None:
            returned.update(int(item[table.key]) for item in items)
        page = [typed(item, table, instance.source_relation) for item in items]
        checked = validated(
            page,
            table=table.name,
            model=MODELS[table.name],
            source_relation=instance.source_relation,
            key_field=table.key,
        )
        if schema is None:
            yield from checked
        else:
            valid: list[dict[str, Any]] = []
            for item in checked:
                if isinstance(item, dict):
                    valid.append(item)
                else:
                    yield item  # a quarantine record, routed to its own table
            if valid:
                yield arrow_page(valid, schema)
        if table.cursor and items[-1].get(table.cursor):
            # Pages are ordered by the cursor: the last item holds the page's latest stamp.
            cursors["modified"] = latest(
                cursors.get("modified", INITIAL_CURSOR), items[-1][table.cursor]
            )


def _tombstones(
    client: NetSuiteClient, table: Table, instance: Instance, cursors: dict[str, str]
) -> Iterator[TDataItem]:
    """Tombstones for records listed in `deletedrecord` since the deletion cursor."""
    start = cursors.get("deleted", INITIAL_CURSOR)
    kinds = ", ".join(f"'{kind}'" for kind in table.deleted_types)
    where = f"LOWER(recordtype) IN ({kinds}) AND deleteddate >= {to_date(start)}"
    columns = {"id": "int", "recordtype": "text", "recordid": "int", "deleteddate": "datetime"}
    for items in client.keyset("deletedrecord", columns, ("deleteddate", "id"), where):
        ids = [int(item["recordid"]) for item in items]
        if table.name == "transaction_lines":
            keys = _loaded_keys(table, instance.source_relation, transactions=ids)
        else:
            keys = ids
        if keys:
            yield _tombstone_rows(table, instance, keys)
        cursors["deleted"] = latest(
            cursors.get("deleted", INITIAL_CURSOR), items[-1]["deleteddate"]
        )


def _not_returned(table: Table, instance: Instance, returned: set[int]) -> Iterator[TDataItem]:
    """Tombstones for the rows of a fully re-read table that NetSuite no longer returned.

    An empty answer deletes nothing: a role that lost the permission to see a record type reads
    as an empty table, and emptying a reference table every mapping joins is not what a user
    who deleted one department wants. Such a read is logged instead.
    """
    held = set(_loaded_keys(table, instance.source_relation))
    if not returned:
        if held:
            logger.warning(
                "netsuite/%s: %s returned no rows while the warehouse holds %d; nothing deleted",
                instance.name,
                table.record,
                len(held),
            )
        return
    gone = sorted(held - returned)
    if gone:
        yield _tombstone_rows(table, instance, gone)


def _removed_lines(
    client: NetSuiteClient, table: Table, instance: Instance, cursors: dict[str, str], since: str
) -> Iterator[TDataItem]:
    """Tombstones for lines a journal modified since the last check no longer has.

    `deletedrecord` lists whole records only: a line taken out of a journal that still exists
    leaves no trace but the journal's `lastmodifieddate`. So the lines the warehouse holds of each
    journal modified since the last check are compared with the lines NetSuite has now. The
    check keeps its own cursor (`journals`, the newest journal stamp it saw; the lines' cursor
    before the first check), which header-only edits and removals move too.
    """
    start = cursors.get("journals", since)
    where = f"lastmodifieddate >= {to_date(start)}"
    columns = {"id": "int", "lastmodifieddate": "datetime"}
    for journals in client.keyset("transaction", columns, ("lastmodifieddate", "id"), where):
        cursors["journals"] = latest(
            cursors.get("journals", start), journals[-1]["lastmodifieddate"]
        )
        ids = [int(j["id"]) for j in journals]
        held = set(_loaded_keys(table, instance.source_relation, transactions=ids))
        if not held:
            continue
        marks = ", ".join(str(i) for i in ids)
        # The lines as the table reads them (with their accounting lines), so both see one set.
        lines_now = client.keyset(
            table.record,
            {table.key: "int"},
            (table.key,),
            f"{table.source_of('transaction')} IN ({marks})",
            joins=table.joins,
            sources=table.sources,
        )
        current = {int(line[table.key]) for lines in lines_now for line in lines}
        gone = sorted(held - current)
        if gone:
            yield _tombstone_rows(table, instance, gone)


def _tombstone_rows(table: Table, instance: Instance, keys: list[int]) -> TDataItem:
    """Rows that delete `keys` of `table` on merge (`_deleted` carries dlt's hard_delete)."""
    tombstones = [
        {"source_relation": instance.source_relation, table.key: key, "_deleted": True}
        for key in keys
    ]
    return arrow_page(tombstones, arrow_schema(table)) if table.arrow else tombstones


def _loaded_keys(
    table: Table, source_relation: str, *, transactions: list[int] | None = None
) -> list[int]:
    """Keys the warehouse holds for `table` of one instance (only lines of `transactions`)."""
    if transactions is not None and not transactions:
        return []
    pipeline = dlt.current.pipeline()
    sql_text = "SELECT {key} FROM {name} WHERE source_relation = %s"
    params: list[Any] = [source_relation]
    if transactions is not None:
        sql_text += f' AND "transaction" IN ({", ".join("%s" for _ in transactions)})'
        params += transactions
    try:
        with pipeline.sql_client() as sql:
            name = sql.make_qualified_table_name(table.name)
            query = sql_text.format(key=sql.escape_column_name(table.key), name=name)
            found = sql.execute_sql(query, *params)
    except DatabaseUndefinedRelation:
        return []  # nothing loaded yet, so nothing to delete
    return [int(row[0]) for row in found or []]
