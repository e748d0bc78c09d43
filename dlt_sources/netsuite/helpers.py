"""NetSuite client: TBA-signed SuiteQL over one session, keyset paging, and typing of strings.

Quirks handled here:
- OAuth 1.0a TBA signatures carry a nonce and a timestamp that NetSuite refuses to see twice or
  older than 300 s, so a retried request must be signed afresh. dlt's retrying session retries
  `Session.send` with the prepared request it was given; the signature is therefore applied in
  the transport adapter, which runs once per attempt.
- SuiteQL stops at 100,000 results per query, so pages are read by keyset (each page is a new
  query `WHERE (cursor, key) > (last seen) ORDER BY cursor, key`, offset 0), never by offsets.
- Every value is a string and NULL fields are left out of an item: rows are completed with None
  and typed by the column kinds of `settings.TABLES`.
- Dates come back in the user's date format preference, without the time, unless selected
  through TO_CHAR: every date and datetime column is (`select_list`).
- Accounts allow few concurrent requests (5 in a sandbox; 429 beyond): the client sends one
  request at a time.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
import pyarrow as pa
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
from requests.adapters import HTTPAdapter
from requests_oauthlib import OAuth1

from dlt_sources.common.config import Instance
from dlt_sources.common.http import retrying_session
from dlt_sources.netsuite.settings import (
    DATE_FORMAT,
    PAGE_SIZE,
    SUITEQL_PATH,
    THROTTLE_ERROR_CODES,
    TO_DATE_FORMAT,
    Table,
)


class NetSuiteError(RuntimeError):
    """NetSuite refused a request for good (not a transient failure)."""


class SigningAdapter(HTTPAdapter):
    """Transport adapter that signs every attempt with a fresh TBA nonce and timestamp."""

    def __init__(self, auth: OAuth1) -> None:
        super().__init__()
        self._auth = auth

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        signed = self._auth(request.copy())
        return super().send(signed, *args, **kwargs)


def throttle_codes(instance: Instance) -> frozenset[str]:
    """NetSuite error codes that mean "too many requests", whatever the status they come with.

    CONVENTIONS.md: excess requests get "Too Many Requests" (429 *unverified*); SOAP's code for
    it is SSS_REQUEST_LIMIT_EXCEEDED. Per instance: setting `throttle_error_codes`.
    """
    configured = instance.settings.get("throttle_error_codes")
    if configured is None:
        return THROTTLE_ERROR_CODES
    if isinstance(configured, str):
        configured = configured.split(",")
    return frozenset(str(code).strip() for code in configured if str(code).strip())


def throttled_by(
    codes: frozenset[str],
) -> Callable[[requests.Response | None, BaseException | None], bool]:
    """A retry condition: an error answer naming one of `codes` (429 is retried anyway)."""

    def throttled(response: requests.Response | None, _: BaseException | None) -> bool:
        if response is None or response.status_code < 400 or not codes:
            return False
        return problem_details(response)[0] in codes

    return throttled


def problem_details(response: requests.Response) -> tuple[str, str]:
    """(error code, detail) of a NetSuite error answer (RFC 7807 with `o:errorDetails`).

    An answer that is no such document gives no code and the start of its text.
    """
    try:
        details = orjson.loads(response.content).get("o:errorDetails") or [{}]
    except (orjson.JSONDecodeError, AttributeError):
        return "", response.text[:200]
    item = details[0] if isinstance(details[0], dict) else {}
    return str(item.get("o:errorCode", "")), str(item.get("detail", ""))


class NetSuiteClient:
    """SuiteQL reader for one NetSuite instance (one request in flight at a time)."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.url = instance.base_url + SUITEQL_PATH
        account = str(instance.settings.get("account") or "")
        if not account:
            raise NetSuiteError(
                f"netsuite/{instance.name}: setting sources.netsuite.{instance.name}.account "
                "(the TBA realm) is not set"
            )
        auth = OAuth1(
            client_key=instance.secrets["consumer_key"],
            client_secret=instance.secrets["consumer_secret"],
            resource_owner_key=instance.secrets["token_id"],
            resource_owner_secret=instance.secrets["token_secret"],
            signature_method=SIGNATURE_HMAC_SHA256,
            realm=account,
        )
        self.session = retrying_session(retry_when=throttled_by(throttle_codes(instance)))
        prefix = instance.base_url.split("://", 1)[0] + "://"
        self.session.mount(prefix, SigningAdapter(auth))
        self._lock = threading.Lock()
        self.requests = 0

    def page(self, query: str, limit: int = PAGE_SIZE) -> dict[str, Any]:
        """One SuiteQL page (offset 0) of `query`: the envelope {items, hasMore, ...}."""
        with self._lock:
            response = self.session.post(
                self.url,
                params={"limit": limit, "offset": 0},
                headers={"Prefer": "transient", "Content-Type": "application/json"},
                data=orjson.dumps({"q": query}),
            )
            self.requests += 1
        if response.status_code == 401:
            raise NetSuiteError(
                f"netsuite/{self.instance.name}: the TBA credentials were refused (401); check "
                f"sources.netsuite.{self.instance.name}.consumer_key / consumer_secret / "
                "token_id / token_secret and the account (realm)"
            )
        if response.status_code >= 400:
            raise NetSuiteError(
                f"netsuite/{self.instance.name}: SuiteQL answered {response.status_code}: "
                f"{response.text[:500]}"
            )
        return orjson.loads(response.content)

    def keyset(
        self,
        record: str,
        columns: Mapping[str, str],
        order: tuple[str, ...],
        where: str | None,
        *,
        joins: str = "",
        sources: Mapping[str, str] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of `record` ordered by the `order` columns, each read after the previous page.

        Args:
            record: SuiteQL record type.
            columns: column -> kind to select (must include the `order` columns); date and
                datetime columns come back as 'YYYY-MM-DD' and 'YYYY-MM-DD HH:MM:SS'.
            order: one or two columns that order rows uniquely (cursor and key, or key).
            where: a fixed condition (e.g. the cursor's lower bound), or None.
            joins: JOIN clauses after the record (records other columns come from).
            sources: column -> qualified field it is read from, where not its bare name.
        """
        fields = dict(sources or {})
        ordered = tuple(fields.get(c, c) for c in order)
        last: tuple[Any, ...] | None = None
        while True:
            conditions = [where] if where else []
            if last is not None:
                conditions.append(after(ordered, last))
            query = f"SELECT {select_list(columns, fields)} FROM {record}"
            if joins:
                query += f" {joins}"
            if conditions:
                query += " WHERE " + " AND ".join(f"({c})" for c in conditions)
            query += " ORDER BY " + ", ".join(ordered)
            envelope = self.page(query)
            items = envelope.get("items") or []
            for item in items:
                item.pop("links", None)
            if items:
                yield items
            if not envelope.get("hasMore") or not items:
                return
            last = tuple(items[-1].get(c) for c in order)


def select_list(columns: Mapping[str, str], sources: Mapping[str, str] | None = None) -> str:
    """The SELECT list of `columns`: dates and stamps through TO_CHAR, under their own names.

    `sources` names the qualified field a column is read from, where not its bare name.
    """
    masks = {"date": DATE_FORMAT, "datetime": TO_DATE_FORMAT}
    items = []
    for column, kind in columns.items():
        source = (sources or {}).get(column, column)
        if kind in masks:
            items.append(f"TO_CHAR({source}, '{masks[kind]}') AS {column}")
        else:
            items.append(source if source == column else f"{source} AS {column}")
    return ", ".join(items)


def stamp_text(stamp: str) -> str:
    """A cursor stamp as TO_CHAR renders it ('2026-03-01 09:00:00'), from that or ISO form.

    Cursors saved before the source selected through TO_CHAR are ISO ('2026-03-01T09:00:00Z');
    a stamp with an offset is taken to UTC.
    """
    try:
        moment = _as_datetime(stamp)
    except ValueError:
        raise NetSuiteError(
            f"the saved NetSuite cursor {stamp!r} is not a timestamp (a run before the source "
            "selected dates through TO_CHAR can have saved a date in the user's format): drop "
            "the table's state (`dlt pipeline netsuite drop <table> --state-only`) to read it "
            "again in full"
        ) from None
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def latest(*stamps: str) -> str:
    """The latest of cursor stamps, in TO_CHAR's form (text order is time order there)."""
    return max(stamp_text(stamp) for stamp in stamps)


def after(order: tuple[str, ...], last: tuple[Any, ...]) -> str:
    """SuiteQL condition for rows after `last` in the order of `order` (keyset paging)."""
    if len(order) == 1:
        return f"{order[0]} > {int(last[0])}"
    cursor, key = order
    stamp = to_date(last[0])
    return f"{cursor} > {stamp} OR ({cursor} = {stamp} AND {key} > {int(last[1])})"


def to_date(stamp: str) -> str:
    """A SuiteQL TO_DATE literal for a cursor stamp ('2026-03-01 09:00:00' or ISO)."""
    return f"TO_DATE('{stamp_text(stamp)}', '{TO_DATE_FORMAT}')"


def _as_datetime(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_CONVERTERS = {
    "int": int,
    "decimal": Decimal,
    "date": date.fromisoformat,
    "datetime": _as_datetime,
    "bool": {"T": True, "F": False}.__getitem__,
    "text": str,
}


def typed(item: dict[str, Any], table: Table, source_relation: str) -> dict[str, Any]:
    """A raw row: every column present (None where SuiteQL left it out), values typed.

    A value that does not convert is kept as its string, so the table's pydantic model refuses
    it and the row goes to quarantine with the reason rather than being silently altered.
    """
    row: dict[str, Any] = {"source_relation": source_relation}
    for column, kind in table.columns.items():
        value = item.get(column)
        if value is not None and value != "":
            with contextlib.suppress(ValueError, KeyError, InvalidOperation):
                value = _CONVERTERS[kind](value)
        elif value == "":
            value = None
        row[column] = value
    row["_deleted"] = False
    return row


_ARROW_TYPES = {
    "int": pa.int64(),
    "decimal": pa.decimal128(38, 9),
    "date": pa.date32(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "bool": pa.bool_(),
    "text": pa.string(),
}


def arrow_schema(table: Table) -> pa.Schema:
    """The Arrow schema of a table's raw rows (as `typed` builds them)."""
    return pa.schema(
        [
            pa.field("source_relation", pa.string(), nullable=False),
            *(
                pa.field(c, _ARROW_TYPES[k], nullable=c != table.key)
                for c, k in table.columns.items()
            ),
            pa.field("_deleted", pa.bool_()),
        ]
    )


def arrow_page(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """One page of rows (valid ones or tombstones) as an Arrow table of `schema`."""
    return pa.Table.from_pylist(rows, schema=schema)
