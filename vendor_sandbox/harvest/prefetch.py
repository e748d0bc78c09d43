"""Build the page a client will ask for next while it is still parsing this one.

A client following `links.next` alternates: the server builds a page, then the client parses it.
On a machine with two cores that leaves one idle at every moment. As soon as a page with a next
cursor is answered, its successor is built on a background thread (SQLite releases the GIL while
it steps), so when the request comes the bytes are ready or nearly so. A prefetched page is
served only if no commit has touched the store since its build began (`Totals.version`);
otherwise the request builds it afresh, so a prefetch never serves stale data.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor

from vendor_sandbox.harvest.backend import Page, Totals

# Concurrent paging clients whose next page is kept; older prefetches are dropped.
MAX_PENDING = 8


class Prefetcher:
    """Next pages being built or ready, keyed by the request that will ask for them."""

    def __init__(self, totals: Totals, max_pending: int = MAX_PENDING) -> None:
        self.totals = totals
        self.max_pending = max_pending
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="harvest-prefetch")
        self._lock = threading.Lock()
        self._pending: OrderedDict[Hashable, tuple[int, Future[Page]]] = OrderedDict()

    def take(self, key: Hashable) -> Page | None:
        """The prefetched page for `key` (waiting for it if still building), or None."""
        with self._lock:
            item = self._pending.pop(key, None)
        if item is None:
            return None
        version, future = item
        try:
            page = future.result()
        except Exception:  # a failed prefetch is simply a miss; the request builds the page
            return None
        return page if self.totals.version() == version else None

    def schedule(self, key: Hashable, build: Callable[[], Page]) -> None:
        """Start building the page for `key` in the background."""
        version = self.totals.version()  # read before the build reads anything
        future = self._pool.submit(build)
        with self._lock:
            self._pending[key] = (version, future)
            while len(self._pending) > self.max_pending:
                _, (_, dropped) = self._pending.popitem(last=False)
                dropped.cancel()
