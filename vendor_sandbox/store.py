"""The sandbox's state: one SQLite file holding every emulated system.

SQLite keeps `large` (millions of time entries) on disk rather than in Python memory, survives a
restart, and answers the indexed page queries the emulators need (docs/decisions.md).
Each thread gets its own connection; WAL lets readers run while a writer commits.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

SCHEMA_FILES = (
    ("vendor_sandbox", "schema.sql"),
    ("vendor_sandbox.bamboohr", "schema.sql"),
    ("vendor_sandbox.netsuite", "schema.sql"),
    ("vendor_sandbox.harvest", "schema.sql"),
    ("vendor_sandbox.gusto", "schema.sql"),
    ("vendor_sandbox", "indexes.sql"),
)


def _schema_sql() -> str:
    return "\n".join(resources.files(pkg).joinpath(name).read_text() for pkg, name in SCHEMA_FILES)


class Store:
    """A handle on the sandbox's SQLite file with one connection per thread."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        # Serialises writers inside this process; SQLite's busy timeout covers other processes.
        self.write_lock = threading.RLock()

    def connection(self) -> sqlite3.Connection:
        """The calling thread's connection, opened on first use."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("pragma journal_mode=wal")
            conn.execute("pragma synchronous=normal")
            conn.execute("pragma cache_size=-65536")
            conn.execute("pragma temp_store=memory")
            self._local.conn = conn
        return conn

    def init_schema(self) -> None:
        """Create every table that does not exist yet."""
        self.connection().executescript(_schema_sql())

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, serialised with the other writers of this process."""
        conn = self.connection()
        with self.write_lock:
            conn.execute("begin immediate")
            try:
                yield conn
            except BaseException:
                conn.execute("rollback")
                raise
            else:
                conn.execute("commit")

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = (
            self.connection()
            .execute("select value from sandbox_meta where key = ?", (key,))
            .fetchone()
        )
        return row[0] if row else default

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute(
            "insert into sandbox_meta (key, value) values (?, ?) "
            "on conflict (key) do update set value = excluded.value",
            (key, value),
        )

    def is_generated(self) -> bool:
        """Whether a firm has been generated into this file."""
        try:
            return self.get_meta("generated") == "1"
        except sqlite3.OperationalError:
            return False

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
