r"""Data quality of an exchange (the ecoinvent v3 pedigree matrix) as a lognormal uncertainty.

Each exchange may be scored 1 (best) to 5 on five indicators — reliability, completeness,
temporal, geographical and further technological correlation (Weidema & Wesnæs 1996; ecoinvent
data quality guideline v3, 2013). Each score adds a variance to :math:`\ln x`; a basic
uncertainty factor :math:`U_b` (a GSD², by exchange type) gives the variance the exchange has even
with perfect scores. The tables are data, in ``footprint/data/pedigree.yaml``, with their sources.

.. math::

    \sigma^2 = \sigma_b^2 + \sum_{i=1}^{5} \sigma_i^2(s_i),
    \qquad \sigma_b = \ln\sqrt{U_b} = \tfrac12 \ln U_b

:math:`\sigma` is the standard deviation of :math:`\ln x` — the ``scale`` of a stats_arrays
lognormal (type 2), whose ``loc`` is :math:`\ln|x|`. :math:`e^{2\sigma}` is the GSD², the factor
that bounds about 95 % of the values around the median.

How sure is :math:`\sigma_b = \ln\sqrt{U_b}`? Quite: Brightway's ``pedigree_matrix`` (``pm.py``)
computes :math:`\sigma = \tfrac12\sqrt{\sum_j (\ln U_j)^2}` over :math:`U_b` and the indicator
factors, which is the same relation term by term; and each of the 25 v3 variances read in
Ocelot is :math:`(\tfrac12 \ln U)^2` of its factor in openLCA's ecoinvent DQ system, rounded to
one or two digits (1.05 → 0.000595 ≈ 0.0006, 2.0 → 0.1201 ≈ 0.12). The exact basic variance is
used here, :math:`(\tfrac12\ln 1.05)^2 = 0.000595`, not the rounded 0.0006 of the v3 tables.

**PACT DQR.** PACT v3's data quality ratings (``technologicalDQR`` …) run from 1 to 5 "based on
weighted average of all inputs" (v3 OpenAPI ``DataQualityIndicators``), the pedigree matrix's own
scale: :func:`weighted_scores` gives each indicator's emission-weighted mean score, which
:mod:`dualcarbon.pact.dqr` reports. (PACT v2 rated 1–3; an earlier map of ours, 1 + (s − 1)/2,
fitted that range and is gone with v2.)

References
----------
Weidema B P et al. (2013): Data quality guideline for the ecoinvent database version 3,
ecoinvent Report 1 (v3). Frischknecht R et al. (2007): ecoinvent report No. 1 (v2.0), basic
uncertainty factors. Ciroth A et al. (2016), Int J LCA 21:1338, doi:10.1007/s11367-013-0670-5.
WBCSD PACT Methodology v3.0, data quality indicators.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dualcarbon.guards.safe_yaml import safe_load

INDICATORS = ("reliability", "completeness", "temporal", "geographical", "technological")
"""The five v3 indicators, in the ecoinvent order of a pedigree tuple ``(1, 2, 3, 1, 2)``."""


class PedigreeScores(BaseModel):
    """One exchange's pedigree scores, 1 (best) to 5 each.

    Accepts a mapping or a sequence of five integers in the ecoinvent order
    (reliability, completeness, temporal, geographical, technological):

    >>> PedigreeScores.of((2, 3, 1, 2, 4)).technological
    4
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    reliability: int = Field(ge=1, le=5)
    completeness: int = Field(ge=1, le=5)
    temporal: int = Field(ge=1, le=5)
    geographical: int = Field(ge=1, le=5)
    technological: int = Field(ge=1, le=5)

    @model_validator(mode="before")
    @classmethod
    def _from_sequence(cls, data: Any) -> Any:
        if isinstance(data, list | tuple):
            if len(data) != len(INDICATORS):
                raise ValueError(
                    "give five scores (reliability, completeness, temporal, geographical, "
                    f"technological), not {len(data)}"
                )
            return dict(zip(INDICATORS, data, strict=True))
        return data

    @classmethod
    def of(cls, scores: PedigreeScores | Sequence[int]) -> PedigreeScores:
        if isinstance(scores, PedigreeScores):
            return scores
        return cls.model_validate(tuple(scores))

    def as_tuple(self) -> tuple[int, int, int, int, int]:
        return (
            self.reliability,
            self.completeness,
            self.temporal,
            self.geographical,
            self.technological,
        )


