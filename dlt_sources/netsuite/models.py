"""Pydantic models of the NetSuite fields the canonical layer relies on (strict about types).

Rows arrive already typed by `helpers.typed`; a value that would not convert is still a string
and fails here (e.g. a decimal 'abc'), so the row is quarantined with the reason. Every typed
column of transaction lines is checked, because their valid rows become Arrow tables of a fixed
schema.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, StrictBool


class _Row(BaseModel):
    model_config = ConfigDict(extra="allow")

    source_relation: str
    id: int


class _Reference(_Row):
    name: str
    isinactive: StrictBool | None = None
    lastmodifieddate: datetime


class Subsidiary(_Reference):
    """A legal entity (subsidiary) with its currency."""

    currency: str


class Department(_Reference):
    """A department (cost center)."""

    subsidiary: int | None = None


class Classification(_Reference):
    """A class (crosswalk's labor category)."""


class Location(_Reference):
    """A location."""

    subsidiary: int | None = None


class Account(_Row):
    """A GL account."""

    acctnumber: str
    fullname: str
    accttype: str
    lastmodifieddate: datetime


class Customer(_Row):
    """A customer (client)."""

    companyname: str
    subsidiary: int | None = None
    isinactive: StrictBool | None = None
    lastmodifieddate: datetime


class Job(_Row):
    """A project (job) and its customer."""

    entityid: str
    companyname: str
    parent: int | None = None
    subsidiary: int | None = None
    entitystatus: str
    jobbillingtype: str
    startdate: date | None = None
    projectedenddate: date | None = None
    enddate: date | None = None
    lastmodifieddate: datetime


class Employee(_Row):
    """An employee record (a worker as ERP knows it)."""

    externalid: str | None = None
    firstname: str
    lastname: str
    email: str | None = None
    subsidiary: int | None = None
    department: int | None = None
    class_: int | None = Field(default=None, alias="class")
    location: int | None = None
    supervisor: int | None = None
    laborcost: Decimal | None = None
    hiredate: date | None = None
    releasedate: date | None = None
    isinactive: StrictBool | None = None
    lastmodifieddate: datetime


class ResourceAllocation(_Row):
    """A resource allocation (a booking of an employee on a project)."""

    allocationresource: int
    project: int
    startdate: date
    enddate: date
    allocationamount: Decimal
    lastmodifieddate: datetime


class Transaction(_Row):
    """A transaction header (journal)."""

    tranid: str
    type: str
    trandate: date
    subsidiary: int | None = None
    currency: str | None = None
    lastmodifieddate: datetime


class TransactionLine(BaseModel):
    """A journal line: amounts, account, employee, project and the PSA entry it posts."""

    model_config = ConfigDict(extra="allow")

    source_relation: str
    uniquekey: int
    transaction: int
    id: int
    account: int
    debit: Decimal | None = None
    credit: Decimal | None = None
    entity: int | None = None
    department: int | None = None
    class_: int | None = Field(default=None, alias="class")
    subsidiary: int | None = None
    custcol_cw_project: int | None = None
    custcol_cw_hours: Decimal | None = None
    custcol_cw_cost_rate: Decimal | None = None
    linelastmodifieddate: datetime


MODELS: dict[str, type[BaseModel]] = {
    "subsidiaries": Subsidiary,
    "departments": Department,
    "classifications": Classification,
    "locations": Location,
    "accounts": Account,
    "customers": Customer,
    "jobs": Job,
    "employees": Employee,
    "resource_allocations": ResourceAllocation,
    "transactions": Transaction,
    "transaction_lines": TransactionLine,
}
