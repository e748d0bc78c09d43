"""NetSuite record types served by the Record API, and their REST <-> stored-column mapping.

The REST API speaks camelCase (`firstName`, `lastModifiedDate`) where SuiteQL and the ns_*
tables use lowercase column names (`firstname`, `lastmodifieddate`). References are objects
`{"id": "3", "refName": "...", "links": [...]}`, select fields `{"id": ..., "refName": ...}`,
booleans true/false (stored 'T'/'F'), money and quantities numbers (stored as decimal text).
Empty fields are left out of a record, as NetSuite leaves them out.

Select ids the sandbox makes up (NetSuite's are account-specific): job status 1 Pending,
2 In Progress, 3 Closed; approval status 1 Pending Approval, 2 Approved, 3 Rejected (NetSuite's
own ids); job billing types and allocation units are stored by their ids (TM, FF, NB; H, P).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Reference targets: record type -> (table, SQL for its refName).
REF_TARGETS: dict[str, tuple[str, str]] = {
    "subsidiary": ("ns_subsidiary", "name"),
    "department": ("ns_department", "name"),
    "classification": ("ns_classification", "name"),
    "location": ("ns_location", "name"),
    "account": ("ns_account", "acctnumber || ' ' || fullname"),
    "customer": ("ns_customer", "companyname"),
    "employee": ("ns_employee", "firstname || ' ' || lastname"),
    "job": ("ns_job", "entityid || ' ' || companyname"),
}


@dataclass(frozen=True)
class Field:
    """One REST field: its name, stored column and kind.

    Kinds: text, date, datetime (read-only stamps), bool ('T'/'F'), decimal (2 places, stored
    as text, served as a number), number (stored as a real), ref (to `target`), select (with
    `choices` id -> label; `stores` says whether the column keeps the id or the label), code
    (a currency code served as a reference by code).
    """

    rest: str
    column: str
    kind: str = "text"
    target: str | None = None
    choices: dict[str, str] | None = None
    stores: str = "id"
    writable: bool = True
    required: bool = False


@dataclass(frozen=True)
class RecordType:
    """A record type of the Record API and where it is stored."""

    name: str  # as the REST API spells it
    table: str
    fields: tuple[Field, ...]
    entity: str  # the write log's entity and the truth counts' key
    writable: bool = True
    id_base: int | None = None  # ids of API creates start here (apart from the firm's own)
    has_lines: bool = False
    # Columns every row of this type has fixed values in (journal entries: type 'Journal').
    fixed: tuple[tuple[str, str], ...] = ()
    by_rest: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_rest", {f.rest.lower(): f for f in self.fields})

    @property
    def url_name(self) -> str:
        return self.name.lower()


def _stamps(created: str = "datecreated") -> tuple[Field, ...]:
    return (
        Field(
            "dateCreated" if created == "datecreated" else "createdDate",
            created,
            "datetime",
            writable=False,
        ),
        Field("lastModifiedDate", "lastmodifieddate", "datetime", writable=False),
    )


JOB_STATUSES = {"1": "Pending", "2": "In Progress", "3": "Closed"}
BILLING_TYPES = {"TM": "Time and Materials", "FF": "Fixed Bid, Interval", "NB": "Non-billable"}
ALLOCATION_UNITS = {"H": "Hours", "P": "Percent of Time"}
APPROVAL_STATUSES = {"1": "Pending Approval", "2": "Approved", "3": "Rejected"}

EMPLOYEE = RecordType(
    "employee",
    "ns_employee",
    (
        Field("entityId", "entityid"),
        Field("externalId", "externalid"),
        Field("firstName", "firstname", required=True),
        Field("lastName", "lastname", required=True),
        Field("email", "email"),
        Field("title", "title"),
        Field("subsidiary", "subsidiary", "ref", "subsidiary", required=True),
        Field("department", "department", "ref", "department"),
        Field("class", "class", "ref", "classification"),
        Field("location", "location", "ref", "location"),
        Field("supervisor", "supervisor", "ref", "employee"),
        Field("laborCost", "laborcost", "decimal"),
        Field("hireDate", "hiredate", "date"),
        Field("releaseDate", "releasedate", "date"),
        Field("isInactive", "isinactive", "bool"),
        *_stamps(),
    ),
    "employees",
    id_base=200_000,
)
JOB = RecordType(
    "job",
    "ns_job",
    (
        Field("entityId", "entityid", required=True),
        Field("companyName", "companyname", required=True),
        Field("parent", "parent", "ref", "customer", required=True),
        Field("subsidiary", "subsidiary", "ref", "subsidiary"),
        Field(
            "entityStatus",
            "entitystatus",
            "select",
            choices=JOB_STATUSES,
            stores="label",
            required=True,
        ),
        Field("jobBillingType", "jobbillingtype", "select", choices=BILLING_TYPES, required=True),
        Field("startDate", "startdate", "date"),
        Field("projectedEndDate", "projectedenddate", "date"),
        Field("endDate", "enddate", "date"),
        Field("isInactive", "isinactive", "bool"),
        Field("externalId", "externalid"),
        *_stamps(),
    ),
    "jobs",
    id_base=60_000,
)
RESOURCE_ALLOCATION = RecordType(
    "resourceAllocation",
    "ns_resourceallocation",
    (
        Field("allocationResource", "allocationresource", "ref", "employee", required=True),
        Field("project", "project", "ref", "job", required=True),
        Field("startDate", "startdate", "date", required=True),
        Field("endDate", "enddate", "date", required=True),
        Field("allocationAmount", "allocationamount", "number", required=True),
        Field("allocationUnit", "allocationunit", "select", choices=ALLOCATION_UNITS),
        Field("externalId", "externalid"),
        *_stamps(),
    ),
    "resource_allocations",
)
JOURNAL_ENTRY = RecordType(
    "journalEntry",
    "ns_transaction",
    (
        Field("tranId", "tranid"),
        Field("tranDate", "trandate", "date", required=True),
        Field("subsidiary", "subsidiary", "ref", "subsidiary", required=True),
        Field("currency", "currency", "code"),
        Field("memo", "memo"),
        Field("externalId", "externalid"),
        Field(
            "approvalStatus", "approvalstatus", "select", choices=APPROVAL_STATUSES, stores="label"
        ),
        *_stamps("createddate"),
    ),
    "transactions",
    has_lines=True,
    fixed=(("type", "Journal"),),
)
LINE_FIELDS: tuple[Field, ...] = (
    Field("line", "id", "number", writable=False),
    Field("account", "account", "ref", "account", required=True),
    Field("debit", "debit", "decimal"),
    Field("credit", "credit", "decimal"),
    Field("memo", "memo"),
    Field("entity", "entity", "ref", "employee"),
    Field("department", "department", "ref", "department"),
    Field("class", "class", "ref", "classification"),
    Field("custcol_cw_project", "custcol_cw_project", "ref", "job"),
    Field("custcol_cw_time_entry", "custcol_cw_time_entry"),
    Field("custcol_cw_entry_version", "custcol_cw_entry_version"),
    Field("custcol_cw_hours", "custcol_cw_hours", "decimal"),
    Field("custcol_cw_cost_rate", "custcol_cw_cost_rate", "decimal"),
    Field("custcol_cw_pay_run", "custcol_cw_pay_run"),
)
LINES_BY_REST = {f.rest.lower(): f for f in LINE_FIELDS}


def _reference(name: str, table: str, extra: tuple[Field, ...]) -> RecordType:
    """A read-only reference record type (the firm's fixed setup)."""
    return RecordType(
        name,
        table,
        (
            *extra,
            Field("externalId", "externalid", writable=False),
            Field("isInactive", "isinactive", "bool", writable=False),
            Field("lastModifiedDate", "lastmodifieddate", "datetime", writable=False),
        ),
        name,
        writable=False,
    )


SUBSIDIARY = _reference(
    "subsidiary",
    "ns_subsidiary",
    (Field("name", "name"), Field("country", "country"), Field("currency", "currency", "code")),
)
DEPARTMENT = _reference(
    "department",
    "ns_department",
    (Field("name", "name"), Field("subsidiary", "subsidiary", "ref", "subsidiary")),
)
CLASSIFICATION = _reference("classification", "ns_classification", (Field("name", "name"),))
LOCATION = _reference(
    "location",
    "ns_location",
    (
        Field("name", "name"),
        Field("subsidiary", "subsidiary", "ref", "subsidiary"),
        Field("country", "country"),
    ),
)
ACCOUNT = _reference(
    "account",
    "ns_account",
    (
        Field("acctNumber", "acctnumber"),
        Field("acctName", "fullname"),
        Field("acctType", "accttype"),
    ),
)
CUSTOMER = _reference(
    "customer",
    "ns_customer",
    (
        Field("entityId", "entityid"),
        Field("companyName", "companyname"),
        Field("subsidiary", "subsidiary", "ref", "subsidiary"),
        Field("currency", "currency", "code"),
        Field("dateCreated", "datecreated", "datetime", writable=False),
    ),
)

RECORD_TYPES: dict[str, RecordType] = {
    rt.url_name: rt
    for rt in (
        EMPLOYEE,
        JOB,
        RESOURCE_ALLOCATION,
        JOURNAL_ENTRY,
        SUBSIDIARY,
        DEPARTMENT,
        CLASSIFICATION,
        LOCATION,
        ACCOUNT,
        CUSTOMER,
    )
}