class Indicator(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name_en: str
    name_zh: str
    variance: tuple[float, float, float, float, float]
    factor: tuple[float, float, float, float, float]
    scores_en: tuple[str, str, str, str, str]

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if self.variance[0] != 0.0 or self.factor[0] != 1.0:
            raise ValueError(f"{self.id}: score 1 adds no uncertainty (variance 0, factor 1)")
        if list(self.variance) != sorted(self.variance) or list(self.factor) != sorted(self.factor):
            raise ValueError(f"{self.id}: a worse score never adds less uncertainty")
        return self


class BasicFactor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    ub: float = Field(ge=1.0)
    exchange: str


class PedigreeSource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    document: str
    basic_document: str
    verified: str


class PedigreeTable(BaseModel):
    """The content of ``footprint/data/pedigree.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: PedigreeSource
    indicators: tuple[Indicator, ...]
    basic_uncertainty: tuple[BasicFactor, ...]

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if tuple(i.id for i in self.indicators) != INDICATORS:
            raise ValueError(f"indicators must be, in this order: {', '.join(INDICATORS)}")
        ids = [b.id for b in self.basic_uncertainty]
        if len(ids) != len(set(ids)):
            raise ValueError("basic uncertainty ids must be unique")
        return self

    def indicator(self, name: str) -> Indicator:
        return self.indicators[INDICATORS.index(name)]


@cache
def pedigree_table() -> PedigreeTable:
    """The pedigree tables shipped with dualcarbon (read once)."""
    data = resources.files("dualcarbon.footprint").joinpath("data", "pedigree.yaml")
    return PedigreeTable.model_validate(safe_load(data.read_text(encoding="utf-8")))


def basic_uncertainty_factor(key: str) -> float:
    """:math:`U_b` of the basic-uncertainty table by id, e.g. ``"air/CO2/combustion"`` → 1.05."""
    for entry in pedigree_table().basic_uncertainty:
        if entry.id == key:
            return entry.ub
    known = ", ".join(entry.id for entry in pedigree_table().basic_uncertainty)
    raise KeyError(f"no basic uncertainty factor {key!r}; known: {known}")


def basic_variance(basic_factor: float) -> float:
    r"""Variance of :math:`\ln x` from the basic factor: :math:`\sigma_b^2 = (\ln\sqrt{U_b})^2`.

    ``basic_factor`` is :math:`U_b` [dimensionless, ≥ 1], a GSD² (ecoinvent v2 basic table).
    """
    if not basic_factor >= 1.0:
        raise ValueError(f"a basic uncertainty factor is at least 1, not {basic_factor}")
    return (0.5 * math.log(basic_factor)) ** 2


def pedigree_variance(scores: PedigreeScores | Sequence[int]) -> float:
    r""":math:`\sum_i \sigma_i^2(s_i)`, the variance the five scores add (ecoinvent v3 table)."""
    table = pedigree_table()
    scored = PedigreeScores.of(scores).as_tuple()
    return sum(
        indicator.variance[score - 1]
        for indicator, score in zip(table.indicators, scored, strict=True)
    )


def lognormal_sigma(scores: PedigreeScores | Sequence[int], basic_factor: float) -> float:
    r"""σ of :math:`\ln x` for an exchange scored ``scores`` with basic factor ``basic_factor``.

    .. math:: \sigma = \sqrt{(\ln\sqrt{U_b})^2 + \sum_i \sigma_i^2(s_i)}

    ``scores``: five pedigree scores 1–5 in the ecoinvent order; ``basic_factor``: :math:`U_b`
    [dimensionless, ≥ 1]. Returns σ [dimensionless], the stats_arrays lognormal ``scale``.

    >>> round(lognormal_sigma((1, 1, 1, 1, 1), 1.0), 12)
    0.0
    """
    return math.sqrt(basic_variance(basic_factor) + pedigree_variance(scores))


def gsd_squared(sigma: float) -> float:
    r""":math:`e^{2\sigma}`, the GSD² — the ecoinvent v2 "95 % factor" — of a lognormal σ."""
    return math.exp(2.0 * sigma)


def weighted_scores(
    items: Iterable[tuple[PedigreeScores | Sequence[int], float]],
) -> dict[str, float]:
    """Each indicator's mean score [1–5] over ``items`` (scores, weight), weighted by
    ``|weight|`` — a contribution to the footprint [kgCO2e]: a credit weighs as much as a
    burden of the same size. PACT v3's DQRs are these means (module docstring)."""
    totals = dict.fromkeys(INDICATORS, 0.0)
    weight_sum = 0.0
    for scores, weight in items:
        scored = PedigreeScores.of(scores)
        for name in INDICATORS:
            totals[name] += abs(weight) * getattr(scored, name)
        weight_sum += abs(weight)
    if weight_sum == 0.0:
        raise ValueError("no scored exchange with a non-zero weight")
    return {name: totals[name] / weight_sum for name in INDICATORS}
