"""NetSuite tables crosswalk reads with SuiteQL: their columns, types, keys and cursors.

Column names are SuiteQL's (lowercase). Every value arrives as a string, so each column carries
the kind the client turns it into: `int` (ids and references), `decimal` (money, hours, rates),
`date` ('YYYY-MM-DD'), `datetime` (lastmodifieddate stamps), `bool` ('T'/'F') or `text`.

NetSuite renders a date field selected bare by the user's date format preference and without the
time ('3/2/2026'), so date and datetime columns are selected through TO_CHAR with the masks below,
the same whatever the preference; stamps are read as UTC (the integration user's time zone).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SUITEQL_PATH = "/query/v1/suiteql"
# SuiteQL's default and maximum page.
PAGE_SIZE = 1000
# Error codes that mean "too many requests" whatever status carries them (CONVENTIONS.md: 429
# is unverified), retried like a 429; instance setting `throttle_error_codes` replaces the list.
THROTTLE_ERROR_CODES = frozenset({"CONCURRENCY_LIMIT_EXCEEDED", "SSS_REQUEST_LIMIT_EXCEEDED"})
# Oracle masks: TO_CHAR of a datetime column and TO_DATE of a cursor literal (one mask, so a
# stamp read is a stamp the next query's bound takes as it is), and TO_CHAR of a date column.
TO_DATE_FORMAT = "YYYY-MM-DD HH24:MI:SS"
DATE_FORMAT = "YYYY-MM-DD"
# Where a first run starts reading changes and deletions: before any record existed.
INITIAL_CURSOR = "1970-01-01 00:00:00"
SECRET_KEYS = ("consumer_key", "consumer_secret", "token_id", "token_secret")


@dataclass(frozen=True)
class Table:
    """One raw table: the SuiteQL record it reads and how.

    Attributes:
        name: raw table name (the contract of docs/sandbox.md).
        record: SuiteQL record type.
        columns: column -> kind, in select order.
        key: the record's unique id column (keyset paging and primary key).
        cursor: last-modified column for incremental reads; None re-reads the table in full.
        deleted_types: `deletedrecord.recordtype` values whose rows are tombstones here.
        joins: JOIN clauses after the record in FROM (other records some columns come from).
        sources: column -> the qualified field it is read from, where not the record's own
            field of that name (with joins, every shared name must be qualified).
    """

    name: str
    record: str
    columns: dict[str, str]
    key: str = "id"
    cursor: str | None = "lastmodifieddate"
    deleted_types: tuple[str, ...] = ()
    arrow: bool = False
    joins: str = ""
    sources: dict[str, str] = field(default_factory=dict)

    def source_of(self, column: str) -> str:
        """The SuiteQL field `column` is read from."""
        return self.sources.get(column, column)


_REF = {"externalid": "text", "isinactive": "bool", "lastmodifieddate": "datetime"}

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "subsidiaries",
            "subsidiary",
            {"id": "int", "name": "text", "country": "text", "currency": "text", **_REF},
            cursor=None,
        ),
        Table(
            "departments",
            "department",
            {"id": "int", "name": "text", "subsidiary": "int", **_REF},
            cursor=None,
        ),
        Table(
            "classifications", "classification", {"id": "int", "name": "text", **_REF}, cursor=None
        ),
        Table(
            "locations",
            "location",
            {"id": "int", "name": "text", "subsidiary": "int", "country": "text", **_REF},
            cursor=None,
        ),
        Table(
            "accounts",
            "account",
            {"id": "int", "acctnumber": "text", "fullname": "text", "accttype": "text", **_REF},
            cursor=None,
        ),
        Table(
            "customers",
            "customer",
            {
                "id": "int",
                "entityid": "text",
                "companyname": "text",
                "subsidiary": "int",
                "currency": "text",
                "externalid": "text",
                "isinactive": "bool",
                "datecreated": "datetime",
                "lastmodifieddate": "datetime",
            },
            deleted_types=("customer",),
        ),
        Table(
            "jobs",
            "job",
            {
                "id": "int",
                "entityid": "text",
                "companyname": "text",
                "parent": "int",
                "subsidiary": "int",
                "entitystatus": "text",
                "jobbillingtype": "text",
                "startdate": "date",
                "projectedenddate": "date",
                "enddate": "date",
                "externalid": "text",
                "isinactive": "bool",
                "datecreated": "datetime",
                "lastmodifieddate": "datetime",
            },
            deleted_types=("job",),
        ),
        Table(
            "employees",
            "employee",
            {
                "id": "int",
                "entityid": "text",
                "externalid": "text",
                "firstname": "text",
                "lastname": "text",
                "email": "text",
                "title": "text",
                "subsidiary": "int",
                "department": "int",
                "class": "int",
                "location": "int",
                "supervisor": "int",
                "laborcost": "decimal",
                "hiredate": "date",
                "releasedate": "date",
                "isinactive": "bool",
                "datecreated": "datetime",
                "lastmodifieddate": "datetime",
            },
            deleted_types=("employee",),
        ),
        Table(
            "resource_allocations",
            "resourceallocation",
            {
                "id": "int",
                "allocationresource": "int",
                "project": "int",
                "startdate": "date",
                "enddate": "date",
                "allocationamount": "decimal",
                "allocationunit": "text",
                "externalid": "text",
                "datecreated": "datetime",
                "lastmodifieddate": "datetime",
            },
            deleted_types=("resourceallocation",),
        ),
        Table(
            "transactions",
            "transaction",
            {
                "id": "int",
                "tranid": "text",
                "type": "text",
                "trandate": "date",
                "subsidiary": "int",
                "currency": "text",
                "memo": "text",
                "externalid": "text",
                "approvalstatus": "text",
                "createddate": "datetime",
                "lastmodifieddate": "datetime",
            },
            deleted_types=("journalentry", "transaction"),
        ),
        Table(
            "transaction_lines",
            "transactionline",
            {
                "uniquekey": "int",
                "transaction": "int",
                "id": "int",
                "account": "int",
                "debit": "decimal",
                "credit": "decimal",
                "memo": "text",
                "entity": "int",
                "department": "int",
                "class": "int",
                "subsidiary": "int",
                "custcol_cw_project": "int",
                "custcol_cw_time_entry": "text",
                "custcol_cw_entry_version": "text",
                "custcol_cw_hours": "decimal",
                "custcol_cw_cost_rate": "decimal",
                "custcol_cw_pay_run": "text",
                "linelastmodifieddate": "datetime",
            },
            key="uniquekey",
            cursor="linelastmodifieddate",
            # A line's GL impact (account, debit, credit) is its accounting line's, one per line
            # and accounting book; transactionline itself has only the transaction-currency
            # amounts (debitforeignamount, creditforeignamount). LEFT: a line with no accounting
            # line still lands (in quarantine, with no account), never silently left out.
            joins=(
                "LEFT JOIN transactionaccountingline gl"
                " ON gl.transaction = transactionline.transaction"
                " AND gl.transactionline = transactionline.id"
            ),
            sources={
                "uniquekey": "transactionline.uniquekey",
                "transaction": "transactionline.transaction",
                "id": "transactionline.id",
                "account": "gl.account",
                "debit": "gl.debit",
                "credit": "gl.credit",
                "linelastmodifieddate": "transactionline.linelastmodifieddate",
            },
            # A deleted journal takes its lines with it; deletedrecord lists only the journal.
            deleted_types=("journalentry", "transaction"),
            # The high-volume table: pages go to dlt as Arrow tables (no per-row normalising).
            arrow=True,
        ),
    )
}

# dlt data types of the kinds (decimals keep their exact value).
DLT_TYPES = {
    "int": "bigint",
    "decimal": "decimal",
    "date": "date",
    "datetime": "timestamp",
    "bool": "bool",
    "text": "text",
}

# `<table>__quarantine`: the shape of `common.quarantine.quarantine_row`, keyed by the record, so a
# record re-read while still broken replaces its quarantine row instead of repeating it.
QUARANTINE_COLUMNS: dict[str, dict[str, object]] = {
    "source_relation": {"data_type": "text", "nullable": False},
    "record_key": {"data_type": "text", "nullable": False},
    "reason": {"data_type": "text"},
    "raw": {"data_type": "text"},
    "quarantined_at": {"data_type": "timestamp"},
}
