"""SuiteQL for the NetSuite emulator: a checked subset of SELECT, transpiled to SQLite.

A query is parsed with sqlglot's Oracle dialect (SuiteQL is Oracle-flavoured SQL-92), checked
node by node against a whitelist, rewritten onto the ns_<record> tables and only then rendered
as SQLite; the client's text never reaches SQLite. Supported: one SELECT of columns, `*`,
`alias.*`, expressions and aggregates (COUNT, SUM, MIN, MAX, AVG) with optional DISTINCT, FROM one
record type with an optional alias, [LEFT|RIGHT|FULL|INNER] JOIN ... ON among them, WHERE with
comparisons, AND/OR/NOT, IN (list), IS [NOT] NULL, BETWEEN, LIKE, GROUP BY, HAVING, ORDER BY,
CASE, a few scalar functions (UPPER, LOWER, NVL/COALESCE, TRIM, LENGTH, SUBSTR, ROUND, ABS, MOD),
TO_DATE / TO_TIMESTAMP of literals and TO_CHAR of a date field with a date mask. Anything else
(DML, subqueries, unions, unknown record types or fields, ROWNUM, FETCH FIRST, bind variables,
BUILTIN.DF, TO_CHAR of other values) is refused with 400 naming the problem, worded as NetSuite
words search errors.

Dates: lastmodifieddate-style fields are stored 'YYYY-MM-DDTHH:MM:SSZ' and date fields
'YYYY-MM-DD'. A TO_DATE literal becomes the timestamp text; a date field compared with one is
widened to midnight ('YYYY-MM-DDT00:00:00Z'), so both kinds compare correctly as text.

Results: every value is a string (SuiteQL returns strings), null fields are left out of an item,
field names are lowercase, an unnamed expression is `expr1`, `expr2`... A date or date/time field
selected bare (or its MIN / MAX) comes back as NetSuite renders it, by the user's date format
preference and without the time: '3/2/2026' (M/D/YYYY, a US account's default). A client
that needs the time, or a format it can parse whatever the preference, selects
TO_CHAR(field, 'YYYY-MM-DD HH24:MI:SS'). The account's time zone is UTC here. Unlike Oracle, an
ORDER BY name that is both a field and a select alias sorts by the field (keyset pages stay on the
field's index; a client's sortable mask orders the same either way). LIKE is case-insensitive for
ASCII, as SQLite's LIKE is.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from vendor_sandbox.netsuite.errors import bad_query

RECORD_TABLES: dict[str, str] = {
    "employee": "ns_employee",
    "job": "ns_job",
    "subsidiary": "ns_subsidiary",
    "department": "ns_department",
    "classification": "ns_classification",
    "location": "ns_location",
    "account": "ns_account",
    "customer": "ns_customer",
    "resourceallocation": "ns_resourceallocation",
    "transaction": "ns_transaction",
    # Views of the journal lines (schema.sql): the GL impact is the accounting line's.
    "transactionline": "v_ns_transactionline",
    "transactionaccountingline": "v_ns_transactionaccountingline",
    "deletedrecord": "ns_deletedrecord",
}
DATE_ONLY_FIELDS = frozenset(
    {"trandate", "hiredate", "releasedate", "startdate", "enddate", "projectedenddate"}
)
DATETIME_FIELDS = frozenset(
    {"lastmodifieddate", "linelastmodifieddate", "datecreated", "createddate", "deleteddate"}
)
DATE_FIELDS = DATE_ONLY_FIELDS | DATETIME_FIELDS
# TO_CHAR date mask elements (Oracle's, case-insensitive) and their strftime codes; a quoted
# "text" is copied, separators are kept.
_MASK_ELEMENTS = {
    "YYYY": "%Y",
    "MM": "%m",
    "DD": "%d",
    "HH24": "%H",
    "HH12": "%I",
    "HH": "%I",
    "MI": "%M",
    "SS": "%S",
    "AM": "%p",
    "PM": "%p",
}
_MASK_TOKEN = re.compile(r'"[^"]*"|YYYY|MM|DD|HH24|HH12|HH|MI|SS|AM|PM|[-/:.,; ]')
# sqlglot node classes a query may contain; anything else is refused.
_ALLOWED_NODE_NAMES = """
    Select From Join Table TableAlias Identifier Column Star Alias Where Group Having Order
    Ordered Distinct Literal Boolean Null Neg Paren EQ NEQ GT GTE LT LTE And Or Not In Is
    Between Like Escape Add Sub Mul Div Mod DPipe Count Sum Min Max Avg Upper Lower Coalesce
    Trim Length Substring Round Abs Case If StrToDate StrToTime ToChar
