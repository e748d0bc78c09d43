"""The firm's people: who they are, where they sit, who they report to, when they came and left."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker

from vendor_sandbox.catalog import (
    DEPARTMENTS,
    LABOR_CATEGORY_BY_CODE,
    LEGAL_ENTITIES,
    LegalEntity,
)
from vendor_sandbox.firm.spec import EMAIL_DOMAIN, SizeSpec

LOCALES = {"ACME-US": "en_US", "ACME-UK": "en_GB", "ACME-DE": "de_DE"}
ENTITY_WEIGHTS = (0.55, 0.25, 0.20)
BILLABLE_DEPARTMENTS = [d for d in DEPARTMENTS if d.billable]
SUPPORT_DEPARTMENTS = [d for d in DEPARTMENTS if not d.billable]
# The staffing pyramid of billable departments: consultants, seniors, managers, directors.
PYRAMID = (("LC-CON", 0.42), ("LC-SEN", 0.30), ("LC-MGR", 0.18), ("LC-DIR", 0.10))
LEVEL = {"LC-ADM": 0, "LC-CON": 1, "LC-SEN": 2, "LC-MGR": 3, "LC-DIR": 4}
ANNUAL_HOURS = 2080


@dataclass
class Person:
    """One worker of the firm and their record ids in each system."""

    index: int
    hcm_id: int
    employee_number: str
    first_name: str
    last_name: str
    email: str
    entity: LegalEntity
    department: str
    labor_category: str
    location: str
    hire_date: date
    termination_date: date | None
    pay_type: str  # Salary | Hourly
    annual_salary: float
    hourly_rate: float
    supervisor_hcm_id: int | None = None
    harvest_user_id: int | None = None
    netsuite_id: int | None = None
    gusto_uuid: str | None = None
    gusto_job_uuid: str | None = None
    gusto_compensation_uuid: str | None = None
    prior_department: str | None = None
    transfer_date: date | None = None
    cost_rate: float = 0.0
    bill_rate: float = 0.0
    history: list[tuple[date, str]] = field(default_factory=list)

    @property
    def billable(self) -> bool:
        return self.labor_category != "LC-ADM"

    @property
    def title(self) -> str:
        return LABOR_CATEGORY_BY_CODE[self.labor_category].title

    def active_on(self, day: date) -> bool:
        return self.hire_date <= day and (
            self.termination_date is None or day <= self.termination_date
        )

    def department_on(self, day: date) -> str:
        if self.transfer_date is not None and day < self.transfer_date:
            return self.prior_department or self.department
        return self.department


def _pick_weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    roll, total = rng.random(), 0.0
    for value, weight in options:
        total += weight
        if roll < total:
            return value
    return options[-1][0]


class PeopleFactory:
    """Draws people deterministically from one seeded random source."""

    def __init__(self, rng: random.Random, seed: int, spec: SizeSpec, start: date) -> None:
        self.rng = rng
        self.spec = spec
        self.start = start
        self.fakers = {code: Faker(locale) for code, locale in LOCALES.items()}
        for offset, fake in enumerate(self.fakers.values()):
            fake.seed_instance(seed * 31 + offset)
        self._emails: set[str] = set()
        self._next_index = 0

    def unique_email(self, first: str, last: str) -> str:
        base = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        base = base.encode("ascii", "ignore").decode() or "worker"
        email, n = f"{base}@{EMAIL_DOMAIN}", 1
        while email in self._emails:
            n += 1
            email = f"{base}{n}@{EMAIL_DOMAIN}"
        self._emails.add(email)
        return email

    def new_person(
        self,
        *,
        hire_date: date,
        termination_date: date | None = None,
        entity: LegalEntity | None = None,
        billable: bool | None = None,
        labor_category: str | None = None,
    ) -> Person:
        rng = self.rng
        index = self._next_index
        self._next_index += 1
        entity = entity or rng.choices(LEGAL_ENTITIES, weights=ENTITY_WEIGHTS)[0]
        if billable is None:
            billable = rng.random() < 0.85
        if billable:
            department = rng.choice(BILLABLE_DEPARTMENTS).name
            labor_category = labor_category or _pick_weighted(rng, PYRAMID)
        else:
            department = rng.choice(SUPPORT_DEPARTMENTS).name
            labor_category = "LC-ADM"
        fake = self.fakers[entity.code]
        first, last = fake.first_name(), fake.last_name()
        category = LABOR_CATEGORY_BY_CODE[labor_category]
        cost_rate = category.cost_rate[entity.currency]
        hourly = billable and labor_category in ("LC-CON", "LC-SEN") and rng.random() < 0.2
        annual = round(cost_rate * ANNUAL_HOURS * rng.uniform(0.55, 0.7), -2)
        hourly_rate = round(annual / ANNUAL_HOURS, 2)
        return Person(
            index=index,
            hcm_id=100 + index,
            employee_number=f"E{10000 + index}",
            first_name=first,
            last_name=last,
            email=self.unique_email(first, last),
            entity=entity,
            department=department,
            labor_category=labor_category,
            location=rng.choice(entity.locations),
            hire_date=hire_date,
            termination_date=termination_date,
            pay_type="Hourly" if hourly else "Salary",
            annual_salary=annual,
            hourly_rate=hourly_rate,
            cost_rate=cost_rate,
            bill_rate=category.bill_rate,
        )

    def initial_staff(self) -> list[Person]:
        """Everyone employed at some point of the history window, with a reporting line."""
        rng, spec, start = self.rng, self.spec, self.start
        window_start = start - timedelta(days=spec.history_days)
        attrition = max(2, round(spec.workers * 0.12 * spec.history_days / 365))
        recent_hires = max(2, round(spec.workers * 0.12 * spec.history_days / 365))
        people: list[Person] = []
        # The managing partner heads the firm; everyone's reporting line ends with them.
        people.append(
            self.new_person(
                hire_date=start - timedelta(days=3650),
                entity=LEGAL_ENTITIES[0],
                billable=True,
                labor_category="LC-DIR",
            )
        )
        for i in range(1, spec.workers):
            if i <= recent_hires:
                hire = window_start + timedelta(days=rng.randrange(spec.history_days - 1))
            else:
                hire = start - timedelta(days=rng.randrange(spec.history_days + 1, 8 * 365))
            people.append(self.new_person(hire_date=hire))
        for person in rng.sample(people[1:], attrition):
            earliest = max(person.hire_date + timedelta(days=14), window_start)
            if earliest < start - timedelta(days=2):
                span = (start - timedelta(days=2) - earliest).days
                person.termination_date = earliest + timedelta(days=rng.randrange(span + 1))
        for person in people[1:]:
            if person.termination_date is None and rng.random() < 0.04:
                # A transfer inside the window, so worker history has an "as of" answer.
                earliest = max(person.hire_date, window_start) + timedelta(days=1)
                if earliest < start - timedelta(days=1):
                    span = (start - timedelta(days=1) - earliest).days
                    pool = BILLABLE_DEPARTMENTS if person.billable else SUPPORT_DEPARTMENTS
                    others = [d.name for d in pool if d.name != person.department]
                    person.prior_department = person.department
                    person.department = rng.choice(others)
                    person.transfer_date = earliest + timedelta(days=rng.randrange(span + 1))
        assign_supervisors(rng, people)
        return people


def assign_supervisors(rng: random.Random, people: list[Person]) -> None:
    """Point each person at someone one level up, preferring their own department."""
    head = people[0]
    by_level: dict[int, list[Person]] = {}
    for person in people[1:]:
        by_level.setdefault(LEVEL[person.labor_category], []).append(person)
    for person in people[1:]:
        level = LEVEL[person.labor_category]
        candidates: list[Person] = []
        for up in range(max(level + 1, 3), 5):
            pool = by_level.get(up, [])
            candidates = [p for p in pool if p.department == person.department] or pool
            if candidates:
                break
        candidates = [c for c in candidates if c is not person]
        person.supervisor_hcm_id = rng.choice(candidates).hcm_id if candidates else head.hcm_id
