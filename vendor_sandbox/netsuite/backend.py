"""State logic of the NetSuite emulator: SuiteQL pages, records, deletions and async jobs.

Vendor behaviour kept here:
- SuiteQL pages: `limit` 1..1000 (default 1000), `offset` from 0, at most 100,000 results per
  query; the envelope carries `links` (first/previous/next/last/self as they apply), `count`,
  `hasMore`, `offset`, `totalResults` and `items`.
- Records: reads leave empty fields out; writes answer 204 with a Location header and bump
  `lastModifiedDate`; `eid:` addresses a record by external id and `PUT .../eid:X` upserts;
  a second record with an external id already in use is refused; deletions leave a row in
  `deletedrecord` (queryable by SuiteQL).
- Journal entries must balance (total debits = total credits) and post to `ns_transaction`
  (type 'Journal') with their lines in `ns_transactionline`; a PATCH with `line` replaces the
  lines (NetSuite's `replace=line` behaviour).
- Async writes (`Prefer: respond-async`) are applied at once and recorded as a finished job; a
  reused `X-NetSuite-Idempotency-Key` is refused with IDEMPOTENCY_ERROR and applies nothing.
- API creates take ids from each type's `id_base` up (apart from the firm's own records) or,
  for journal entries and allocations, the next id as the firm's postings do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

import orjson

from vendor_sandbox.netsuite import record_query, suiteql
from vendor_sandbox.netsuite.errors import NetSuiteError, not_found
from vendor_sandbox.netsuite.records import (
    LINE_FIELDS,
    LINES_BY_REST,
    RECORD_TYPES,
    REF_TARGETS,
    Field,
    RecordType,
)
from vendor_sandbox.writes import log_create, normalise_email

SYSTEM = "netsuite"
MAX_LIMIT = 1000
MAX_RESULTS = 100_000
COUNTED_TABLES = {
    "subsidiaries": "ns_subsidiary",
    "departments": "ns_department",
    "classifications": "ns_classification",
    "locations": "ns_location",
    "accounts": "ns_account",
    "customers": "ns_customer",
    "jobs": "ns_job",
    "employees": "ns_employee",
    "resource_allocations": "ns_resourceallocation",
    "transactions": "ns_transaction",
    "transaction_lines": "ns_transactionline",
}


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per raw table (a deleted record leaves its table, so it is never counted)."""
    return {
        name: conn.execute(f"select count(*) from {table}").fetchone()[0]
        for name, table in COUNTED_TABLES.items()
    }


def user_error(detail: str, code: str = "USER_ERROR") -> NetSuiteError:
    return NetSuiteError(400, f"Error while accessing a resource. {detail}", code)


# --- SuiteQL -----------------------------------------------------------------------------------