"""
ALLOWED_NODES: tuple[type[exp.Expression], ...] = tuple(
    getattr(exp, name) for name in _ALLOWED_NODE_NAMES.split()
)
COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.In)
MAX_QUERY_LENGTH = 100_000
QUERY_TIME_BUDGET_SECONDS = 60.0


@dataclass(frozen=True)
class CompiledQuery:
    """A checked query rendered for SQLite, with the names its result columns take."""

    sql: str
    names: tuple[str, ...]
    count_sql: str  # the row count up to a bound (parameter), without the ORDER BY
    # Result columns that are a bare date field (or its MIN / MAX): shown by the preference
    # once fetched, so ORDER BY, DISTINCT and GROUP BY work on the dates, not on their text.
    shown_by_preference: frozenset[str] = frozenset()


def _columns(conn: sqlite3.Connection, table: str) -> tuple[str, ...]:
    return tuple(row[1].lower() for row in conn.execute(f'pragma table_info("{table}")'))


def _parse(q: str) -> exp.Select:
    if not q.strip():
        raise bad_query("The query is empty.")
    if len(q) > MAX_QUERY_LENGTH:
        raise bad_query("The query is too long.")
    try:
        statements = [s for s in sqlglot.parse(q, read="oracle") if s is not None]
    except (ParseError, TokenError) as exc:
        raise bad_query(f"Syntax error: {str(exc).splitlines()[0]}") from exc
    if len(statements) != 1:
        raise bad_query("Exactly one SELECT statement is allowed.")
    stmt = statements[0]
    if not isinstance(stmt, exp.Select):
        raise bad_query(
            f"Invalid or unsupported search: only SELECT is allowed, not {stmt.key.upper()}."
        )
    return stmt


def _check_nodes(stmt: exp.Select) -> None:
    for node in stmt.walk():
        if isinstance(node, exp.Select) and node is not stmt:
            raise bad_query("Subqueries are not supported.")
        if isinstance(node, (exp.Subquery, exp.Exists)):
            raise bad_query("Subqueries are not supported.")
        if isinstance(node, exp.Placeholder):
            raise bad_query("Bind variables are not supported.")
        if isinstance(node, (exp.Limit, exp.Fetch, exp.Offset)):
            raise bad_query("Use the limit and offset parameters to page, not LIMIT/FETCH.")
        if isinstance(node, exp.Anonymous):
            raise bad_query(f"Unknown function {str(node.this).upper()}.")
        if isinstance(node, exp.Dot):
            raise bad_query(f"Unsupported expression {node.sql(dialect='oracle')}.")
        if isinstance(node, exp.Column) and node.args.get("join_mark"):
            raise bad_query("Oracle (+) outer joins are not supported; use LEFT JOIN.")
        if not isinstance(node, ALLOWED_NODES):
            raise bad_query(f"Unsupported construct {node.key.upper()}.")


def _bind_tables(conn: sqlite3.Connection, stmt: exp.Select) -> dict[str, tuple[str, tuple]]:
    """Map each alias to (record type, its columns) and point the tables at ns_<record>."""
    from_ = stmt.args.get("from_") or stmt.args.get("from")
    if from_ is None:
        raise bad_query("A FROM clause is required.")
    tables = [from_.this]
    for join in stmt.args.get("joins") or []:
        if join.args.get("kind") and str(join.args["kind"]).upper() not in ("INNER", "OUTER"):
            raise bad_query(f"{join.args['kind']} JOIN is not supported.")
        if join.args.get("using") or join.args.get("on") is None:
            raise bad_query("Every JOIN needs an ON condition.")
        tables.append(join.this)
    bound: dict[str, tuple[str, tuple]] = {}
    for table in tables:
        if not isinstance(table, exp.Table) or table.args.get("db") or table.args.get("catalog"):
            raise bad_query("Only record types may be selected from.")
        record = table.name.lower()
        if record not in RECORD_TABLES:
            raise bad_query(f"Record '{table.name}' was not found.")
        alias = (table.alias or record).lower()
        if alias in bound:
            raise bad_query(f"The alias '{alias}' is used twice.")
        bound[alias] = (record, _columns(conn, RECORD_TABLES[record]))
        table.set("this", exp.to_identifier(RECORD_TABLES[record]))
        table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return bound


def _expand_stars(stmt: exp.Select, bound: dict[str, tuple[str, tuple]]) -> None:
    expanded: list[exp.Expression] = []
    for item in stmt.expressions:
        if isinstance(item, exp.Star):
            aliases = list(bound)
        elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
            alias = item.table.lower()
            if alias not in bound:
                raise bad_query(f"Unknown table alias '{item.table}'.")
            aliases = [alias]
        else:
            expanded.append(item)
            continue
        for alias in aliases:
            expanded.extend(exp.column(c, table=alias) for c in bound[alias][1])
    stmt.set("expressions", expanded)


def _name_outputs(stmt: exp.Select) -> tuple[str, ...]:
    names: list[str] = []
    unnamed = 0
    items: list[exp.Expression] = []
    for item in stmt.expressions:
        if isinstance(item, exp.Alias):
            name = item.alias.lower()
            item.set("alias", exp.to_identifier(name))
        elif isinstance(item, exp.Column):
            name = item.name.lower()
        else:
            unnamed += 1
            name = f"expr{unnamed}"
            item = exp.alias_(item, name)
        names.append(name)
        items.append(item)
    stmt.set("expressions", items)
    return tuple(names)


def _resolve_columns(
    stmt: exp.Select, bound: dict[str, tuple[str, tuple]], outputs: tuple[str, ...]
) -> None:
    first_record = next(iter(bound.values()))[0]
    for column in list(stmt.find_all(exp.Column)):
        if isinstance(column.this, exp.Star):
            raise bad_query("alias.* may only be selected.")
        name = column.name.lower()
        if name == "rownum":
            raise bad_query("ROWNUM is not supported; use the limit and offset parameters.")
        qualifier = column.table.lower()
        if qualifier:
            if qualifier not in bound:
                raise bad_query(f"Unknown table alias '{column.table}'.")
            record, fields = bound[qualifier]
            if name not in fields:
                raise bad_query(
                    f"Field '{column.name}' for record '{record}' was not found. "
                    "Reason: NOT_EXPOSED - Not available for channel SEARCH"
                )
            owner = qualifier
        else:
            owners = [alias for alias, (_, fields) in bound.items() if name in fields]
            if not owners:
                in_select = column.find_ancestor(exp.Select) is stmt and column.find_ancestor(
                    exp.Order, exp.Group, exp.Having
                )
                if in_select and name in outputs:
                    column.set("this", exp.to_identifier(name))
                    continue  # a reference to a select alias
                raise bad_query(
                    f"Field '{column.name}' for record '{first_record}' was not found. "
                    "Reason: NOT_EXPOSED - Not available for channel SEARCH"
                )
            if len(owners) > 1:
                raise bad_query(f"Field '{column.name}' is ambiguous; qualify it with an alias.")
            owner = owners[0]
        column.set("this", exp.to_identifier(name))
        column.set("table", exp.to_identifier(owner))


def _to_date_literal(node: exp.StrToDate | exp.StrToTime) -> exp.Literal:
    value, fmt = node.this, node.args.get("format")
    if not isinstance(value, exp.Literal) or not value.is_string:
        raise bad_query("TO_DATE takes a literal date string.")
    text = value.this
    try:
        if fmt is None:
            moment = datetime.fromisoformat(text)
        else:
            if not isinstance(fmt, exp.Literal):
                raise bad_query("TO_DATE takes a literal format.")
            moment = datetime.strptime(text, fmt.this)
    except ValueError as exc:
        raise bad_query(f"TO_DATE('{text}') does not match its format.") from exc
    return exp.Literal.string(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _operands(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.Between):
        return [node.this, node.args["low"], node.args["high"]]
    if isinstance(node, exp.In):
        return [node.this, *node.expressions]
    return [node.this, node.expression]


def _rewrite_dates(stmt: exp.Select) -> None:
    for node in list(stmt.find_all(*COMPARISONS)):
        operands = _operands(node)
        if not any(isinstance(o, (exp.StrToDate, exp.StrToTime)) for o in operands):
            continue
        for operand in operands:
            if isinstance(operand, exp.Column) and operand.name in DATE_ONLY_FIELDS:
                operand.replace(
                    exp.Paren(
                        this=exp.DPipe(
                            this=operand.copy(), expression=exp.Literal.string("T00:00:00Z")
                        )
                    )
                )
    for node in list(stmt.find_all(exp.StrToDate, exp.StrToTime)):
        node.replace(_to_date_literal(node))


def _strftime_mask(mask: str) -> str:
    """The strftime pattern of an Oracle date mask ('YYYY-MM-DD"T"HH24:MI:SS'), or a 400."""
    pattern, position = [], 0
    while position < len(mask):
        token = _MASK_TOKEN.match(mask.upper(), position)
        if token is None:
            raise bad_query(f"TO_CHAR format '{mask}' is not supported at '{mask[position:]}'.")
        text = token.group(0)
        if text.startswith('"'):
            pattern.append(mask[token.start() + 1 : token.end() - 1].replace("%", "%%"))
        else:
            pattern.append(_MASK_ELEMENTS.get(text, text))
        position = token.end()
    return "".join(pattern)


def _date_field(node: exp.Expression | None) -> bool:
    return isinstance(node, exp.Column) and node.name in DATE_FIELDS


def _render_dates(stmt: exp.Select, names: tuple[str, ...]) -> frozenset[str]:
    """TO_CHAR by its mask; the names of the columns shown by the preference once fetched."""
    for node in list(stmt.find_all(exp.ToChar)):
        mask = node.args.get("format")
        if not _date_field(node.this):
            raise bad_query("TO_CHAR is supported for date fields only.")
        if not isinstance(mask, exp.Literal) or not mask.is_string:
            raise bad_query("TO_CHAR takes a literal format.")
        rendered = [node.this.copy(), exp.Literal.string(_strftime_mask(mask.this))]
        node.replace(exp.Anonymous(this="ns_to_char", expressions=rendered))
    shown: set[str] = set()
    for name, item in zip(names, stmt.expressions, strict=True):
        value = item.this if isinstance(item, exp.Alias) else item
        if _date_field(value) or (
            isinstance(value, (exp.Min, exp.Max)) and _date_field(value.this)
        ):
            shown.add(name)
    return frozenset(shown)


def _stored_moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _to_char(value: str | None, pattern: str) -> str | None:
    return None if value is None else _stored_moment(value).strftime(pattern)


def _user_date(value: str) -> str:
    """A stored date or stamp as a US account's date preference shows it (M/D/YYYY)."""
    moment = _stored_moment(value)
    return f"{moment.month}/{moment.day}/{moment.year}"


