"""Pydantic models of crosswalk's canonical business objects (ARCHITECTURE §5).

One module per entity; each model's fields mirror the columns of its dbt model in the
`canonical` schema (name, type, nullability) and `tests/dbt/test_canonical_models.py` fails when
they drift apart. Write-back validates its payloads with them before anything is sent.
"""

from __future__ import annotations

from canonical_models._base import BaseModelConfig, CanonicalRecord, Confidence, Numeric
from canonical_models.assignment import Assignment
from canonical_models.client import Client
from canonical_models.cost_center import CostCenter
from canonical_models.employment import Employment
from canonical_models.gl_account import GlAccount
from canonical_models.gl_posting import GlPosting
from canonical_models.identity_map import IdentityMap
from canonical_models.leave import Leave
from canonical_models.legal_entity import LegalEntity
from canonical_models.location import Location
from canonical_models.org_unit import OrgUnit
from canonical_models.pay_line import PayLine
from canonical_models.pay_run import PayRun
from canonical_models.pay_statement import PayStatement
from canonical_models.project import Project
from canonical_models.rate import Rate
from canonical_models.task import Task
from canonical_models.time_entry import TimeEntry
from canonical_models.worker import Worker

# Every canonical relation's model, keyed `<schema>.<table>`.
MODELS: dict[str, type[BaseModelConfig]] = {
    model.relation: model
    for model in (
        Assignment,
        Client,
        CostCenter,
        Employment,
        GlAccount,
        GlPosting,
        IdentityMap,
        Leave,
        LegalEntity,
        Location,
        OrgUnit,
        PayLine,
        PayRun,
        PayStatement,
        Project,
        Rate,
        Task,
        TimeEntry,
        Worker,
    )
}

__all__ = [
    "MODELS",
    "Assignment",
    "BaseModelConfig",
    "CanonicalRecord",
    "Client",
    "Confidence",
    "CostCenter",
    "Employment",
    "GlAccount",
    "GlPosting",
    "IdentityMap",
    "Leave",
    "LegalEntity",
    "Location",
    "Numeric",
    "OrgUnit",
    "PayLine",
    "PayRun",
    "PayStatement",
    "Project",
    "Rate",
    "Task",
    "TimeEntry",
    "Worker",
]