def _int_param(value: str | None, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise NetSuiteError(
            400,
            f"Invalid '{name}' parameter value '{value}'.",
            "INVALID_PARAMETER",
            errorQueryParam=name,
        ) from None


def page_params(limit: str | None, offset: str | None) -> tuple[int, int]:
    """NetSuite's paging parameters: limit 1..1000 (default 1000), offset 0..99,999."""
    size, start = _int_param(limit, "limit", MAX_LIMIT), _int_param(offset, "offset", 0)
    if not 1 <= size <= MAX_LIMIT:
        raise NetSuiteError(
            400,
            f"Invalid 'limit' parameter value '{size}'. The limit must be between 1 and "
            f"{MAX_LIMIT}.",
            "INVALID_PARAMETER",
            errorQueryParam="limit",
        )
    if not 0 <= start < MAX_RESULTS:
        raise NetSuiteError(
            400,
            f"Invalid 'offset' parameter value '{start}'. A query returns at most "
            f"{MAX_RESULTS} results.",
            "INVALID_PARAMETER",
            errorQueryParam="offset",
        )
    return size, start


def _page_links(href: Callable[[int], str], total: int, size: int, start: int) -> list[dict]:
    links = []
    last = max(0, (total - 1) // size * size)
    if start > 0:
        links.append({"rel": "first", "href": href(0)})
        links.append({"rel": "previous", "href": href(max(0, start - size))})
    if start + size < total:
        links.append({"rel": "next", "href": href(start + size)})
        links.append({"rel": "last", "href": href(last)})
    links.append({"rel": "self", "href": href(start)})
    return links


def suiteql_page(
    conn: sqlite3.Connection, q: object, *, limit: str | None, offset: str | None, url: str
) -> dict[str, object]:
    """One page of a SuiteQL query in NetSuite's envelope; `url` is the suiteql resource URL."""
    size, start = page_params(limit, offset)
    if not isinstance(q, str):
        raise NetSuiteError(
            400,
            "The request body must be a JSON object with the query in 'q'.",
            "INVALID_CONTENT",
        )
    query = suiteql.compile_query(conn, q)
    # Never past the 100,000th result, the cap NetSuite puts on one query.
    size_here = min(size, MAX_RESULTS - start)
    # Counted no further than one past the pageable results: beyond that no page can be read,
    # and `totalResults` reads MAX_RESULTS + 1 ("more than can be paged"; docs/sandbox.md).
    total, items = suiteql.run_page(
        conn, query, limit=size_here, offset=start, count_cap=MAX_RESULTS + 1
    )
    if total and start >= total:
        raise NetSuiteError(
            400,
            f"Invalid 'offset' parameter value '{start}'. The query has {total} results.",
            "INVALID_PARAMETER",
            errorQueryParam="offset",
        )
    reachable = min(total, MAX_RESULTS)
    return {
        "links": _page_links(lambda o: f"{url}?limit={size}&offset={o}", reachable, size, start),
        "count": len(items),
        "hasMore": start + len(items) < reachable,
        "items": items,
        "offset": start,
        "totalResults": total,
    }


# --- records: reading --------------------------------------------------------------------------


def record_type(name: str) -> RecordType:
    rt = RECORD_TYPES.get(name.lower())
    if rt is None:
        raise NetSuiteError(
            404,
            f"Record type '{name}' does not exist or is not served by the sandbox.",
            "INVALID_PARAMETER",
        )
    return rt


def _filter_sql(rt: RecordType) -> tuple[str, tuple[str, ...]]:
    sql = "".join(f" and {column} = ?" for column, _ in rt.fixed)
    return sql, tuple(value for _, value in rt.fixed)


def find_id(conn: sqlite3.Connection, rt: RecordType, key: str) -> int | None:
    """The internal id a key names: a number, or `eid:<externalId>`."""
    extra, params = _filter_sql(rt)
    if key.lower().startswith("eid:"):
        row = conn.execute(
            f"select id from {rt.table} where externalid = ?{extra}", (key[4:], *params)
        ).fetchone()
    elif key.isdigit():
        row = conn.execute(
            f"select id from {rt.table} where id = ?{extra}", (int(key), *params)
        ).fetchone()
    else:
        raise NetSuiteError(
            400,
            f"Invalid record instance ID '{key}'. Use an internal id or eid:externalId.",
            "INVALID_ID",
        )
    return None if row is None else int(row[0])


def require_id(conn: sqlite3.Connection, rt: RecordType, key: str) -> int:
    found = find_id(conn, rt, key)
    if found is None:
        raise not_found(rt.name, key)
    return found


def _link(base: str, url_name: str, record_id: object) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"{base}/record/v1/{url_name}/{record_id}"}]


def _ref_json(conn: sqlite3.Connection, target: str, ref_id: object, base: str) -> dict:
    table, label_sql = REF_TARGETS[target]
    row = conn.execute(f"select {label_sql} from {table} where id = ?", (ref_id,)).fetchone()
    out: dict[str, object] = {"links": _link(base, target, ref_id), "id": str(ref_id)}
    if row is not None and row[0] is not None:
        out["refName"] = row[0]
    return out


def _value_json(conn: sqlite3.Connection, f: Field, value: object, base: str) -> object:
    if f.kind == "bool":
        return value == "T"
    if f.kind == "decimal":
        return float(str(value))
    if f.kind == "number":
        number = float(str(value))
        return int(number) if number.is_integer() and f.rest == "line" else number
    if f.kind == "ref":
        return _ref_json(conn, str(f.target), value, base)
    if f.kind == "select":
        choices = f.choices or {}
        if f.stores == "label":
            ids = [k for k, label in choices.items() if label == value]
            return {"id": ids[0] if ids else str(value), "refName": value}
        return {"id": value, "refName": choices.get(str(value), str(value))}
    if f.kind == "code":
        return {"id": value, "refName": value}
    return value