def compile_query(conn: sqlite3.Connection, q: str) -> CompiledQuery:
    """Check a SuiteQL query and render it for SQLite, or raise a 400 naming what is wrong."""
    stmt = _parse(q)
    _check_nodes(stmt)
    bound = _bind_tables(conn, stmt)
    _expand_stars(stmt, bound)
    outputs = _name_outputs(stmt)
    _resolve_columns(stmt, bound, outputs)
    _rewrite_dates(stmt)
    shown_by_preference = _render_dates(stmt, outputs)
    unordered = stmt.copy()
    unordered.set("order", None)
    return CompiledQuery(
        stmt.sql(dialect="sqlite", identify=True),
        outputs,
        # Bounded: counting every remaining row on every page made keyset paging through a
        # large table quadratic (a `large` firm's ERP lines took tens of minutes per table).
        f"select count(*) from (select 1 from ({unordered.sql(dialect='sqlite', identify=True)})"
        " limit ?)",
        shown_by_preference,
    )


def as_text(value: object) -> str:
    """SuiteQL's rendering of a value: always a string."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def run_page(
    conn: sqlite3.Connection, query: CompiledQuery, *, limit: int, offset: int, count_cap: int
) -> tuple[int, list[dict[str, object]]]:
    """The query's row count (at most `count_cap`) and one page of items.

    Items are strings; nulls are left out, as NetSuite leaves them out.
    """
    conn.create_function("ns_to_char", 2, _to_char, deterministic=True)
    deadline = time.monotonic() + QUERY_TIME_BUDGET_SECONDS
    # A join ON 1=1 of two large record types could run for hours; SQLite calls this handler
    # every few thousand steps and aborts the statement once it returns true.
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        total = conn.execute(query.count_sql, (count_cap,)).fetchone()[0]
        cursor = conn.execute(f"{query.sql} limit ? offset ?", (limit, offset))
        items: list[dict[str, object]] = []
        for row in cursor:
            item: dict[str, object] = {"links": []}
            for name, value in zip(query.names, row, strict=True):
                if value is not None:
                    shown = name in query.shown_by_preference
                    item[name] = _user_date(value) if shown else as_text(value)
            items.append(item)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise bad_query(
                f"The query ran longer than {QUERY_TIME_BUDGET_SECONDS:.0f} seconds."
            ) from exc
        raise bad_query(f"The query could not be run: {exc}") from exc
    finally:
        conn.set_progress_handler(None, 0)
    return total, items
