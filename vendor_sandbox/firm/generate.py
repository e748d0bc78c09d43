"""Generate the synthetic firm into a store: same settings (size, seed, dirty rate), same firm.

The history ends the day before `settings.start_date`; the business clock starts at that day's
midnight. Before then the firm's systems were kept in step by an older integration, except for
the realistic imperfections seeded here (email case and whitespace, a worker PSA cannot match,
duplicate records), which `/_sandbox/truth/drift` reports like any other disagreement.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from faker import Faker

from vendor_sandbox.clock import BusinessClock, iso_offset, iso_z
from vendor_sandbox.firm import delivery, payroll, records
from vendor_sandbox.firm.dirty import seed_dirty_records
from vendor_sandbox.firm.people import PeopleFactory, Person
from vendor_sandbox.firm.reference import GustoCompany, write_reference
from vendor_sandbox.firm.spec import SIZES, seeded_uuid
from vendor_sandbox.settings import SandboxSettings
from vendor_sandbox.store import Store
from vendor_sandbox.truth.state import evaluate

HARVEST_USER_ID_BASE = 3_000_000
NS_EMPLOYEE_ID_BASE = 5_000
GUSTO_EVENT_RETENTION_DAYS = 30


def generate_firm(store: Store, settings: SandboxSettings) -> None:
    """Write a whole firm into an empty store and start its business clock."""
    spec = SIZES[settings.size]
    rng = random.Random(settings.seed)
    start = settings.start_date
    origin = start - timedelta(days=spec.history_days + 1)
    origin_stamp = iso_z(BusinessClock.day_start(origin))
    conn = store.connection()
    # A crash mid-generation leaves a file that is regenerated anyway: skip fsyncs until done.
    conn.execute("pragma synchronous=off")
    with store.transaction():
        companies = write_reference(conn, rng, origin_stamp)
        factory = PeopleFactory(rng, settings.seed, spec, start)
        people = factory.initial_staff()
        write_people(conn, rng, people, companies, start)
        fake = Faker("en_US")
        fake.seed_instance(settings.seed + 7)
        projects = delivery.write_projects(conn, rng, fake, spec, start, origin_stamp)
        staffing = delivery.write_staffing(conn, rng, people, projects, start, origin_stamp)
        leave = delivery.write_leave(conn, rng, people, spec, start, origin_stamp)
        delivery.write_bookings(conn, rng, people, staffing, leave, start, origin_stamp)
        with indexes_built_after(conn, ("harvest_time_entries", "ns_transactionline")):
            delivery.write_time_entries(conn, rng, people, staffing, leave, spec, start)
            delivery.write_labour_postings(conn, start)
        write_payrolls(conn, rng, people, companies, spec.history_days, start)
        write_recent_events(conn, rng, people, companies, start)
        if settings.dirty_rate > 0:
            seed_dirty_records(conn, rng, settings.dirty_rate, start)
        store.set_meta(conn, "size", settings.size)
        store.set_meta(conn, "seed", str(settings.seed))
        store.set_meta(conn, "dirty_rate", str(settings.dirty_rate))
        store.set_meta(conn, "start_date", start.isoformat())
        store.set_meta(conn, "next_person_index", str(len(people)))
        store.set_meta(conn, "rng_state", str(rng.getrandbits(64)))
        BusinessClock(store).set(conn, BusinessClock.day_start(start))
        store.set_meta(conn, "generated", "1")
    with store.transaction():
        evaluate(conn, BusinessClock.day_start(start), first_cause="seeded")
    conn.execute("pragma synchronous=normal")


@contextmanager
def indexes_built_after(conn: sqlite3.Connection, tables: tuple[str, ...]) -> Iterator[None]:
    """Drop the tables' secondary indexes during a bulk load and build them after it.

    Building an index once over loaded rows is several times cheaper than maintaining it
    across half a million random-order inserts.
    """
    marks = ",".join("?" * len(tables))
    saved = conn.execute(
        f"select name, sql from sqlite_master where type = 'index' and sql is not null "
        f"and tbl_name in ({marks})",
        tables,
    ).fetchall()
    for name, _ in saved:
        conn.execute(f'drop index "{name}"')
    yield
    for _, sql in saved:
        conn.execute(sql)


def write_people(
    conn: sqlite3.Connection,
    rng: random.Random,
    people: list[Person],
    companies: dict[str, GustoCompany],
    start: date,
) -> None:
    """Each person in HCM, ERP, payroll, and (billable people) PSA, with seeded imperfections."""
    ns_of_hcm: dict[int, int] = {}
    gusto_of_hcm: dict[int, str] = {}
    for person in people:
        person.netsuite_id = NS_EMPLOYEE_ID_BASE + person.index
        person.gusto_uuid = seeded_uuid(rng)
        person.gusto_job_uuid = seeded_uuid(rng)
        person.gusto_compensation_uuid = seeded_uuid(rng)
        ns_of_hcm[person.hcm_id] = person.netsuite_id
        gusto_of_hcm[person.hcm_id] = person.gusto_uuid
    unmatched = set(rng.sample(range(1, len(people)), k=max(1, len(people) // 100)))
    ns_duplicates = set(rng.sample(range(1, len(people)), k=max(1, len(people) // 150)))
    gusto_duplicates = set(rng.sample(range(1, len(people)), k=max(1, len(people) // 150)))
    for person in people:
        hired = max(person.hire_date, start - timedelta(days=3650))
        created = iso_z(BusinessClock.at(hired, 9))
        changed_day = person.termination_date or person.transfer_date or hired
        changed = iso_z(BusinessClock.at(changed_day, 9))
        records.hcm_employee(
            conn,
            person,
            iso_offset(BusinessClock.at(hired, 9)),
            iso_offset(BusinessClock.at(changed_day, 9)),
        )
        if person.billable:
            person.harvest_user_id = HARVEST_USER_ID_BASE + person.index
            email = messy_email(rng, person.email)
            if person.index in unmatched:
                # A PSA user whose email nobody fixed: crosswalk cannot match it to HCM.
                local, domain = person.email.split("@")
                email = f"{local[::-1]}.old@{domain}"
            records.harvest_user(conn, person, person.harvest_user_id, email, created, changed)
        supervisor_ns = ns_of_hcm.get(person.supervisor_hcm_id or -1)
        records.netsuite_employee(
            conn,
            person,
            person.netsuite_id,
            supervisor_ns,
            created,
            changed,
            externalid=str(person.hcm_id),
        )
        if person.index in ns_duplicates:
            # A second ERP record keyed by hand years ago: no external id, same email.
            records.netsuite_employee(
                conn,
                person,
                90_000 + person.index,
                supervisor_ns,
                created,
                created,
                externalid=None,
                email=person.email.upper(),
                inactive=True,
            )
        company = companies[person.entity.code]
        terminated = person.termination_date is not None
        records.gusto_employee(
            conn,
            person,
            uuid=person.gusto_uuid,
            job_uuid=person.gusto_job_uuid,
            compensation_uuid=person.gusto_compensation_uuid,
            company_uuid=company.uuid,
            department_uuid=company.departments.get(person.department),
            location_uuid=company.locations.get(person.location),
            manager_uuid=gusto_of_hcm.get(person.supervisor_hcm_id or -1),
            employee_code=person.employee_number if rng.random() > 0.03 else None,
            email=messy_email(rng, person.email),
            terminated=terminated,
            created=created,
            changed=changed,
        )
        if terminated:
            termination_uuid = seeded_uuid(rng)
            conn.execute(
                "insert into gusto_terminations (uuid, employee_uuid, effective_date, active, "
                "version) values (?,?,?,1,?)",
                (
                    termination_uuid,
                    person.gusto_uuid,
                    person.termination_date.isoformat(),
                    records.version_of(termination_uuid, 1),
                ),
            )
        if person.index in gusto_duplicates:
            # A rehire keyed as a new employee: same employee code, old record terminated.
            twin = seeded_uuid(rng)
            records.gusto_employee(
                conn,
                person,
                uuid=twin,
                job_uuid=seeded_uuid(rng),
                compensation_uuid=seeded_uuid(rng),
                company_uuid=company.uuid,
                department_uuid=company.departments.get(person.department),
                location_uuid=None,
                manager_uuid=None,
                employee_code=person.employee_number,
                email=person.email,
                terminated=True,
                created=created,
                changed=created,
            )
        conn.execute(
            "insert into firm_person (person_id, hcm_id, harvest_user_id, netsuite_employee_id, "
            "gusto_employee_uuid, entity_code, is_billable, is_hourly) values (?,?,?,?,?,?,?,?)",
            (
                person.index,
                person.hcm_id,
                person.harvest_user_id,
                person.netsuite_id,
                person.gusto_uuid,
                person.entity.code,
                int(person.billable),
                int(person.pay_type == "Hourly"),
            ),
        )


def messy_email(rng: random.Random, email: str) -> str:
    """The work email as another system keyed it: now and then in other case or with spaces."""
    roll = rng.random()
    if roll < 0.04:
        return email.title()
    if roll < 0.07:
        return f" {email} "
    return email


def write_payrolls(
    conn: sqlite3.Connection,
    rng: random.Random,
    people: list[Person],
    companies: dict[str, GustoCompany],
    history_days: int,
    start: date,
) -> None:
    """Every pay run processed in the history; journals for those approved a week ago or more."""
    since = start - timedelta(days=history_days)
    # One pass over the time entries instead of one range scan per pay run.
    conn.execute("drop table if exists temp.approved_daily")
    conn.execute(
        "create temp table approved_daily as select user_id, spent_date, 1 as is_closed, "
        "sum(hours) as hours from harvest_time_entries where is_closed = 1 "
        "group by user_id, spent_date"
    )
    conn.execute("create index temp.ix_approved_daily on approved_daily (spent_date)")
    for company in companies.values():
        frequency = conn.execute(
            "select frequency from gusto_pay_schedules where uuid = ?",
            (company.pay_schedule_uuid,),
        ).fetchone()[0]
        for period in payroll.periods_processed_between(frequency, since, start):
            payroll_uuid = payroll.run_payroll(
                conn,
                rng,
                company,
                period,
                payroll.payees_for(people, company, period),
                hours_table="temp.approved_daily",
            )
            if period.processed_date <= start - timedelta(days=7):
                payroll.post_payroll_journal(
                    conn, payroll_uuid, period.processed_date + timedelta(days=2)
                )
    conn.execute("drop table temp.approved_daily")


def write_recent_events(
    conn: sqlite3.Connection,
    rng: random.Random,
    people: list[Person],
    companies: dict[str, GustoCompany],
    start: date,
) -> None:
    """Gusto's change feed for the last 30 days: hires, terminations and processed payrolls."""
    since = start - timedelta(days=GUSTO_EVENT_RETENTION_DAYS)
    events: list[tuple[int, str, str, str, str, str, str, str]] = []
    for person in people:
        company = companies[person.entity.code].uuid
        if since <= person.hire_date < start:
            moment = int(BusinessClock.at(person.hire_date, 9).timestamp())
            events.append(
                (
                    moment,
                    company,
                    "employee.created",
                    "Company",
                    company,
                    "Employee",
                    person.gusto_uuid or "",
                    "",
                )
            )
        if person.termination_date and since <= person.termination_date < start:
            moment = int(BusinessClock.at(person.termination_date, 9).timestamp())
            events.append(
                (
                    moment,
                    company,
                    "employee.terminated",
                    "Company",
                    company,
                    "Employee",
                    person.gusto_uuid or "",
                    "",
                )
            )
    for row in conn.execute(
        "select uuid, company_uuid, processed_date from gusto_payrolls where processed_date >= ?",
        (since.isoformat(),),
    ).fetchall():
        moment = int(BusinessClock.at(date.fromisoformat(row[2]), 14).timestamp())
        events.append(
            (moment, row[1], "payroll.processed", "Company", row[1], "Payroll", row[0], "")
        )
    events.sort()
    conn.executemany(
        "insert into gusto_events (uuid, company_uuid, event_type, resource_type, resource_uuid, "
        "entity_type, entity_uuid, timestamp) values (?,?,?,?,?,?,?,?)",
        [
            (seeded_uuid(rng), company, kind, rtype, ruuid, etype, euuid, moment)
            for moment, company, kind, rtype, ruuid, etype, euuid, _ in events
        ],
    )