def _fields_json(
    conn: sqlite3.Connection, fields: tuple[Field, ...], row: sqlite3.Row, base: str
) -> dict[str, object]:
    out: dict[str, object] = {}
    for f in fields:
        value = row[f.column]
        if value is not None and value != "":
            out[f.rest] = _value_json(conn, f, value, base)
    return out


def _lines(conn: sqlite3.Connection, tran_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        'select * from ns_transactionline where "transaction" = ? order by id', (tran_id,)
    ).fetchall()


def lines_collection(conn: sqlite3.Connection, tran_id: int, base: str) -> dict[str, object]:
    """The `line` sublist of a journal entry, expanded."""
    href = f"{base}/record/v1/journalentry/{tran_id}/line"
    items = [
        {"links": [], **_fields_json(conn, LINE_FIELDS, row, base)} for row in _lines(conn, tran_id)
    ]
    return {
        "links": [{"rel": "self", "href": href}],
        "count": len(items),
        "hasMore": False,
        "items": items,
        "offset": 0,
        "totalResults": len(items),
    }


def read_record(
    conn: sqlite3.Connection, rt: RecordType, key: str, base: str, *, expand: bool = False
) -> dict[str, object]:
    """A record as GET /record/v1/{type}/{id} answers it."""
    record_id = require_id(conn, rt, key)
    row = conn.execute(f"select * from {rt.table} where id = ?", (record_id,)).fetchone()
    out: dict[str, object] = {"links": _link(base, rt.url_name, record_id), "id": str(record_id)}
    out.update(_fields_json(conn, rt.fields, row, base))
    if rt.has_lines:
        if expand:
            out["line"] = lines_collection(conn, record_id, base)
        else:
            out["line"] = {
                "links": [
                    {"rel": "self", "href": f"{base}/record/v1/{rt.url_name}/{record_id}/line"}
                ]
            }
    return out


def list_records(
    conn: sqlite3.Connection,
    rt: RecordType,
    *,
    limit: str | None,
    offset: str | None,
    q: str | None,
    url: str,
    base: str,
) -> dict[str, object]:
    """GET /record/v1/{type}: the ids of the type's records (filtered by `q`), paged by id."""
    size, start = page_params(limit, offset)
    extra, fixed = _filter_sql(rt)
    params: list[object] = list(fixed)
    if q:
        condition, values = record_query.where_clause(rt, q)
        extra += f" and ({condition})"
        params += values
    where = f"from {rt.table} where 1 = 1{extra}"
    total = conn.execute(f"select count(*) {where}", params).fetchone()[0]
    rows = conn.execute(
        f"select id {where} order by id limit ? offset ?", (*params, size, start)
    ).fetchall()
    items = [{"links": _link(base, rt.url_name, r[0]), "id": str(r[0])} for r in rows]
    query = f"&q={quote(q)}" if q else ""
    return {
        "links": _page_links(lambda o: f"{url}?limit={size}&offset={o}{query}", total, size, start),
        "count": len(items),
        "hasMore": start + len(items) < total,
        "items": items,
        "offset": start,
        "totalResults": total,
    }


# --- records: writing --------------------------------------------------------------------------


def _invalid(field: str, value: object) -> NetSuiteError:
    return user_error(f"Invalid value '{value}' for field '{field}'.", "INVALID_FLD_VALUE")


def _ref_id(conn: sqlite3.Connection, f: Field, value: object) -> int:
    table, _ = REF_TARGETS[str(f.target)]
    external = value.get("externalId") if isinstance(value, dict) else None
    if external is not None:
        row = conn.execute(
            f"select id from {table} where externalid = ?", (str(external),)
        ).fetchone()
        if row is None:
            raise user_error(f"Invalid {f.rest} reference key eid:{external}.")
        return int(row[0])
    raw = value.get("id") if isinstance(value, dict) else value
    try:
        ref = int(str(raw))
    except ValueError:
        raise user_error(f"Invalid {f.rest} reference key {raw}.") from None
    if conn.execute(f"select 1 from {table} where id = ?", (ref,)).fetchone() is None:
        raise user_error(f"Invalid {f.rest} reference key {ref}.")
    return ref


