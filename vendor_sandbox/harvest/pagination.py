"""Harvest's pagination: `page`/`per_page` or `cursor`, and the envelope every list answers with.

Harvest's rules (help.getharvest.com/api-v2/introduction/overview/pagination):
- `per_page` 1-2000, default 2000; a larger value is a 422.
- `page` and `cursor` are exclusive and `cursor` wins. `links.next` is always a cursor URL
  (`?cursor=...&per_page=...&ref=next_cursor`) carrying every filter of the request, so a client
  that follows links never builds a URL, and the next page is found by keyset (the sort key of
  the last row), not by OFFSET.
- On a page reached by cursor, `page`, `next_page` and `previous_page` are null, except on the
  last page (the prose docs say so; the OpenAPI spec types `page` as a plain integer, and the
  prose wins: docs/decisions.md).

The cursor is URL-safe base64 of JSON `{"after": {<sort key>...}}`, as Harvest's own
(`eyJhZnRlciI6eyJpZCI6MzAwN319` is `{"after":{"id":3007}}`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request

from vendor_sandbox.harvest.errors import HarvestError

MAX_PER_PAGE = 2000
PAGING_PARAMS = frozenset({"page", "per_page", "cursor", "ref"})
# Auth may also travel in the query string; links must never repeat it.
NOT_CARRIED = PAGING_PARAMS | {"access_token", "account_id"}


@dataclass(frozen=True)
class PageRequest:
    """What page a list request asks for."""

    per_page: int
    page: int
    after: dict[str, Any] | None  # the decoded cursor's sort key, or None for page-based


def encode_cursor(after: Mapping[str, Any]) -> str:
    """The opaque cursor naming the rows after `after` (a sort key)."""
    raw = orjson.dumps({"after": dict(after)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The sort key inside a cursor; 422 when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        after = orjson.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise HarvestError.unprocessable("The cursor is invalid.") from exc
    if not isinstance(after, dict):
        raise HarvestError.unprocessable("The cursor is invalid.")
    return after


def _positive_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise HarvestError.unprocessable(f"{name} must be an integer.") from exc


def page_request(request: Request) -> PageRequest:
    """Parse page, per_page and cursor; 422 for per_page outside 1-2000 or a bad cursor."""
    per_page = _positive_int(request, "per_page", MAX_PER_PAGE)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise HarvestError.unprocessable(f"per_page must be between 1 and {MAX_PER_PAGE}.")
    cursor = request.query_params.get("cursor")
    if cursor:
        return PageRequest(per_page=per_page, page=0, after=decode_cursor(cursor))
    page = _positive_int(request, "page", 1)
    if page < 1:
        raise HarvestError.unprocessable("page must be 1 or more.")
    return PageRequest(per_page=per_page, page=page, after=None)


def carried_filters(request: Request) -> list[tuple[str, str]]:
    """Every query parameter of the request that links must carry (all but paging and auth)."""
    return [(k, v) for k, v in request.query_params.multi_items() if k not in NOT_CARRIED]


def _url(
    base: str, leading: Iterable[tuple[str, str]], filters: list[tuple[str, str]], ref: str
) -> str:
    return f"{base}?{urlencode([*leading, *filters, ('ref', ref)])}"


def envelope(
    request: Request,
    *,
    key: str,
    rows_json: bytes,
    page_req: PageRequest,
    total_entries: int,
    next_after: Mapping[str, Any] | None,
) -> bytes:
    """The list body: `{key: [...rows_json...], per_page, total_pages, ..., links}` as bytes.

    Args:
        rows_json: the rows already serialized and joined with commas (no brackets).
        next_after: the sort key of this page's last row when more rows follow, else None.
    """
    per_page = page_req.per_page
    total_pages = max(1, -(-total_entries // per_page))
    base = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
    filters = carried_filters(request)
    size = ("per_page", str(per_page))

    def page_url(number: int, ref: str) -> str:
        return _url(base, [("page", str(number)), size], filters, ref)

    next_url = (
        _url(base, [("cursor", encode_cursor(next_after)), size], filters, "next_cursor")
        if next_after is not None
        else None
    )
    if page_req.after is None:
        page: int | None = page_req.page
        next_page = page + 1 if next_after is not None else None
        previous_page = page - 1 if page > 1 else None
    elif next_after is None:
        # The last page reached by cursor is numbered again (Harvest's prose).
        page = total_pages
        next_page = None
        previous_page = total_pages - 1 if total_pages > 1 else None
    else:
        page = next_page = previous_page = None
    meta = {
        "per_page": per_page,
        "total_pages": total_pages,
        "total_entries": total_entries,
        "next_page": next_page,
        "previous_page": previous_page,
        "page": page,
        "links": {
            "first": page_url(1, "first"),
            "next": next_url,
            "previous": page_url(previous_page, "previous") if previous_page else None,
            "last": page_url(total_pages, "last"),
        },
    }
    return b'{"' + key.encode() + b'":[' + rows_json + b"]," + orjson.dumps(meta)[1:]
