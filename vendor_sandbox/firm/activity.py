"""A business day of the firm: what `POST /_sandbox/advance` makes happen, day by day.

Business events land in the system that owns them first (a hire in HCM, a new project in ERP, a
booking in PSA, a pay run in payroll); the other systems learn of them only through crosswalk.
On top, the day injects drift that no business event explains (a PSA user reactivated behind
HR's back, a mis-posted journal line...), each recorded in `sandbox_injection`. The amounts scale
with the firm, and every kind happens at least once a day so `advance?days=1` shows them all.
"""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import orjson

from vendor_sandbox.bamboohr.backend import employee_changed
from vendor_sandbox.catalog import DEPARTMENTS
from vendor_sandbox.clock import BusinessClock, iso_offset, iso_z
from vendor_sandbox.firm import hcm_changes, payroll, records
from vendor_sandbox.firm.delivery import APPROVED_REASON, TIME_ENTRY_INSERT
from vendor_sandbox.firm.injections import DriftInjector
from vendor_sandbox.firm.people import PeopleFactory
from vendor_sandbox.firm.spec import SIZES
from vendor_sandbox.gusto.backend import record_event
from vendor_sandbox.store import Store


@dataclass
class DayReport:
    """What one simulated day did, by kind of activity and of injected drift."""

    day: str
    activity: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)


