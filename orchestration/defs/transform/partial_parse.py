"""dbt's partial-parse state, kept per warehouse so each build parses only what changed.

dagster-dbt copies `target/partial_parse.msgpack` into every invocation's own target folder, but
that file comes from the `dbt parse` run at definitions load, whose profile points at whatever
warehouse the loading process had. dbt refuses partial parsing when the profile differs ("profile
has changed": dbt-duckdb's connection info includes `path`), so every build re-parsed the whole
project (~5-8 s on 2 cores, twice per full run). Here the state each build leaves behind is kept
under a key of the profile's warehouse and handed to the next build of the same warehouse; dbt
itself still checks it (file hashes, project config, version) and re-parses what changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

PARTIAL_PARSE_FILE = "partial_parse.msgpack"
CACHE_DIR = "partial_parse"


def cache_file(target: Path, warehouse: Path) -> Path:
    """Where the partial-parse state of builds into `warehouse` is kept under `target`."""
    key = hashlib.sha256(str(warehouse.resolve()).encode()).hexdigest()[:16]
    return target / CACHE_DIR / f"{key}.msgpack"


def seed_invocation(invocation_dir: Path, cached: Path) -> bool:
    """Put the kept state into a new invocation folder; return whether there was one.

    Runs before dagster-dbt's own copy, which leaves an existing file alone.
    """
    if not cached.exists():
        return False
    invocation_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, invocation_dir / PARTIAL_PARSE_FILE)
    return True


def keep_state(invocation_dir: Path, cached: Path) -> bool:
    """Keep the state a finished invocation wrote; return whether it wrote one.

    Written to a temporary file and renamed: a build starting meanwhile reads the old state or
    the new one, never half of one.
    """
    produced = invocation_dir / PARTIAL_PARSE_FILE
    if not produced.exists():
        return False
    cached.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=cached.parent, suffix=".tmp")
    os.close(handle)
    try:
        shutil.copyfile(produced, temporary)
        os.replace(temporary, cached)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return True
