"""What every canonical model shares: strict, frozen records and the warehouse's value types.

Field names and types mirror the dbt canonical models (`dbt_project/models/canonical/`), whose
contracts pin each column's type; `tests/dbt/test_canonical_models.py` holds the two equal. A
column that can be null is `X | None` here and has no default: a payload states every field.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

# numeric(28,6): money, hours and rates as the warehouse stores them.
Numeric = Annotated[Decimal, Field(max_digits=28, decimal_places=6)]
# identity_map.confidence: 0.0 (no identity) to 1.0 (an id the firm controls).
Confidence = Annotated[Decimal, Field(max_digits=2, decimal_places=1, ge=0, le=1)]

SourceSystem = Literal["bamboohr", "netsuite", "harvest", "forecast", "gusto"]


class BaseModelConfig(BaseModel):
    """A warehouse row as a value: unknown fields refused, fields never reassigned."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    # The relation the model mirrors (`<schema>.<table>`).
    relation: ClassVar[str]


class CanonicalRecord(BaseModelConfig):
    """A canonical business object: the fields ARCHITECTURE §5 gives every one of them."""

    source_system: SourceSystem
    source_relation: str
    remote_id: str
    remote_updated_at: datetime | None
    is_deleted: bool