def _stored(conn: sqlite3.Connection, f: Field, value: object) -> object:
    """A REST value as its column stores it; None clears the field."""
    if value is None or value == "":
        return None
    if f.kind == "ref":
        return _ref_id(conn, f, value)
    if isinstance(value, dict):
        if f.kind not in ("select", "code"):
            raise _invalid(f.rest, value)
        value = value.get("id") if value.get("id") is not None else value.get("refName")
    if f.kind == "date":
        try:
            return date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError:
            raise _invalid(f.rest, value) from None
    if f.kind == "bool":
        if isinstance(value, bool):
            return "T" if value else "F"
        text = str(value).lower()
        if text in ("true", "t"):
            return "T"
        if text in ("false", "f"):
            return "F"
        raise _invalid(f.rest, value)
    if f.kind in ("decimal", "number"):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise _invalid(f.rest, value) from None
        if not number.is_finite():
            raise _invalid(f.rest, value)
        return f"{number:.2f}" if f.kind == "decimal" else float(number)
    if f.kind == "select":
        choices = f.choices or {}
        text = str(value)
        key = (
            text
            if text in choices
            else next((k for k, label in choices.items() if label.lower() == text.lower()), None)
        )
        if key is None:
            raise _invalid(f.rest, value)
        return choices[key] if f.stores == "label" else key
    if f.kind == "code":
        return str(value).upper()
    return str(value)


def _columns_of(
    conn: sqlite3.Connection, rt: RecordType, body: dict, *, strict: bool
) -> dict[str, object]:
    columns: dict[str, object] = {}
    for name, value in body.items():
        if name in ("links", "id", "refName") or (rt.has_lines and name == "line"):
            continue
        f = rt.by_rest.get(name.lower())
        if f is None:
            if strict:
                raise NetSuiteError(
                    400, f"Invalid field '{name}' for record type {rt.name}.", "INVALID_CONTENT"
                )
            continue  # NetSuite's default property validation only warns
        if f.writable:
            columns[f.column] = _stored(conn, f, value)
    return columns


def _line_rows(conn: sqlite3.Connection, body: dict, *, strict: bool) -> list[dict[str, object]]:
    raw = body.get("line")
    items = raw.get("items") if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise user_error("A journal entry needs at least one line in line.items.")
    rows: list[dict[str, object]] = []
    debits = credits = Decimal("0")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise user_error("Each journal line must be an object.")
        row: dict[str, object] = {"id": number}
        for name, value in item.items():
            if name in ("links", "line"):
                continue
            f = LINES_BY_REST.get(name.lower())
            if f is None:
                if strict:
                    raise NetSuiteError(
                        400, f"Invalid field '{name}' for journal lines.", "INVALID_CONTENT"
                    )
                continue
            row[f.column] = _stored(conn, f, value)
        if row.get("account") is None:
            raise user_error(f"Line {number} needs an account.")
        debit, credit = Decimal(str(row.get("debit") or 0)), Decimal(str(row.get("credit") or 0))
        if debit < 0 or credit < 0 or (debit == 0) == (credit == 0):
            raise user_error(f"Line {number} needs either a debit or a credit amount.")
        debits, credits = debits + debit, credits + credit
        rows.append(row)
    if debits != credits:
        raise user_error(
            f"The journal entry is out of balance: debits {debits:.2f}, credits {credits:.2f}."
        )
    return rows


def _write_lines(
    conn: sqlite3.Connection,
    tran_id: int,
    rows: list[dict[str, object]],
    subsidiary: object,
    now_iso: str,
) -> None:
    conn.execute('delete from ns_transactionline where "transaction" = ?', (tran_id,))
    columns = [f.column for f in LINE_FIELDS]
    names = ", ".join(f'"{c}"' for c in columns)
    for row in rows:
        values = [row.get(c) for c in columns]
        conn.execute(
            f'insert into ns_transactionline ("transaction", {names}, subsidiary, '
            f"linelastmodifieddate) values (?, {', '.join('?' * len(columns))}, ?, ?)",
            (tran_id, *values, subsidiary, now_iso),
        )


