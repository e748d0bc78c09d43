"""A webhook receiver on a free loopback port, run in a thread and shut down by the test."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    answered: int

    def payload(self) -> dict:
        return orjson.loads(self.body)


class Receiver:
    """Records every POST in arrival order; `answer(body, times_seen_before)` sets each status.

    `deliveries` keeps them all; `next()`, `drain()` and `nothing_within()` consume them in order.
    """

    def __init__(self, answer: Callable[[bytes, int], int] = lambda _body, _seen: 200) -> None:
        self.answer = answer
        self.deliveries: list[Delivery] = []
        self._arrivals: queue.Queue[Delivery] = queue.Queue()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    seen = sum(1 for d in receiver.deliveries if d.body == body)
                    delivery = Delivery(dict(self.headers.items()), body, answer(body, seen))
                    receiver.deliveries.append(delivery)
                receiver._arrivals.put(delivery)
                self.send_response(delivery.answered)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def next(self, timeout: float = 15.0) -> Delivery:
        return self._arrivals.get(timeout=timeout)

    def drain(self, quiet_seconds: float) -> list[Delivery]:
        """Every further delivery, until none arrives for `quiet_seconds`."""
        out: list[Delivery] = []
        while True:
            try:
                out.append(self._arrivals.get(timeout=quiet_seconds))
            except queue.Empty:
                return out

    def nothing_within(self, seconds: float) -> bool:
        try:
            self._arrivals.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
