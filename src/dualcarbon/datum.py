"""The datum: a value with a unit, a standard uncertainty and a provenance.

Tiers rank where a number came from, best first (DESIGN.md, "The spine"):
``measured`` (a metered reading, naming the instrument) > ``lab`` (a sample analysis, naming method
and sample) > ``calculated`` > ``supplier`` > ``default`` (naming the factor and its clause).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dualcarbon.units import conversion_factor, parse_unit


class Tier(StrEnum):
    MEASURED = "measured"
    LAB = "lab"
    CALCULATED = "calculated"
    SUPPLIER = "supplier"
    DEFAULT = "default"

    @property
    def rank(self) -> int:
        """0 for the best tier (measured), 4 for the worst (default)."""
        return list(Tier).index(self)

    @property
    def label_zh(self) -> str:
        return _TIER_ZH[self]


_TIER_ZH = {
    Tier.MEASURED: "计量实测",
    Tier.LAB: "化验检测",
    Tier.CALCULATED: "计算",
    Tier.SUPPLIER: "供应商提供",
    Tier.DEFAULT: "缺省值",
}


class Provenance(BaseModel):
    """Where a number came from: its tier, the evidence it rests on, and the period it covers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tier: Tier
    reference: str = Field(
        default="",
        description="evidence: instrument id, lab report number, invoice, or factor id and clause",
    )
    period_start: dt.date | None = None
    period_end: dt.date | None = None

    @model_validator(mode="after")
    def _period_in_order(self) -> Self:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class Datum(BaseModel):
    """A quantity you can defend: value, unit, standard uncertainty and provenance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float
    unit: str
    u: float | None = Field(default=None, ge=0.0, description="standard uncertainty, in `unit`")
    provenance: Provenance

    @model_validator(mode="after")
    def _unit_parses(self) -> Self:
        parse_unit(self.unit)
        return self

    def to(self, unit: str, *, quantity_name: str = "value") -> Datum:
        """The same datum expressed in ``unit``; refuses a unit of another kind."""
        factor = conversion_factor(self.unit, unit, quantity_name=quantity_name)
        return self.model_copy(
            update={
                "value": self.value * factor,
                "unit": unit,
                "u": None if self.u is None else self.u * factor,
            }
        )

    @property
    def relative_u(self) -> float | None:
        if self.u is None or self.value == 0:
            return None
        return self.u / abs(self.value)