def _new_id(conn: sqlite3.Connection, rt: RecordType) -> int | None:
    if rt.url_name == "resourceallocation":
        return None  # SQLite assigns it, as for the firm's own allocations
    next_id = conn.execute(f"select coalesce(max(id), 0) + 1 from {rt.table}").fetchone()[0]
    return max(next_id, rt.id_base or 0)


def _natural_key(
    conn: sqlite3.Connection, rt: RecordType, columns: dict[str, object]
) -> tuple[str, int | None]:
    """The create's natural key and a live record already holding it (None if there is none)."""
    if columns.get("externalid"):
        key = str(columns["externalid"])
        row = conn.execute(f"select id from {rt.table} where externalid = ?", (key,)).fetchone()
    elif rt.url_name == "employee":
        key = normalise_email(str(columns.get("email") or "")) or (
            f"name:{columns.get('firstname')} {columns.get('lastname')}".lower()
        )
        row = conn.execute(
            "select id from ns_employee where lower(trim(email)) = ? order by id limit 1", (key,)
        ).fetchone()
    elif rt.url_name == "job":
        key = str(columns.get("entityid"))
        row = conn.execute("select id from ns_job where entityid = ?", (key,)).fetchone()
    elif rt.url_name == "resourceallocation":
        key = f"{columns.get('allocationresource')}|{columns.get('project')}|" + str(
            columns.get("startdate")
        )
        row = conn.execute(
            "select id from ns_resourceallocation where allocationresource = ? and project = ? "
            "and startdate = ? order by id limit 1",
            (columns.get("allocationresource"), columns.get("project"), columns.get("startdate")),
        ).fetchone()
    else:
        key = str(columns.get("memo") or columns.get("tranid") or "")
        row = conn.execute(
            "select id from ns_transaction where type = 'Journal' and memo = ? order by id limit 1",
            (key,),
        ).fetchone()
    return key, None if row is None else int(row[0])


def _refuse_taken_external_id(
    conn: sqlite3.Connection, rt: RecordType, external: object, record_id: int | None
) -> None:
    if external is None:
        return
    row = conn.execute(
        f"select id from {rt.table} where externalid = ?", (str(external),)
    ).fetchone()
    if row is not None and row[0] != record_id:
        raise user_error(
            f"A record with external ID '{external}' already exists ({rt.name} {row[0]}).",
            "DUP_RCRD",
        )


def _writable(rt: RecordType) -> None:
    if not rt.writable:
        raise NetSuiteError(
            405, f"The sandbox serves {rt.name} records read-only.", "METHOD_NOT_ALLOWED"
        )


def create_record(
    conn: sqlite3.Connection,
    rt: RecordType,
    body: dict,
    now_iso: str,
    *,
    strict: bool,
    external_id: str | None = None,
) -> int:
    """Create a record (POST, or PUT eid: for a new external id); returns its id."""
    _writable(rt)
    columns = _columns_of(conn, rt, body, strict=strict)
    if external_id is not None:
        columns["externalid"] = external_id
    for f in rt.fields:
        if f.required and columns.get(f.column) is None:
            raise user_error(f"Please enter value(s) for: {f.rest}.", "USER_ERROR")
    lines = _line_rows(conn, body, strict=strict) if rt.has_lines else []
    _refuse_taken_external_id(conn, rt, columns.get("externalid"), None)
    key, existing = _natural_key(conn, rt, columns)
    if external_id is not None:
        existing = None  # an upsert by external id is by construction not a duplicate
    new_id = _new_id(conn, rt)
    if rt.url_name == "journalentry":
        columns.setdefault("approvalstatus", "Approved")
        columns["tranid"] = columns.get("tranid") or f"JE{new_id}"
        columns["createddate"] = now_iso
    elif rt.url_name == "resourceallocation":
        columns.setdefault("allocationunit", "H")
        columns["datecreated"] = now_iso
    else:
        columns.setdefault("isinactive", "F")
        columns["datecreated"] = now_iso
    columns["lastmodifieddate"] = now_iso
    columns.update(dict(rt.fixed))
    if new_id is not None:
        columns["id"] = new_id
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.execute(
        f"insert into {rt.table} ({names}) values ({', '.join('?' * len(columns))})",
        tuple(columns.values()),
    )
    record_id = new_id if new_id is not None else int(cursor.lastrowid or 0)
    if rt.has_lines:
        _write_lines(conn, record_id, lines, columns.get("subsidiary"), now_iso)
    log_create(
        conn,
        system=SYSTEM,
        entity=rt.entity,
        natural_key=key,
        remote_id=record_id,
        now_iso=now_iso,
        existing_remote_id=existing,
    )
    return record_id


