"""Gusto's page/per pagination.

Collections answer a bare JSON array; the page's place in the collection travels in headers:
`X-Page`, `X-Per-Page`, `X-Total-Count`, `X-Total-Pages` (docs.gusto.com/app-integrations/docs/
pagination). `per` defaults to 25. The sandbox always pages its paginated collections (a client
that never asks for page 2 sees 25 rows and headers saying there are more), and sends the headers
whether or not the request named `page`.

The event feed pages by cursor instead (`starting_after_uuid` + `limit`) and answers
`X-Has-Next-Page: true|false`.
"""

from __future__ import annotations

from dataclasses import dataclass

from vendor_sandbox.gusto.errors import unprocessable

DEFAULT_PER = 25


@dataclass(frozen=True)
class PageRequest:
    page: int
    per: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per


def page_request(
    page: int | None, per: int | None, *, default_per: int = DEFAULT_PER, max_per: int | None = None
) -> PageRequest:
    """The page asked for; `per` above `max_per` is served as `max_per` (X-Per-Page tells)."""
    page = 1 if page is None else page
    per = default_per if per is None else per
    if page < 1:
        raise unprocessable("page", "page must be a positive integer")
    if per < 1:
        raise unprocessable("per", "per must be a positive integer")
    if max_per is not None:
        per = min(per, max_per)
    return PageRequest(page, per)


def page_headers(request: PageRequest, total: int) -> dict[str, str]:
    """The four pagination headers for a page of a collection of `total` records."""
    pages = (total + request.per - 1) // request.per
    return {
        "X-Page": str(request.page),
        "X-Per-Page": str(request.per),
        "X-Total-Count": str(total),
        "X-Total-Pages": str(pages),
    }
