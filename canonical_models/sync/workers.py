"""Payload models of the worker flows (provision_worker, update_worker, offboard_worker).

One model per (flow, target_system), its fields named as crosswalk names them (the dbt sync models
write exactly these keys); the flow handlers map them to each vendor's API. Every model forbids
unknown keys and refuses what the vendor would refuse (a blank name, an address that is no email,
an ERP employee without a subsidiary), so a bad delta is quarantined with a reason instead of
failing at the vendor.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StrictInt,
    StringConstraints,
)

# Text a person must have: no blank names reach a vendor.
Name = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]
# An email as the matching key (trimmed, lower-case): what identity resolution compares.
Email = Annotated[
    str,
    StringConstraints(
        strict=True, strip_whitespace=True, to_lower=True, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]
HcmId = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]
# An ERP employee's externalId: the HCM id after its HCM instance's prefix (seed map_hcm_instance).
# It goes into a URL path (`eid:<externalId>`) as it is: nothing a path would read otherwise.
ExternalId = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9._:-]+$")]
ErpId = Annotated[StrictInt, Field(gt=0)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PsaUserCreate(_Payload):
    """A new PSA user for an active billable worker (their work email is the natural key)."""

    first_name: Name
    last_name: Name
    email: Email


class ErpEmployeeUpsert(_Payload):
    """A new ERP employee, upserted by its externalId (a resend updates, never duplicates).

    The externalId is the HCM id after the HCM instance's prefix, so two HCM instances' people
    with one id are two employees. The subsidiary is required by the ERP; the supervisor is named
    by their externalId.
    """

    hcm_employee_id: HcmId
    erp_external_id: ExternalId
    first_name: Name
    last_name: Name
    email: Email | None
    subsidiary_id: ErpId
    department_id: ErpId | None = None
    class_id: ErpId | None = None
    supervisor_erp_external_id: ExternalId | None = None
    hire_date: date | None = None


class PayrollEmployeeCreate(_Payload):
    """A new payroll employee in the worker's payroll company, found again by work email."""

    first_name: Name
    last_name: Name
    work_email: Email


class PsaUserUpdate(_Payload):
    """A PSA user brought back in line with HCM: the names HCM owns, and active."""

    first_name: Name
    last_name: Name
    is_active: StrictBool


class ErpEmployeeUpdate(_Payload):
    """An ERP employee brought back in line with HCM.

    A null department, subsidiary or class means HCM's code is unmapped: left as the ERP has it.
    A null supervisor means HCM names none: the ERP's is cleared; else it is named by externalId.
    """

    first_name: Name
    last_name: Name
    email: Email | None
    subsidiary_id: ErpId | None
    department_id: ErpId | None
    class_id: ErpId | None
    supervisor_erp_external_id: ExternalId | None
    is_active: StrictBool


class TargetDeactivation(_Payload):
    """A PSA user or ERP employee of a worker HCM has let go, made inactive."""

    termination_date: date | None


class BookingRelease(_Payload):
    """A PSA booking of a leaver that ends after their termination: ended then, or removed."""

    hcm_employee_id: HcmId
    released_after: date


class PsaOffboarding(RootModel[TargetDeactivation | BookingRelease]):
    """What offboarding asks of the PSA: a user deactivated or a booking released."""


PAYLOADS: dict[tuple[str, str], type[BaseModel]] = {
    ("provision_worker", "harvest"): PsaUserCreate,
    ("provision_worker", "netsuite"): ErpEmployeeUpsert,
    ("provision_worker", "gusto"): PayrollEmployeeCreate,
    ("update_worker", "harvest"): PsaUserUpdate,
    ("update_worker", "netsuite"): ErpEmployeeUpdate,
    ("offboard_worker", "harvest"): PsaOffboarding,
    ("offboard_worker", "netsuite"): TargetDeactivation,
}
