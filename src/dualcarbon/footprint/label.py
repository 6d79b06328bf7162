"""The carbon-label record of a product footprint: what a label or a CFP declaration
(产品碳足迹声明, GB/T 24067-2024) states, as one frozen record that round-trips through JSON.

:func:`carbon_label` builds it, without side effects, from a :class:`~.footprint.FootprintResult`,
the :class:`~.model.ProductSystem` it was computed from, and the facts only the issuer knows (the
label id, the verification, the validity). The record carries:

* the value [kgCO2e] per functional or declared unit, with the unit's description;
* the scope: boundary (cradle to gate / grave) and the life-cycle stages covered;
* the GWP set (catalogue id, e.g. ``gwp-ipcc-ar6``) and the standard (GB/T 24067-2024);
* the ISO 14067 6.4.9 components (fossil, biogenic emissions and removals, dLUC, aircraft);
* its uncertainty, when a Monte Carlo run is given: the coverage interval, draws and seed;
* its data quality: the technological, geographical and temporal DQRs (1 good – 5 poor), weighted
  by emissions, and the share of the emissions they cover
  (:mod:`dualcarbon.footprint.data_quality`, as PACT v3 carries them);
* the verification: not verified, self-declared, or third-party verified (then with verifier and
  date);
* the validity (from, until; until must come after from) and the issue date;
* a SHA-256 digest of the study inputs (:func:`study_digest`), so a label can be matched to the
  exact product system (and parameter overrides) it was computed from.

A label never recomputes anything: it copies the result's numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dualcarbon.footprint.data_quality import weighted_dqr
from dualcarbon.footprint.footprint import FootprintResult
from dualcarbon.footprint.model import Boundary, ProductSystem, Stage
from dualcarbon.footprint.montecarlo import MonteCarloResult

STANDARD: Final = "GB/T 24067-2024"
LABEL_FORMAT: Final = "dualcarbon.carbon-label/2"
"""The record's format and version, written into every JSON record. Version 2 added the
uncertainty and the data quality; a version 1 record still reads (without them)."""


class VerificationStatus(StrEnum):
    NOT_VERIFIED = "not_verified"
    SELF_DECLARED = "self_declared"
    THIRD_PARTY_VERIFIED = "third_party_verified"

    @property
    def label_zh(self) -> str:
        return {
            VerificationStatus.NOT_VERIFIED: "未经核查",
            VerificationStatus.SELF_DECLARED: "自我声明",
            VerificationStatus.THIRD_PARTY_VERIFIED: "第三方核查",
        }[self]

    @property
    def label_en(self) -> str:
        return {
            VerificationStatus.NOT_VERIFIED: "not verified",
            VerificationStatus.SELF_DECLARED: "self-declared",
            VerificationStatus.THIRD_PARTY_VERIFIED: "third-party verified",
        }[self]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Verification(_Frozen):
    """Who checked the footprint. A third-party verification names its ``verifier`` and
    ``date``; a footprint nobody checked names neither."""

    status: VerificationStatus = VerificationStatus.NOT_VERIFIED
    verifier: str | None = None
    date: dt.date | None = None
    statement: str | None = Field(default=None, description="verification statement id or link")

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if self.status is VerificationStatus.THIRD_PARTY_VERIFIED:
            if not (self.verifier and self.verifier.strip()) or self.date is None:
                raise ValueError("a third-party verification names its verifier and its date")
        elif self.status is VerificationStatus.NOT_VERIFIED and (
            self.verifier is not None or self.date is not None
        ):
            raise ValueError("a footprint that was not verified has no verifier or date")
        return self


class LabelComponents(_Frozen):
    """ISO 14067:2018 6.4.9 parts of the value [kgCO2e per unit]; ``aircraft`` is a part of the
    others, shown apart."""

    fossil: float
    biogenic_emissions: float
    biogenic_removals: float = Field(le=0.0)
    land_use_change: float
    aircraft: float


class LabelUncertainty(_Frozen):
    """The value's coverage interval from a Monte Carlo run [kgCO2e per unit]."""

    method: Literal["monte_carlo"] = "monte_carlo"
    coverage: float = Field(gt=0.0, lt=1.0, description="e.g. 0.95")
    low: float
    high: float
    draws: int = Field(ge=1)
    seed: int

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if self.high < self.low:
            raise ValueError(f"the interval's high ({self.high}) is below its low ({self.low})")
        return self


class LabelDataQuality(_Frozen):
    """Emission-weighted DQRs [1 good – 5 poor] and the share of the emissions scored [%]."""

    technological: float = Field(ge=1.0, le=5.0)
    geographical: float = Field(ge=1.0, le=5.0)
    temporal: float = Field(ge=1.0, le=5.0)
    coverage_percent: float = Field(ge=0.0, le=100.0)


