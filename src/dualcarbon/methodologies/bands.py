"""Plausible and possible ranges of a figure, declared as data beside the figure.

A calculator's input slot (clinker CaO, a carbon content) and a sector's derived indicator (the
supply coal rate of a power unit) may carry a :class:`Band`: outside ``refuse`` the figure cannot
be right (the refusal is an error finding), outside ``warn`` it is unusual enough that someone
must say it is right before it is used (a warning to acknowledge). Each band says where its
limits come from. The checks that apply them are in :mod:`dualcarbon.accounting.plausibility`.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Band(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    warn: tuple[float, float] | None = Field(
        default=None, description="[low, high]: outside, a warning that must be acknowledged"
    )
    refuse: tuple[float, float] | None = Field(
        default=None, description="[low, high]: outside, an error (the figure cannot be right)"
    )
    relative_to_default: bool = Field(
        default=False,
        description="the limits are ratios to the methodology's default for the same item "
        "(a measured carbon per unit heat against the fuel's default), not values",
    )
    basis_zh: str = Field(description="where the limits come from, as a verifier reads it")
    basis_en: str

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.warn is None and self.refuse is None:
            raise ValueError("a band needs warn or refuse limits")
        for limits in (self.warn, self.refuse):
            if limits is not None and limits[0] > limits[1]:
                raise ValueError(f"band limits out of order: {list(limits)}")
        if (
            self.warn
            and self.refuse
            and not (self.refuse[0] <= self.warn[0] and self.warn[1] <= self.refuse[1])
        ):
            raise ValueError("the warn band lies inside the refuse band")
        return self
