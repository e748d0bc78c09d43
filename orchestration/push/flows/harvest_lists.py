"""Reading Harvest lists for the push flows: every record of a list endpoint, page by page.

Harvest pages its lists (`page`, `per_page` up to 2,000, `next_page` null on the last): users,
projects and a project's assignments alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from orchestration.push.flows.answers import ok
from orchestration.push.types import TargetClient

HARVEST_PAGE_SIZE = 2000  # Harvest's maximum per_page


def harvest_list(client: TargetClient, path: str) -> Iterator[dict[str, Any]]:
    """The records of the list at `path` (the body keys them by its last segment)."""
    key = path.rstrip("/").rsplit("/", 1)[1]
    page: int | None = 1
    while page:
        params = {"page": page, "per_page": HARVEST_PAGE_SIZE}
        body = ok(client.request("GET", path, params=params), f"harvest: list {path}").json()
        yield from body.get(key, [])
        page = body.get("next_page")