class CarbonLabel(_Frozen):
    """A product's carbon label (module docstring)."""

    format: Literal["dualcarbon.carbon-label/1", "dualcarbon.carbon-label/2"] = LABEL_FORMAT
    label_id: str = Field(min_length=1)
    product: str = Field(min_length=1, description="the product's name")
    product_system: str = Field(min_length=1, description="the product system's id")
    value: float = Field(description="kgCO2e per functional or declared unit")
    unit: Literal["kgCO2e"] = "kgCO2e"
    per: str = Field(min_length=1, description="the functional or declared unit")
    unit_kind: Literal["functional", "declared"]
    boundary: Boundary
    stages: tuple[Stage, ...] = Field(min_length=1)
    components: LabelComponents
    primary_data_share: float = Field(ge=0.0, le=100.0, description="[%]")
    uncertainty: LabelUncertainty | None = Field(
        default=None, description="None: no Monte Carlo run was given, the label says so"
    )
    data_quality: LabelDataQuality | None = Field(
        default=None, description="None: no line of the footprint carries pedigree scores"
    )
    gwp_set: str = Field(min_length=1)
    standard: Literal["GB/T 24067-2024"] = STANDARD
    period_start: dt.date
    period_end: dt.date
    geography: str
    verification: Verification = Verification()
    valid_from: dt.date
    valid_until: dt.date
    issued: dt.date
    inputs_digest: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if self.valid_until <= self.valid_from:
            raise ValueError(
                f"valid_until ({self.valid_until}) must come after valid_from ({self.valid_from})"
            )
        if self.issued > self.valid_until:
            raise ValueError(f"issued ({self.issued}) after the label expires ({self.valid_until})")
        parts = self.components
        net = parts.fossil + parts.biogenic_emissions + parts.biogenic_removals
        net += parts.land_use_change
        if abs(net - self.value) > 1e-9 * max(1.0, abs(self.value)):
            raise ValueError(f"the components add up to {net}, not to the value {self.value}")
        return self

    def to_json(self) -> str:
        """The record as JSON text (UTF-8, Chinese kept readable)."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> CarbonLabel:
        return cls.model_validate_json(text)


def study_digest(system: ProductSystem, overrides: Mapping[str, float] | None = None) -> str:
    """``sha256:<hex>`` of the product system (as JSON, keys sorted) and the parameter
    ``overrides`` the result was computed with: equal inputs give equal digests."""
    payload = {
        "product_system": system.model_dump(mode="json"),
        "overrides": dict(sorted((overrides or {}).items())),
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def carbon_label(
    result: FootprintResult,
    system: ProductSystem,
    *,
    label_id: str,
    valid_from: dt.date,
    valid_until: dt.date,
    issued: dt.date,
    verification: Verification | None = None,
    monte_carlo: MonteCarloResult | None = None,
    coverage: float = 0.95,
) -> CarbonLabel:
    """The label of ``result``, which must be the footprint of ``system`` (its digest covers the
    parameter overrides the result was computed with).

    Raises :class:`ValueError` when the result belongs to another system, and
    :class:`pydantic.ValidationError` (a ValueError) when the facts break a rule of
    :class:`CarbonLabel` (validity until ≤ from, a third-party verification without verifier).
    ``monte_carlo``, a run of the same system, gives the label its ``coverage`` interval.
    """
    if result.matrices.system != system:
        raise ValueError(f"the result is the footprint of {result.system_id!r}, not of this system")
    uncertainty = None
    if monte_carlo is not None:
        if abs(monte_carlo.deterministic - result.total) > 1e-6 * max(1.0, abs(result.total)):
            raise ValueError(
                f"the Monte Carlo run scores {monte_carlo.deterministic} without draws, the "
                f"footprint is {result.total}: it belongs to another system"
            )
        low, high = monte_carlo.interval(coverage)
        uncertainty = LabelUncertainty(
            coverage=coverage, low=low, high=high, draws=monte_carlo.draws, seed=monte_carlo.seed
        )
    dqr = weighted_dqr(system, result)
    data_quality = (
        None
        if dqr is None
        else LabelDataQuality(
            technological=dqr.technological,
            geographical=dqr.geographical,
            temporal=dqr.temporal,
            coverage_percent=dqr.coverage_percent,
        )
    )
    parts = result.components
    return CarbonLabel(
        label_id=label_id,
        product=system.name,
        product_system=system.id,
        value=result.total,
        per=system.functional_unit.description,
        unit_kind=system.functional_unit.kind,
        boundary=system.boundary,
        stages=system.stages,
        components=LabelComponents(
            fossil=parts.fossil,
            biogenic_emissions=parts.biogenic_emissions,
            biogenic_removals=parts.biogenic_removals,
            land_use_change=parts.land_use_change,
            aircraft=parts.aircraft,
        ),
        primary_data_share=result.primary_data_share,
        uncertainty=uncertainty,
        data_quality=data_quality,
        gwp_set=system.gwp_set,
        period_start=system.period.start,
        period_end=system.period.end,
        geography=system.geography,
        verification=verification or Verification(),
        valid_from=valid_from,
        valid_until=valid_until,
        issued=issued,
        inputs_digest=study_digest(system, result.overrides),
    )
