"""The firm's fixed reference data: legal entities, departments, labor categories, tasks, accounts.

It does not depend on the seed, so the code mappings a firm maintains (dbt seeds) can be written
once for the sandbox firm. Each mapping below is the firm's configured mapping from an HCM or PSA
code to an ERP record; a code outside it is a `mapping_missing` finding.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LegalEntity:
    code: str
    name: str
    country: str
    currency: str
    subsidiary_id: int
    timezone: str
    pay_frequency: str  # Every other week | Monthly
    locations: tuple[str, ...]


@dataclass(frozen=True)
class Department:
    name: str  # the HCM department name
    cost_center: str
    erp_department_id: int
    erp_name: str
    billable: bool


@dataclass(frozen=True)
class LaborCategory:
    code: str
    title: str
    erp_class_id: int
    cost_rate: dict[str, float]  # hourly cost per currency
    bill_rate: float


@dataclass(frozen=True)
class Task:
    name: str
    billable: bool
    gl_account_id: int


LEGAL_ENTITIES: tuple[LegalEntity, ...] = (
    LegalEntity(
        "ACME-US",
        "Acme Consulting Inc.",
        "US",
        "USD",
        1,
        "America/New_York",
        "Every other week",
        ("New York", "Boston"),
    ),
    LegalEntity(
        "ACME-UK", "Acme Consulting Ltd", "GB", "GBP", 2, "Europe/London", "Monthly", ("London",)
    ),
    LegalEntity(
        "ACME-DE",
        "Acme Consulting GmbH",
        "DE",
        "EUR",
        3,
        "Europe/Berlin",
        "Monthly",
        ("Berlin", "Munich"),
    ),
)

# HCM location name -> NetSuite location id.
LOCATIONS: dict[str, int] = {"New York": 1, "Boston": 2, "London": 3, "Berlin": 4, "Munich": 5}

DEPARTMENTS: tuple[Department, ...] = (
    Department("Strategy", "CC-1100", 101, "1100 Strategy Consulting", True),
    Department("Technology", "CC-1200", 102, "1200 Technology Consulting", True),
    Department("Operations", "CC-1300", 103, "1300 Operations Consulting", True),
    Department("Risk & Finance Advisory", "CC-1400", 104, "1400 Risk and Finance Advisory", True),
    Department("Delivery Management", "CC-1500", 105, "1500 Delivery Management", True),
    Department("Finance", "CC-9100", 191, "9100 Finance", False),
    Department("People", "CC-9200", 192, "9200 People", False),
    Department("IT", "CC-9300", 193, "9300 Information Technology", False),
)

LABOR_CATEGORIES: tuple[LaborCategory, ...] = (
    LaborCategory("LC-CON", "Consultant", 11, {"USD": 55.0, "GBP": 42.0, "EUR": 48.0}, 150.0),
    LaborCategory(
        "LC-SEN", "Senior Consultant", 12, {"USD": 75.0, "GBP": 58.0, "EUR": 66.0}, 200.0
    ),
    LaborCategory("LC-MGR", "Manager", 13, {"USD": 95.0, "GBP": 74.0, "EUR": 84.0}, 250.0),
    LaborCategory("LC-DIR", "Director", 14, {"USD": 130.0, "GBP": 100.0, "EUR": 115.0}, 325.0),
    LaborCategory("LC-ADM", "Administrative", 15, {"USD": 40.0, "GBP": 31.0, "EUR": 35.0}, 0.0),
)

# GL accounts in the ERP (id, number, name, type).
ACCOUNTS: tuple[tuple[int, str, str, str], ...] = (
    (1000, "1000", "Operating Cash", "Bank"),
    (2100, "2100", "Accrued Labour Cost", "OthCurrLiab"),
    (2200, "2200", "Payroll Liabilities", "OthCurrLiab"),
    (5000, "5000", "Labour Cost - Delivery", "COGS"),
    (5010, "5010", "Labour Cost - Project Management", "COGS"),
    (5020, "5020", "Labour Cost - Internal", "Expense"),
    (6000, "6000", "Salaries and Wages", "Expense"),
    (6100, "6100", "Employer Payroll Taxes", "Expense"),
)
ACCRUED_LABOUR_ACCOUNT = 2100
PAYROLL_LIABILITY_ACCOUNT = 2200
SALARIES_ACCOUNT = 6000
EMPLOYER_TAX_ACCOUNT = 6100
CASH_ACCOUNT = 1000

TASKS: tuple[Task, ...] = (
    Task("Consulting", True, 5000),
    Task("Analysis", True, 5000),
    Task("Development", True, 5000),
    Task("Testing", True, 5000),
    Task("Project Management", True, 5010),
    Task("Training", False, 5020),
    Task("Internal Meeting", False, 5020),
    Task("Business Development", False, 5020),
)

# Codes an acquisition brings in, which the firm has not mapped yet (mapping_missing drift).
UNMAPPED_DEPARTMENTS = ("Digital Studio (acq.)", "Data Science (acq.)", "Cloud Ops (acq.)")
UNMAPPED_LABOR_CATEGORIES = ("LC-ACQ-ASSOC", "LC-ACQ-PRIN", "LC-ACQ-SPEC")
UNMAPPED_TASKS = ("Discovery Sprint (acq.)", "Managed Service (acq.)", "Migration (acq.)")

ENTITY_BY_CODE = {e.code: e for e in LEGAL_ENTITIES}
DEPARTMENT_BY_NAME = {d.name: d for d in DEPARTMENTS}
LABOR_CATEGORY_BY_CODE = {c.code: c for c in LABOR_CATEGORIES}
TASK_BY_NAME = {t.name: t for t in TASKS}


def mappings() -> dict[str, list[dict[str, object]]]:
    """The firm's code mappings, as the dbt seeds hold them (a test keeps the two equal)."""
    return {
        "legal_entity": [
            {"hcm_legal_entity": e.code, "erp_subsidiary_id": e.subsidiary_id}
            for e in LEGAL_ENTITIES
        ],
        "department": [
            {
                "hcm_department": d.name,
                "erp_department_id": d.erp_department_id,
                "cost_center": d.cost_center,
            }
            for d in DEPARTMENTS
        ],
        "labor_category": [
            {"hcm_labor_category": c.code, "erp_class_id": c.erp_class_id} for c in LABOR_CATEGORIES
        ],
        "task": [{"psa_task": t.name, "gl_account_id": t.gl_account_id} for t in TASKS],
    }