class Simulator:
    """Plays business days against the store, deterministically for a seed and a day."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.seed = int(store.get_meta("seed") or 0)
        self.size = store.get_meta("size") or "small"
        self.spec = SIZES[self.size]
        self.scale = max(1, round(self.spec.workers / 400))
        self.injector = DriftInjector()

    def play_day(self, conn: sqlite3.Connection, day: date) -> DayReport:
        rng = random.Random(f"{self.seed}:{day.isoformat()}")
        report = DayReport(day=day.isoformat())
        self.approve_time(conn, day, report)
        if day.weekday() < 5:
            self.log_time(conn, rng, day, report)
        for _ in range(self.scale):
            self.hire(conn, rng, day, report)
            self.terminate(conn, rng, day, report)
            self.transfer(conn, rng, day, report)
            self.approve_leave_over_booking(conn, rng, day, report)
            self.open_project(conn, rng, day, report)
            self.close_project(conn, rng, day, report)
            self.book(conn, rng, day, report)
        self.run_payrolls(conn, rng, day, report)
        for _ in range(self.scale):
            self.injector.inject_all(conn, rng, day, report.injected)
        return report

    # Business events -------------------------------------------------------------------------

    def approve_time(self, conn: sqlite3.Connection, day: date, report: DayReport) -> None:
        """Managers approve every open entry logged before today (at 10:00)."""
        cursor = conn.execute(
            "update harvest_time_entries set is_closed = 1, is_locked = 1, locked_reason = ?, "
            "updated_at = ? where is_closed = 0 and spent_date < ? and hours > 0 "
            "and id < 1900000000",
            (APPROVED_REASON, iso_z(BusinessClock.at(day, 10)), day.isoformat()),
        )
        report.activity["time_entries_approved"] += cursor.rowcount

    def log_time(
        self, conn: sqlite3.Connection, rng: random.Random, day: date, report: DayReport
    ) -> None:
        """Active PSA users log about eight hours across the open projects they are on."""
        rows = conn.execute(
            "select u.id as user_id, u.cost_rate, u.default_hourly_rate, a.id as ua_id, "
            "p.id as project_id, p.client_id from harvest_users u "
            "join harvest_user_assignments a on a.user_id = u.id and a.is_active = 1 "
            "join harvest_projects p on p.id = a.project_id and p.is_active = 1 "
            "where u.is_active = 1 order by u.id, a.id"
        ).fetchall()
        tasks: dict[int, list[tuple[int, int, int]]] = {}
        for ta in conn.execute(
            "select project_id, id, task_id, billable from harvest_task_assignments "
            "where is_active = 1 order by id"
        ):
            tasks.setdefault(ta[0], []).append((ta[1], ta[2], ta[3]))
        on_leave = {
            r[0]
            for r in conn.execute(
                "select u.id from harvest_users u join bamboohr_employees e "
                "on lower(trim(e.workEmail)) = lower(trim(u.email)) "
                "join bamboohr_time_off_requests t on t.employeeId = e.id "
                "where t.status = 'approved' and t.start <= ? and t.\"end\" >= ?",
                (day.isoformat(), day.isoformat()),
            )
        }
        by_user: dict[int, list[sqlite3.Row]] = {}
        for row in rows:
            if row["user_id"] not in on_leave and tasks.get(row["project_id"]):
                by_user.setdefault(row["user_id"], []).append(row)
        next_id = conn.execute(
            "select coalesce(max(id), 1000000000) + 1 from harvest_time_entries "
            "where id < 1900000000"
        ).fetchone()[0]
        stamp = iso_z(BusinessClock.at(day, 17.5))
        batch = []
        for user_id, assignments in by_user.items():
            total = rng.choice((7.5, 8.0, 8.0, 8.5))
            picks = rng.sample(assignments, k=min(len(assignments), rng.choice((1, 2))))
            share = round(total / len(picks) * 4) / 4
            for a in picks:
                ta_id, task_id, billable = rng.choice(tasks[a["project_id"]])
                batch.append(
                    (
                        next_id,
                        day.isoformat(),
                        user_id,
                        a["ua_id"],
                        a["client_id"],
                        a["project_id"],
                        task_id,
                        ta_id,
                        None,
                        share,
                        share,
                        None,
                        0,
                        None,
                        0,
                        0,
                        billable,
                        1,
                        a["default_hourly_rate"] if billable else None,
                        a["cost_rate"],
                        stamp,
                        stamp,
                    )
                )
                next_id += 1
        conn.executemany(TIME_ENTRY_INSERT, batch)
        report.activity["time_entries_logged"] += len(batch)

    def hire(
        self, conn: sqlite3.Connection, rng: random.Random, day: date, report: DayReport
    ) -> None:
        """A new billable worker in HCM only; PSA, ERP and payroll learn of it via crosswalk."""
        index = int(self.store.get_meta("next_person_index") or "0")
        self.store.set_meta(conn, "next_person_index", str(index + 1))
        factory = PeopleFactory(rng, self.seed + index, self.spec, day)
        factory._next_index = index
        taken = {r[0] for r in conn.execute("select lower(workEmail) from bamboohr_employees")}
        factory._emails = taken
        person = factory.new_person(hire_date=day, billable=True)
        managers = [
            r[0]
            for r in conn.execute(
                "select id from bamboohr_employees where status = 'Active' and department = ? "
                "and customLaborCategory in ('LC-MGR', 'LC-DIR') order by id",
                (person.department,),
            )
        ]
        person.supervisor_hcm_id = rng.choice(managers) if managers else 100
        stamp = iso_offset(BusinessClock.at(day, 9))
        records.hcm_employee(conn, person, stamp, stamp)
        employee_changed(
            conn,
            employee_id=person.hcm_id,
            action="Created",
            changed_fields=["status", "department", "workEmail"],
            now=iso_offset(BusinessClock.at(day, 9)),
        )
        report.activity["hires"] += 1

    def terminate(
        self, conn: sqlite3.Connection, rng: random.Random, day: date, report: DayReport
    ) -> None:
        """A leaver in HCM, preferably one with bookings beyond today (they must be released)."""
        candidates = conn.execute(
            "select distinct e.id from bamboohr_employees e join harvest_users u "
            "on lower(trim(u.email)) = lower(trim(e.workEmail)) "
            "join forecast_assignments b on b.person_id = u.id and b.end_date > ? "
            "where e.status = 'Active' and e.id > 100 and e.deletedAt is null order by e.id",
            (day.isoformat(),),
        ).fetchall()
        if not candidates:
            return
        hcm_id = rng.choice(candidates)[0]
        hcm_changes.terminate(conn, hcm_id, day, day)
        report.activity["terminations"] += 1

    def transfer(
        self, conn: sqlite3.Connection, rng: random.Random, day: date, report: DayReport
    ) -> None:
        """A worker moves department in HCM (a new cost center ERP does not know yet)."""
        row = hcm_changes.random_active(
            conn,
            rng,
            "customBillable = 'Yes' and department in (select value from json_each(?))",
            (_billable_department_names(),),
        )
        if row is None:
            return
        others = [d.name for d in DEPARTMENTS if d.billable and d.name != row["department"]]
        hcm_changes.move(conn, row["id"], rng.choice(others), day)
        report.activity["transfers"] += 1

    def approve_leave_over_booking(
        self, conn: sqlite3.Connection, rng: random.Random, day: date, report: DayReport
    ) -> None:
        """HR approves leave that overlaps a booking the PM has not moved yet."""
        rows = conn.execute(
            "select e.id, b.start_date, b.end_date from forecast_assignments b "
            "join harvest_users u on u.id = b.person_id "
            "join bamboohr_employees e on lower(trim(e.workEmail)) = lower(trim(u.email)) "
            "where e.status = 'Active' and b.end_date > ? order by b.id",
            ((day + timedelta(days=3)).isoformat(),),
        ).fetchall()
        if not rows:
            return
        hcm_id, _, end = rng.choice(rows)
        first = day + timedelta(days=rng.randrange(2, 4))
        last = min(date.fromisoformat(end), first + timedelta(days=rng.choice((0, 1, 4))))
        stamp = iso_offset(BusinessClock.at(day, 13))
        conn.execute(
            'insert into bamboohr_time_off_requests (employeeId, status, start, "end", type, '
            "amount_days, created, lastChanged) values (?,?,?,?,?,?,?,?)",
            (
                hcm_id,
                "approved",
                first.isoformat(),
                last.isoformat(),
                "Vacation",
                float((last - first).days + 1),
                stamp,
                stamp,
            ),
        )
        report.activity["leave_approved"] += 1

    def open_project(
        self, conn: sqlite3.Connection, rng: random.Random, day: date, report: DayReport
    ) -> None:
        """Finance opens a new project in ERP; PSA has no charge codes for it yet."""
        customer = rng.choice(
            conn.execute(
                "select id, companyname, subsidiary from ns_customer where id > 2000 order by id"
            ).fetchall()
        )
        n = conn.execute("select count(*) from ns_job").fetchone()[0]
        code = f"P-{20000 + n}"
        stamp = iso_z(BusinessClock.at(day, 14))
        conn.execute(
            "insert into ns_job (entityid, companyname, parent, subsidiary, entitystatus, "
            "jobbillingtype, startdate, projectedenddate, enddate, externalid, isinactive, "
            "datecreated, lastmodifieddate) values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                code,
                f"{customer['companyname'].split(' ')[0]} Engagement {n}",
                customer["id"],
                customer["subsidiary"],
                "In Progress",
                rng.choice(("TM", "TM", "FF")),
                day.isoformat(),
                (day + timedelta(days=180)).isoformat(),
                None,
                None,
                "F",
                stamp,
                stamp,
            ),
        )
        report.activity["projects_opened"] += 1

    def close_project(
        self, conn: sqlite3.Connection, rng: random.Random, day: date, report: DayReport
    ) -> None:
        """Finance closes a finished project in ERP; PSA still has it open."""
        rows = conn.execute(
            "select j.id from ns_job j join harvest_projects p on p.code = j.entityid "
            "where j.entitystatus = 'In Progress' and p.is_active = 1 and j.jobbillingtype != 'NB' "
            "order by j.id"
        ).fetchall()
        if len(rows) < 5:
            return
        conn.execute(
            "update ns_job set entitystatus = 'Closed', enddate = ?, lastmodifieddate = ? "
            "where id = ?",
            (day.isoformat(), iso_z(BusinessClock.at(day, 15)), rng.choice(rows)[0]),
        )
        report.activity["projects_closed"] += 1

    def book(
        self, conn: sqlite3.Connection, rng: random.Random, day: date, report: DayReport
    ) -> None:
        """A PM books someone on a project for the coming weeks (ERP allocation not yet made)."""
        row = conn.execute(
            "select a.user_id, a.project_id from harvest_user_assignments a "
            "join harvest_users u on u.id = a.user_id and u.is_active = 1 "
            "join harvest_projects p on p.id = a.project_id and p.is_active = 1 "
            "where a.is_active = 1 order by a.id limit 1 offset ?",
            (rng.randrange(50),),
        ).fetchone()
        if row is None:
            return
        start = day + timedelta(days=rng.randrange(7, 21))
        stamp = iso_z(BusinessClock.at(day, 16))
        conn.execute(
            "insert into forecast_assignments (project_id, person_id, start_date, end_date, "
            "allocation, notes, created_at, updated_at) values (?,?,?,?,?,?,?,?)",
            (
                row["project_id"],
                row["user_id"],
                start.isoformat(),
                (start + timedelta(days=rng.choice((13, 27, 41)))).isoformat(),
                rng.choice((14400, 28800)),
                None,
                stamp,
                stamp,
            ),
        )
        report.activity["bookings"] += 1

    def run_payrolls(
        self, conn: sqlite3.Connection, rng: random.Random, day: date, report: DayReport
    ) -> None:
        """Payroll processes each schedule's period on its processing day."""
        for company in conn.execute(
            "select c.uuid, c.entity_code, s.uuid as schedule, s.frequency from gusto_companies c "
            "join gusto_pay_schedules s on s.company_uuid = c.uuid order by c.uuid"
        ).fetchall():
            for period in payroll.periods_processed_between(
                company["frequency"], day, day + timedelta(days=1)
            ):
                payees = [
                    (
                        r["uuid"],
                        "Hourly" if r["payment_unit"] == "Hour" else "Salary",
                        float(r["rate"]),
                        float(r["rate"]),
                        r["harvest_user_id"],
                    )
                    for r in conn.execute(
                        PAYEES_SQL,
                        {
                            "company": company["uuid"],
                            "start": period.start.isoformat(),
                            "end": period.end.isoformat(),
                        },
                    )
                ]
                target = payroll_company(company)
                payroll_uuid = payroll.run_payroll(conn, rng, target, period, payees)
                record_event(
                    conn,
                    company_uuid=company["uuid"],
                    event_type="payroll.processed",
                    resource_type="Company",
                    resource_uuid=company["uuid"],
                    entity_type="Payroll",
                    entity_uuid=payroll_uuid,
                    now=int(BusinessClock.at(day, 14).timestamp()),
                )
                report.activity["payrolls_processed"] += 1


PAYEES_SQL = """
    select g.uuid, j.payment_unit, j.rate,
        coalesce(fp.harvest_user_id, (
            select u.id from harvest_users u
            where lower(trim(u.email)) = lower(trim(coalesce(g.work_email, g.email)))
        )) as harvest_user_id
    from gusto_employees g
    join gusto_jobs j on j.employee_uuid = g.uuid and j."primary" = 1
    left join firm_person fp on fp.gusto_employee_uuid = g.uuid
    left join gusto_terminations t on t.employee_uuid = g.uuid and t.active = 1
    where g.company_uuid = :company and g.hired_at <= :end
        and (g.terminated = 0 or t.effective_date >= :start)
    order by g.uuid
"""


def payroll_company(row: sqlite3.Row) -> payroll.GustoCompany:
    return payroll.GustoCompany(
        uuid=row["uuid"], entity_code=row["entity_code"], pay_schedule_uuid=row["schedule"]
    )


def _billable_department_names() -> str:
    return orjson.dumps([d.name for d in DEPARTMENTS if d.billable]).decode()
