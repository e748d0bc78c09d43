"""Drift no business event explains, injected each simulated day and logged as ground truth.

Each injector makes one disagreement of its rule (a PSA user reactivated behind HR's back, a
journal line posted at a wrong rate, ...) and records it in `sandbox_injection` with the exact
finding key the truth detectors report, so a test can hold that every injection is detected.
"""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from datetime import date, timedelta

from vendor_sandbox.catalog import UNMAPPED_DEPARTMENTS
from vendor_sandbox.clock import BusinessClock, iso_z
from vendor_sandbox.firm import hcm_changes, records
from vendor_sandbox.firm.delivery import TIME_ENTRY_INSERT
from vendor_sandbox.firm.spec import seeded_uuid


class DriftInjector:
    """Injects one drift of each kind it can on a given day."""

    def inject_all(
        self, conn: sqlite3.Connection, rng: random.Random, day: date, injected: Counter[str]
    ) -> None:
        """Try every injector once; count the ones that found something to break."""
        for name in INJECTIONS:
            if getattr(self, f"_inject_{name}")(conn, rng, day):
                injected[name] += 1

    def _record(
        self,
        conn: sqlite3.Connection,
        rule: str,
        entity_type: str,
        entity_id: str,
        systems: str,
        day: date,
        cause: str,
    ) -> bool:
        conn.execute(
            "insert into sandbox_injection (rule, entity_type, entity_id, systems, injected_at, "
            "cause) values (?,?,?,?,?,?)",
            (rule, entity_type, entity_id, systems, iso_z(BusinessClock.at(day, 18)), cause),
        )
        return True

    def _inject_worker_status_mismatch(
        self, conn: sqlite3.Connection, rng: random.Random, day: date
    ) -> bool:
        rows = conn.execute(
            "select u.id, e.id from harvest_users u join bamboohr_employees e "
            "on lower(trim(e.workEmail)) = lower(trim(u.email)) "
            "where u.is_active = 0 and e.status = 'Inactive' order by u.id"
        ).fetchall()
        if not rows:
            return False
        user_id, hcm_id = rng.choice(rows)
        conn.execute(
            "update harvest_users set is_active = 1, updated_at = ? where id = ?",
            (iso_z(BusinessClock.at(day, 18)), user_id),
        )
        return self._record(
            conn,
            "worker_status_mismatch",
            "worker",
            str(hcm_id),
            "bamboohr,harvest",
            day,
            "PSA user reactivated behind HR's back",
        )

    def _inject_orphan_target_worker(
        self, conn: sqlite3.Connection, rng: random.Random, day: date
    ) -> bool:
        user_id = conn.execute("select max(id) + 1 from harvest_users").fetchone()[0]
        stamp = iso_z(BusinessClock.at(day, 18))
        conn.execute(
            "insert into harvest_users (id, first_name, last_name, email, timezone, is_contractor, "
            "is_active, cost_rate, created_at, updated_at) values (?,?,?,?,?,1,1,?,?,?)",
            (
                user_id,
                "Temp",
                f"Contractor {user_id % 10000}",
                f"contractor{user_id}@freelance.example",
                "America/New_York",
                60.0,
                stamp,
                stamp,
            ),
        )
        return self._record(
            conn,
            "orphan_target_worker",
            "harvest_user",
            str(user_id),
            "bamboohr,harvest",
            day,
            "contractor added to PSA without HR",
        )

    def _inject_time_on_inactive_project(
        self, conn: sqlite3.Connection, rng: random.Random, day: date
    ) -> bool:
        row = conn.execute(
            "select p.id, p.client_id, ta.id, ta.task_id from ns_job j "
            "join harvest_projects p on p.code = j.entityid "
            "join harvest_task_assignments ta on ta.project_id = p.id "
            "where j.entitystatus = 'Closed' and j.enddate < ? order by p.id, ta.id limit 1",
            (day.isoformat(),),
        ).fetchone()
        user = conn.execute(
            "select id, cost_rate from harvest_users where is_active = 1 and cost_rate is not null "
            "order by id limit 1 offset ?",
            (rng.randrange(20),),
        ).fetchone()
        if row is None or user is None:
            return False
        entry_id = conn.execute(
            "select coalesce(max(id), 1000000000) + 1 from harvest_time_entries "
            "where id < 1900000000"
        ).fetchone()[0]
        stamp = iso_z(BusinessClock.at(day, 18))
        conn.execute(
            TIME_ENTRY_INSERT,
            (
                entry_id,
                day.isoformat(),
                user["id"],
                None,
                row[1],
                row[0],
                row[3],
                row[2],
                None,
                2.0,
                2.0,
                "late work",
                0,
                None,
                0,
                0,
                1,
                1,
                None,
                user["cost_rate"],
                stamp,
                stamp,
            ),
        )
        return self._record(
            conn,
            "time_on_inactive_project",
            "time_entry",
            str(entry_id),
            "netsuite,harvest",
            day,
            "time logged on a closed project",
        )

    def _inject_assignment_missing_cost_rate(
        self, conn: sqlite3.Connection, rng: random.Random, day: date
    ) -> bool:
        rows = conn.execute(
            "select distinct u.id from harvest_users u "
            "join harvest_user_assignments a on a.user_id = u.id and a.is_active = 1 "
            "join harvest_projects p on p.id = a.project_id and p.is_active = 1 "
            "where u.is_active = 1 and u.cost_rate is not null order by u.id"
        ).fetchall()
        if not rows:
            return False
        user_id = rng.choice(rows)[0]
        conn.execute(
            "update harvest_users set cost_rate = null, updated_at = ? where id = ?",
            (iso_z(BusinessClock.at(day, 18)), user_id),
        )
        for (ua_id,) in conn.execute(
            "select a.id from harvest_user_assignments a join harvest_projects p "
            "on p.id = a.project_id where a.user_id = ? and a.is_active = 1 and p.is_active = 1",
            (user_id,),
        ).fetchall():
            self._record(
                conn,
                "assignment_missing_cost_rate",
                "user_assignment",
                str(ua_id),
                "harvest",
                day,
                "cost rate removed from a staffed user",
            )
        return True

    def _inject_posting_amount_variance(
        self, conn: sqlite3.Connection, rng: random.Random, day: date
    ) -> bool:
        row = conn.execute(
            "select l.uniquekey, l.custcol_cw_time_entry from ns_transactionline l "
            "join harvest_time_entries t on cast(t.id as text) = l.custcol_cw_time_entry "
            "and t.updated_at = l.custcol_cw_entry_version "
            "where l.debit is not null order by l.uniquekey limit 1 offset ?",
            (rng.randrange(500),),
        ).fetchone()
        if row is None:
            return False
        conn.execute(
            "update ns_transactionline set debit = printf('%.2f', cast(debit as real) * 1.1 + 5), "
            "linelastmodifieddate = ? where uniquekey = ?",
            (iso_z(BusinessClock.at(day, 18)), row[0]),
        )
        return self._record(
            conn,
            "posting_amount_variance",
            "time_entry",
            row[1],
            "harvest,netsuite",
            day,
            "journal line posted at a wrong rate",
        )

    def _inject_payroll_hours_variance(
        self, conn: sqlite3.Connection, rng: random.Random, day: date
    ) -> bool:
        row = conn.execute(
            "select l.line_id, l.payroll_uuid, l.employee_uuid from gusto_pay_lines l "
            "join gusto_payrolls p on p.uuid = l.payroll_uuid "
            "where l.line_type = 'hourly' and cast(l.hours as real) > 0 "
            "order by p.end_date desc, l.line_id limit 1 offset ?",
            (rng.randrange(5),),
        ).fetchone()
        if row is None:
            return False
        conn.execute(
            "update gusto_pay_lines set hours = printf('%.2f', cast(hours as real) + 6) "
            "where line_id = ?",
            (row[0],),
        )
        return self._record(
            conn,
            "payroll_hours_variance",
            "pay_statement",
            f"{row[1]}:{row[2]}",
            "gusto,harvest",
            day,
            "payroll keyed hours that were never approved",
        )

    def _inject_payroll_population_mismatch(
        self, conn: sqlite3.Connection, rng: random.Random, day: date
    ) -> bool:
        row = conn.execute(
            "select e.id, p.start_date from gusto_payrolls p "
            "join gusto_employee_compensations s on s.payroll_uuid = p.uuid "
            "join gusto_employees g on g.uuid = s.employee_uuid "
            "join bamboohr_employees e on e.employeeNumber = g.employee_code "
            "where e.status = 'Active' and e.id > 100 and p.end_date = (select max(end_date) "
            "from gusto_payrolls q where q.company_uuid = p.company_uuid and q.processed = 1) "
            "order by e.id limit 1 offset ?",
            (rng.randrange(10),),
        ).fetchone()
        if row is None:
            return False
        effective = date.fromisoformat(row[1]) - timedelta(days=1)
        hcm_changes.terminate(conn, row[0], effective, day)
        return self._record(
            conn,
            "payroll_population_mismatch",
            "worker",
            str(row[0]),
            "bamboohr,gusto",
            day,
            "termination entered late: already paid",
        )

    def _inject_mapping_missing(
        self, conn: sqlite3.Connection, rng: random.Random, day: date
    ) -> bool:
        row = hcm_changes.random_active(conn, rng, "customBillable = 'Yes'", ())
        if row is None:
            return False
        department = rng.choice(UNMAPPED_DEPARTMENTS)
        hcm_changes.move(conn, row["id"], department, day)
        return self._record(
            conn,
            "mapping_missing",
            "department",
            department,
            "bamboohr,netsuite",
            day,
            "worker moved into an acquired unit",
        )

    def _inject_duplicate_identity(
        self, conn: sqlite3.Connection, rng: random.Random, day: date
    ) -> bool:
        row = conn.execute(
            "select g.* from gusto_employees g join bamboohr_employees e "
            "on e.employeeNumber = g.employee_code where g.terminated = 0 "
            "and e.status = 'Active' order by g.uuid limit 1 offset ?",
            (rng.randrange(30),),
        ).fetchone()
        if row is None:
            return False
        twin = dict(row)
        twin["uuid"] = seeded_uuid(rng)
        twin["email"] = twin["work_email"] = (row["email"] or "").strip().upper()
        stamp = iso_z(BusinessClock.at(day, 18))
        twin["created_at"] = twin["updated_at"] = stamp
        twin["version"] = records.version_of(twin["uuid"], 1)
        columns = ", ".join(twin)
        conn.execute(
            f"insert into gusto_employees ({columns}) values ({', '.join('?' * len(twin))})",
            tuple(twin.values()),
        )
        hcm_id = conn.execute(
            "select id from bamboohr_employees where employeeNumber = ?", (row["employee_code"],)
        ).fetchone()[0]
        return self._record(
            conn,
            "duplicate_identity",
            "worker",
            str(hcm_id),
            "gusto",
            day,
            "payroll admin keyed an existing employee again",
        )


INJECTIONS = (
    "worker_status_mismatch",
    "orphan_target_worker",
    "time_on_inactive_project",
    "assignment_missing_cost_rate",
    "posting_amount_variance",
    "payroll_hours_variance",
    "payroll_population_mismatch",
    "mapping_missing",
    "duplicate_identity",
)
