"""Reference data every system holds: entities, departments, classes, accounts, tasks, companies."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, field

from vendor_sandbox.catalog import (
    ACCOUNTS,
    DEPARTMENTS,
    LABOR_CATEGORIES,
    LEGAL_ENTITIES,
    LOCATIONS,
    TASKS,
)
from vendor_sandbox.firm.records import version_of
from vendor_sandbox.firm.spec import seeded_uuid

# Refresh-token fixtures of the three Gusto companies (documented in docs/sandbox.md).
GUSTO_REFRESH_TOKENS = {
    "ACME-US": "sandbox-refresh",
    "ACME-UK": "sandbox-refresh-uk",
    "ACME-DE": "sandbox-refresh-de",
}
HARVEST_TASK_ID_BASE = 8_000_000
LOCATION_STATES = {
    "New York": "NY",
    "Boston": "MA",
    "London": "LND",
    "Berlin": "BE",
    "Munich": "BY",
}


@dataclass
class GustoCompany:
    uuid: str
    entity_code: str
    pay_schedule_uuid: str
    departments: dict[str, str] = field(default_factory=dict)  # department name -> uuid
    locations: dict[str, str] = field(default_factory=dict)  # location name -> uuid


def write_reference(
    conn: sqlite3.Connection, rng: random.Random, stamp: str
) -> dict[str, GustoCompany]:
    """Write the reference records of all four systems; return the Gusto companies by entity."""
    for e in LEGAL_ENTITIES:
        conn.execute(
            "insert into ns_subsidiary (id, name, country, currency, externalid, "
            "lastmodifieddate) values (?,?,?,?,?,?)",
            (e.subsidiary_id, e.name, e.country, e.currency, None, stamp),
        )
    for d in DEPARTMENTS:
        conn.execute(
            "insert into ns_department (id, name, externalid, subsidiary, lastmodifieddate) "
            "values (?,?,?,?,?)",
            (d.erp_department_id, d.erp_name, None, None, stamp),
        )
    for c in LABOR_CATEGORIES:
        conn.execute(
            "insert into ns_classification (id, name, externalid, lastmodifieddate) "
            "values (?,?,?,?)",
            (c.erp_class_id, c.title, None, stamp),
        )
    entity_of_location = {loc: e for e in LEGAL_ENTITIES for loc in e.locations}
    for name, loc_id in LOCATIONS.items():
        e = entity_of_location[name]
        conn.execute(
            "insert into ns_location (id, name, externalid, subsidiary, country, "
            "lastmodifieddate) values (?,?,?,?,?,?)",
            (loc_id, name, None, e.subsidiary_id, e.country, stamp),
        )
    for acct_id, number, name, kind in ACCOUNTS:
        conn.execute(
            "insert into ns_account (id, acctnumber, fullname, accttype, lastmodifieddate) "
            "values (?,?,?,?,?)",
            (acct_id, number, name, kind, stamp),
        )
    for i, task in enumerate(TASKS):
        conn.execute(
            "insert into harvest_tasks (id, name, billable_by_default, default_hourly_rate, "
            "is_default, is_active, created_at, updated_at) values (?,?,?,?,?,1,?,?)",
            (
                HARVEST_TASK_ID_BASE + i,
                task.name,
                int(task.billable),
                None,
                int(i < 2),
                stamp,
                stamp,
            ),
        )
    companies: dict[str, GustoCompany] = {}
    for e in LEGAL_ENTITIES:
        company = GustoCompany(
            uuid=seeded_uuid(rng), entity_code=e.code, pay_schedule_uuid=seeded_uuid(rng)
        )
        conn.execute(
            "insert into gusto_companies (uuid, name, entity_code, refresh_token, currency) "
            "values (?,?,?,?,?)",
            (company.uuid, e.name, e.code, GUSTO_REFRESH_TOKENS[e.code], e.currency),
        )
        conn.execute(
            "insert into gusto_pay_schedules (uuid, company_uuid, frequency, anchor_pay_date, "
            "name, version) values (?,?,?,?,?,?)",
            (
                company.pay_schedule_uuid,
                company.uuid,
                e.pay_frequency,
                "2025-01-10",
                f"{e.pay_frequency} - {e.code}",
                version_of(company.pay_schedule_uuid, 1),
            ),
        )
        for d in DEPARTMENTS:
            dept_uuid = seeded_uuid(rng)
            company.departments[d.name] = dept_uuid
            conn.execute(
                "insert into gusto_departments (uuid, company_uuid, title, version) "
                "values (?,?,?,?)",
                (dept_uuid, company.uuid, d.name, version_of(dept_uuid, 1)),
            )
        for loc in e.locations:
            loc_uuid = seeded_uuid(rng)
            company.locations[loc] = loc_uuid
            conn.execute(
                "insert into gusto_locations (uuid, company_uuid, street_1, city, state, zip, "
                "country, version, created_at, updated_at) values (?,?,?,?,?,?,?,?,?,?)",
                (
                    loc_uuid,
                    company.uuid,
                    f"{rng.randint(1, 999)} Main Street",
                    loc,
                    LOCATION_STATES[loc],
                    f"{rng.randint(10000, 99999)}",
                    e.country,
                    version_of(loc_uuid, 1),
                    stamp,
                    stamp,
                ),
            )
        companies[e.code] = company
    return companies
