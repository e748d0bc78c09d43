"""Deliberately bad records (`--dirty RATE`), each listed with its defect in `sandbox_dirty`.

They are extra records beside the clean firm, so quarantining them loses no real fact: time
entries with impossible hours or dates, references to nothing, hostile strings; time-off
requests that end before they start or have an unknown type. Truth detectors ignore them, as
crosswalk's canonical layer must.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta

from vendor_sandbox.clock import BusinessClock, iso_offset

HOSTILE_NOTES = (
    "Robert'); DROP TABLE time_entries;--",
    "<script>alert('x')</script>",
    "line\x00break\x1b[31m",
    "\u202eevil\u202c" + "A" * 5000,
    '{"injected": true}',
)
DIRTY_ENTRY_BASE = 1_900_000_000
DIRTY_LEAVE_BASE = 900_000


def seed_dirty_records(
    conn: sqlite3.Connection, rng: random.Random, rate: float, start: date
) -> int:
    """Add about `rate` x (clean time entries) bad records; returns how many."""
    clean = conn.execute("select count(*) from harvest_time_entries").fetchone()[0]
    wanted = max(5, round(clean * rate))
    templates = conn.execute(
        "select * from harvest_time_entries order by id limit ?", (wanted,)
    ).fetchall()
    defects = ("negative_hours", "hours_over_24", "invalid_date", "unknown_user", "hostile_notes")
    dirty_rows, truth = [], []
    for n, template in enumerate(templates):
        defect = defects[n % len(defects)]
        row = dict(template)
        row["id"] = DIRTY_ENTRY_BASE + n
        if defect == "negative_hours":
            row["hours"] = row["rounded_hours"] = -rng.choice((1.0, 2.5, 8.0))
        elif defect == "hours_over_24":
            row["hours"] = row["rounded_hours"] = rng.choice((24.5, 30.0, 99.0))
        elif defect == "invalid_date":
            row["spent_date"] = rng.choice(("2026-02-30", "2025-13-01", "0000-00-00"))
        elif defect == "unknown_user":
            row["user_id"] = 2_999_999
        else:
            row["notes"] = rng.choice(HOSTILE_NOTES)
        dirty_rows.append(row)
        truth.append(("harvest", "time_entries", str(row["id"]), defect))
    if dirty_rows:
        columns = list(dirty_rows[0])
        conn.executemany(
            f"insert into harvest_time_entries ({', '.join(columns)}) "
            f"values ({', '.join(':' + c for c in columns)})",
            dirty_rows,
        )
    employees = [r[0] for r in conn.execute("select id from bamboohr_employees limit 50")]
    stamp = iso_offset(BusinessClock.day_start(start - timedelta(days=1)))
    for n in range(max(2, wanted // 10)):
        leave_id = DIRTY_LEAVE_BASE + n
        first = start - timedelta(days=rng.randrange(1, 60))
        if n % 2 == 0:
            values = (first.isoformat(), (first - timedelta(days=3)).isoformat(), "Vacation")
            defect = "ends_before_start"
        else:
            values = (first.isoformat(), first.isoformat(), "Moonlighting")
            defect = "unknown_type"
        conn.execute(
            'insert into bamboohr_time_off_requests (id, employeeId, status, start, "end", type, '
            "amount_days, created, lastChanged) values (?,?,?,?,?,?,?,?,?)",
            (leave_id, rng.choice(employees), "approved", *values, 1.0, stamp, stamp),
        )
        truth.append(("bamboohr", "time_off_requests", str(leave_id), defect))
    conn.executemany(
        "insert into sandbox_dirty (system, entity, remote_id, defect) values (?,?,?,?)", truth
    )
    return len(truth)
