"""A published factor and the document it comes from (docs/factor-data-format.md)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dualcarbon.units import parse_unit

FactorKind = Literal[
    "net_calorific_value",
    "carbon_content_per_heat",
    "oxidation_rate",
    "co2_emission_factor_heat",
    "co2_emission_factor",
    "carbon_content_mass",
    "gwp",
    "standard_coal_coefficient",
    "density",
    "process_emission_factor",
    "process_parameter",
    "carbon_footprint_factor",
]

# Two-sided normal coverage factors for the coverage probabilities that sources print.
_NORMAL_K = {0.90: 1.6448536269514722, 0.95: 1.959963984540054, 0.99: 2.5758293035489004}


Confidence = Literal["verified", "corroborated", "unverified"]
"""``verified``: read in the official text or a copy of it (an official or newswire report of
it); ``corroborated``: read in a transcription (public code, a consultant's note) that cites the
document and agrees with any other found, the official text not read; ``unverified``: neither."""


class SourceDocument(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    document: str
    document_zh: str | None = None
    publisher: str
    edition: str
    published: dt.date | str | None = None
    url: str | None = None
    region: str = "global"
    verified: str
    confidence: Confidence = Field(
        description="how sure the values of this source are, unless an entry says otherwise"
    )


class Uncertainty(BaseModel):
    """The uncertainty a source prints for a value, in one of three forms."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lower: float | None = None
    upper: float | None = None
    coverage: float | None = Field(default=None, gt=0.0, lt=1.0)
    relative: float | None = Field(default=None, ge=0.0)
    u: float | None = Field(default=None, ge=0.0)

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        forms = [
            self.lower is not None or self.upper is not None,
            self.relative is not None,
            self.u is not None,
        ]
        if sum(forms) != 1:
            raise ValueError("give exactly one of {lower, upper}, relative or u")
        if (self.lower is None) != (self.upper is None):
            raise ValueError("lower and upper go together")
        if self.lower is not None and self.upper is not None and self.upper < self.lower:
            raise ValueError("upper is below lower")
        if self.coverage is not None and self.coverage not in _NORMAL_K:
            raise ValueError(f"coverage must be one of {sorted(_NORMAL_K)}")
        return self

    def standard_uncertainty(self, value: float) -> tuple[float, str]:
        """Standard uncertainty in the value's unit, and the distribution assumed to get it.

        A coverage interval with a stated probability is read as normal (JCGM 100 4.3.4): u is the
        half-width over k. Bounds with no probability are read as a rectangular distribution
        (JCGM 100 4.3.7): u = half-width/√3. An asymmetric interval uses its mean half-width.
        """
        if self.u is not None:
            return self.u, "normal"
        if self.relative is not None:
            half_width = self.relative * abs(value)
        else:
            assert self.lower is not None and self.upper is not None
            half_width = (self.upper - self.lower) / 2.0
        if self.coverage is None:
            return half_width / math.sqrt(3.0), "rectangular"
        return half_width / _NORMAL_K[self.coverage], "normal"


class Factor(BaseModel):
    """One published value, one version of it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: int = Field(ge=1)
    kind: FactorKind
    subject: str
    name_zh: str
    name_en: str
    gas: str | None = None
    value: float
    unit: str
    uncertainty: Uncertainty | None = None
    table: str
    year: int | None = None
    region: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    supersedes: str | None = None
    note: str | None = None
    confidence: Confidence | None = Field(
        default=None, description="this value's, where it differs from its source's"
    )
    source: SourceDocument

    @model_validator(mode="after")
    def _checks(self) -> Self:
        parse_unit(self.unit)
        if not self.id.startswith(self.source.id + "/"):
            raise ValueError(f"id must start with the source id {self.source.id!r}/")
        return self

    @property
    def ref(self) -> str:
        """The exact version: ``id@version``, as a result records it."""
        return f"{self.id}@{self.version}"

    @property
    def effective_confidence(self) -> Confidence:
        return self.confidence or self.source.confidence

    @property
    def transcribed(self) -> bool:
        """Not read in the official text (or a copy of it): reports mark such a value."""
        return self.effective_confidence != "verified"

    @property
    def effective_region(self) -> str:
        return self.region or self.source.region

    @property
    def standard_uncertainty(self) -> float | None:
        if self.uncertainty is None:
            return None
        return self.uncertainty.standard_uncertainty(self.value)[0]

    def citation(self, lang: str = "zh") -> str:
        document = (self.source.document_zh if lang == "zh" else None) or self.source.document
        return f"{document} {self.table}"