def update_record(
    conn: sqlite3.Connection,
    rt: RecordType,
    record_id: int,
    body: dict,
    now_iso: str,
    *,
    strict: bool,
) -> None:
    """Update the fields present in `body` (PATCH, or PUT eid: on an existing record)."""
    _writable(rt)
    columns = _columns_of(conn, rt, body, strict=strict)
    for f in rt.fields:
        if f.required and f.column in columns and columns[f.column] is None:
            raise user_error(f"Please enter value(s) for: {f.rest}.", "USER_ERROR")
    _refuse_taken_external_id(conn, rt, columns.get("externalid"), record_id)
    lines = _line_rows(conn, body, strict=strict) if rt.has_lines and "line" in body else None
    columns["lastmodifieddate"] = now_iso
    assignments = ", ".join(f'"{c}" = ?' for c in columns)
    conn.execute(
        f"update {rt.table} set {assignments} where id = ?", (*columns.values(), record_id)
    )
    if rt.has_lines:
        subsidiary = conn.execute(
            "select subsidiary from ns_transaction where id = ?", (record_id,)
        ).fetchone()[0]
        if lines is not None:
            _write_lines(conn, record_id, lines, subsidiary, now_iso)
        else:
            conn.execute(
                "update ns_transactionline set subsidiary = ?, linelastmodifieddate = ? "
                'where "transaction" = ?',
                (subsidiary, now_iso, record_id),
            )


def upsert_record(
    conn: sqlite3.Connection,
    rt: RecordType,
    external_id: str,
    body: dict,
    now_iso: str,
    *,
    strict: bool,
) -> int:
    """PUT /record/v1/{type}/eid:{externalId}: update the record with it, or create one."""
    existing = find_id(conn, rt, f"eid:{external_id}")
    if existing is None:
        return create_record(conn, rt, body, now_iso, strict=strict, external_id=external_id)
    body = {k: v for k, v in body.items() if k.lower() != "externalid"}
    update_record(conn, rt, existing, body, now_iso, strict=strict)
    return existing


def delete_record(conn: sqlite3.Connection, rt: RecordType, record_id: int, now_iso: str) -> None:
    """Remove the record (and a journal's lines) and note it in deletedrecord."""
    _writable(rt)
    row = conn.execute(f"select * from {rt.table} where id = ?", (record_id,)).fetchone()
    if rt.url_name == "employee":
        name = f"{row['firstname']} {row['lastname']}"
    elif rt.url_name == "job":
        name = row["entityid"]
    elif rt.url_name == "journalentry":
        name = row["tranid"]
    else:
        name = None
    if rt.has_lines:
        conn.execute('delete from ns_transactionline where "transaction" = ?', (record_id,))
    conn.execute(f"delete from {rt.table} where id = ?", (record_id,))
    conn.execute(
        "insert into ns_deletedrecord (recordtype, recordid, externalid, name, deleteddate) "
        "values (?, ?, ?, ?, ?)",
        (rt.url_name, record_id, row["externalid"], name, now_iso),
    )


# --- async jobs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteOutcome:
    """What a write did: the record it touched and how."""

    record_type: str  # url name
    record_id: int
    operation: str  # create | update | upsert | delete


def job_url(base: str, job_id: int) -> str:
    return f"{base}/async/v1/job/{job_id}"


