"""The facts a data owner adds when publishing a footprint, which the product system does not hold:
who owns it, how the product is identified and classified, its status and validity.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

URN = re.compile(r"^[uU][rR][nN]:")
"""The PACT v3 ``Urn`` schema's pattern (RFC 8141 URNs)."""


class EmissionFactorSource(BaseModel):
    """A secondary data source (PACT ``EmissionFactorSource``), e.g. ``ecoinvent`` ``3.10``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    version: str = Field(min_length=1)


class Publication(BaseModel):
    """What is published beside the computed footprint (PACT v3 ``ProductFootprint`` fields).

    Times are timezone-aware. Without a validity period PACT takes the footprint as valid for
    three years after the reference period's end (``validityPeriodStart`` description).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    company_name: str = Field(min_length=1)
    company_ids: tuple[str, ...] = Field(min_length=1)
    product_ids: tuple[str, ...] = Field(min_length=1)
    product_name: str | None = Field(default=None, description="productNameCompany (trade name)")
    product_description: str | None = None
    classifications: tuple[str, ...] = ()
    comment: str = ""
    status: Literal["Active", "Deprecated"] = "Active"
    validity_start: dt.datetime | None = None
    validity_end: dt.datetime | None = None
    preceding_ids: tuple[uuid.UUID, ...] = ()
    cross_sectoral_standards: tuple[str, ...] = Field(default=("ISO14067",), min_length=1)
    secondary_emission_factor_sources: tuple[EmissionFactorSource, ...] = ()
    packaging_emissions_included: bool | None = None

    @field_validator("company_ids", "product_ids", "classifications")
    @classmethod
    def _urns(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not URN.match(value):
                raise ValueError(f"{value!r} is not a URN (urn:…)")
        if len(set(values)) != len(values):
            raise ValueError("identifiers repeat")
        return values

    @model_validator(mode="after")
    def _times(self) -> Self:
        for name in ("validity_start", "validity_end"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} needs a time zone")
        if (
            self.validity_start is not None
            and self.validity_end is not None
            and self.validity_end <= self.validity_start
        ):
            raise ValueError("the validity period ends before it starts")
        return self
