"""The `q` filter of NetSuite's record collections (GET /record/v1/{type}?q=...).

NetSuite's syntax is `<field> <OPERATOR> <value>` joined by AND, e.g.
`lastModifiedDate ON_OR_AFTER "2026-03-01T00:00:00Z"`, `email START_WITH "ann"`,
`isInactive IS false`, `subsidiary ANY_OF [1, 2]`, `releaseDate EMPTY`. Fields are REST names;
values are quoted strings, bare words or bracketed lists. Dates may be ISO (`2026-03-01`,
`2026-03-01T09:30:00Z`) or NetSuite's default `3/1/2026`; a date given for a timestamp field
covers the whole day (AFTER 3/1/2026 means from March 2nd on). The sandbox supports AND only;
anything it cannot read is refused with 400 rather than ignored.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from vendor_sandbox.netsuite.errors import NetSuiteError
from vendor_sandbox.netsuite.records import Field, RecordType

_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(\[[^\]]*\])|([^\s"\[]+))')
_COMPARE = {
    "IS": "=",
    "EQUAL": "=",
    "IS_NOT": "!=",
    "EQUAL_NOT": "!=",
    "GREATER": ">",
    "AFTER": ">",
    "GREATER_OR_EQUAL": ">=",
    "ON_OR_AFTER": ">=",
    "LESS": "<",
    "BEFORE": "<",
    "LESS_OR_EQUAL": "<=",
    "ON_OR_BEFORE": "<=",
}
_TEXT = {"START_WITH": "{}%", "END_WITH": "%{}", "CONTAIN": "%{}%"}


def _refuse(detail: str) -> NetSuiteError:
    return NetSuiteError(
        400, f"Invalid query parameter q: {detail}", "INVALID_PARAMETER", errorQueryParam="q"
    )


def _tokens(q: str) -> list[tuple[str, bool]]:
    """(text, quoted) tokens; bracketed lists stay whole."""
    out: list[tuple[str, bool]] = []
    position = 0
    while position < len(q.rstrip()):
        match = _TOKEN.match(q, position)
        if match is None:
            raise _refuse(f"cannot read '{q[position:]}'")
        quoted, listed, bare = match.groups()
        out.append((quoted, True) if quoted is not None else (listed or bare, False))
        position = match.end()
    return out


def _day(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _value(f: Field, text: str) -> object:
    if f.kind == "bool":
        if text.lower() in ("true", "t"):
            return "T"
        if text.lower() in ("false", "f"):
            return "F"
        raise _refuse(f"{f.rest} takes true or false")
    if f.kind in ("number", "ref") or f.rest == "id":
        try:
            return float(text) if f.kind == "number" else int(text)
        except ValueError:
            raise _refuse(f"{f.rest} takes a number, not '{text}'") from None
    if f.kind == "select":
        choices = f.choices or {}
        key = (
            text
            if text in choices
            else next((k for k, label in choices.items() if label.lower() == text.lower()), None)
        )
        if key is None:
            raise _refuse(f"'{text}' is not a value of {f.rest}")
        return choices[key] if f.stores == "label" else key
    if f.kind == "code":
        return text.upper()
    if f.kind == "date":
        day = _day(text[:10]) or _day(text)
        if day is None:
            raise _refuse(f"{f.rest} takes a date, not '{text}'")
        return day.isoformat()
    return text


def _timestamp_condition(column: str, operator: str, text: str) -> tuple[str, list[object]]:
    """A comparison on a 'YYYY-MM-DDTHH:MM:SSZ' column with a date or a timestamp."""
    sql_operator = "=" if operator == "ON" else _COMPARE[operator]
    day = _day(text)
    if day is None:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise _refuse(f"'{text}' is not a date or timestamp") from None
        return f'"{column}" {sql_operator} ?', [moment.strftime("%Y-%m-%dT%H:%M:%SZ")]
    start = f"{day.isoformat()}T00:00:00Z"
    end = f"{(day + timedelta(days=1)).isoformat()}T00:00:00Z"
    if sql_operator == "=":
        return f'"{column}" >= ? and "{column}" < ?', [start, end]
    if sql_operator == "!=":
        return f'("{column}" < ? or "{column}" >= ?)', [start, end]
    if sql_operator == ">":  # after the day: from the next one on
        return f'"{column}" >= ?', [end]
    if sql_operator == "<=":  # up to the end of the day
        return f'"{column}" < ?', [end]
    return f'"{column}" {sql_operator} ?', [start]


def where_clause(rt: RecordType, q: str) -> tuple[str, list[object]]:
    """SQL conditions (to AND onto a query) and their parameters for a `q` filter."""
    tokens = _tokens(q)
    conditions: list[str] = []
    params: list[object] = []
    index = 0
    while index < len(tokens):
        if conditions:
            joiner = tokens[index][0].upper()
            if joiner != "AND":
                raise _refuse(f"only AND joins conditions here, not '{tokens[index][0]}'")
            index += 1
        if index + 1 >= len(tokens):
            raise _refuse("a condition needs a field and an operator")
        name, operator = tokens[index][0], tokens[index + 1][0].upper()
        index += 2
        f = Field("id", "id", "ref") if name.lower() == "id" else rt.by_rest.get(name.lower())
        if f is None:
            raise _refuse(f"unknown field '{name}' for record type {rt.name}")
        column = f.column
        if operator in ("EMPTY", "EMPTY_NOT"):
            conditions.append(f'"{column}" is {"null" if operator == "EMPTY" else "not null"}')
            continue
        if index >= len(tokens):
            raise _refuse(f"{operator} needs a value")
        text, _ = tokens[index]
        index += 1
        if operator in ("ANY_OF", "ANY_OF_NOT"):
            values = [v.strip().strip('"') for v in text.strip("[]").split(",") if v.strip()]
            if not values:
                raise _refuse(f"{operator} needs a list such as [1, 2]")
            marks = ", ".join("?" * len(values))
            negation = "not " if operator == "ANY_OF_NOT" else ""
            conditions.append(f'"{column}" {negation}in ({marks})')
            params.extend(_value(f, v) for v in values)
        elif operator in _TEXT:
            conditions.append(f'"{column}" like ?')
            params.append(_TEXT[operator].format(text))
        elif f.kind == "datetime" and (operator in _COMPARE or operator == "ON"):
            sql, values = _timestamp_condition(column, operator, text)
            conditions.append(sql)
            params.extend(values)
        elif operator in _COMPARE:
            conditions.append(f'"{column}" {_COMPARE[operator]} ?')
            params.append(_value(f, text))
        else:
            raise _refuse(f"operator {operator} is not supported")
    return " and ".join(conditions), params