def submit_async(
    conn: sqlite3.Connection,
    *,
    idempotency_key: str | None,
    record_type: str,
    write: Callable[[], WriteOutcome],
    now_iso: str,
    base: str,
) -> int:
    """Run a write as an async job (applied now, recorded as finished); returns the job id.

    A reused idempotency key raises IDEMPOTENCY_ERROR pointing at the earlier job, and the
    write is not run again.
    """
    if idempotency_key:
        row = conn.execute(
            "select job_id from ns_idempotency where idempotency_key = ?", (idempotency_key,)
        ).fetchone()
        if row is not None:
            raise NetSuiteError(
                400,
                "A request with the same idempotency key is already submitted. See the "
                '"Location" header for a link to the previously submitted job',
                "IDEMPOTENCY_ERROR",
                title="Conflict",
                headers={"Location": job_url(base, row[0]), "Preference-Applied": "respond-async"},
            )
    conn.execute("savepoint ns_async_write")
    try:
        outcome = write()
    except NetSuiteError as exc:
        conn.execute("rollback to ns_async_write")
        conn.execute("release ns_async_write")
        values = (
            "failed",
            record_type,
            None,
            exc.status,
            orjson.dumps(exc.body).decode(),
            now_iso,
            None,
        )
    else:
        conn.execute("release ns_async_write")
        values = (
            "succeeded",
            outcome.record_type,
            outcome.record_id,
            204,
            None,
            now_iso,
            outcome.operation,
        )
    cursor = conn.execute(
        "insert into ns_async_job (status, record_type, record_id, http_status, error, "
        "created_at, operation) values (?, ?, ?, ?, ?, ?, ?)",
        values,
    )
    job_id = int(cursor.lastrowid or 0)
    if idempotency_key:
        conn.execute(
            "insert into ns_idempotency (idempotency_key, job_id, created_at) values (?, ?, ?)",
            (idempotency_key, job_id, now_iso),
        )
    return job_id


def _job(conn: sqlite3.Connection, job_id: str) -> sqlite3.Row:
    row = None
    if job_id.isdigit():
        row = conn.execute("select * from ns_async_job where id = ?", (int(job_id),)).fetchone()
    if row is None:
        raise not_found("async job", job_id)
    return row


def job_status(conn: sqlite3.Connection, job_id: str, base: str) -> dict[str, object]:
    """GET /async/v1/job/{id}."""
    row = _job(conn, job_id)
    url = job_url(base, row["id"])
    return {
        "links": [{"rel": "self", "href": url}],
        "completed": True,
        "id": str(row["id"]),
        "progress": row["status"],
        "status": row["status"],
        "task": {"links": [{"rel": "self", "href": f"{url}/task"}]},
    }


def job_tasks(conn: sqlite3.Connection, job_id: str, base: str) -> dict[str, object]:
    """GET /async/v1/job/{id}/task: one task per job here."""
    row = _job(conn, job_id)
    url = f"{job_url(base, row['id'])}/task"
    return {
        "links": [{"rel": "self", "href": url}],
        "count": 1,
        "hasMore": False,
        "items": [{"links": [{"rel": "self", "href": f"{url}/{row['id']}"}], "id": str(row["id"])}],
        "offset": 0,
        "totalResults": 1,
    }


def job_task(conn: sqlite3.Connection, job_id: str, task_id: str, base: str) -> dict:
    """GET /async/v1/job/{id}/task/{taskId}."""
    row = _job(conn, job_id)
    if task_id != str(row["id"]):
        raise not_found("async task", task_id)
    url = f"{job_url(base, row['id'])}/task/{row['id']}"
    return {
        "links": [{"rel": "related", "href": f"{url}/result"}, {"rel": "self", "href": url}],
        "completed": True,
        "id": str(row["id"]),
        "progress": row["status"],
        "startTime": row["created_at"],
        "endTime": row["created_at"],
    }


def job_result(
    conn: sqlite3.Connection, job_id: str, task_id: str, base: str
) -> tuple[int, dict[str, str], bytes | None]:
    """GET .../task/{taskId}/result: the write's own answer (status, headers, body)."""
    row = _job(conn, job_id)
    if task_id != str(row["id"]):
        raise not_found("async task", task_id)
    if row["status"] == "failed":
        return row["http_status"], {}, row["error"].encode()
    headers = {}
    if row["operation"] != "delete":
        headers["Location"] = f"{base}/record/v1/{row['record_type']}/{row['record_id']}"
    return 204, headers, None
