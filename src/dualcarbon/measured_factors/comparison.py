"""A default factor against the measured values of the enterprises that measure instead.

For each default, its observations are converted to the default's unit and averaged per
enterprise (an enterprise's months are one coal supply, not independent draws of the nation's);
the enterprise means give the consensus μ with u(μ) and the spread τ (:mod:`.consensus`). The
default's bias is b = d − μ with u(b)² = u(μ)² + u(d)², and

    En = b / (2·u(b))                               (ISO 13528:2015 9.7, k = 2)

says whether the default agrees with the measurements (|En| ≤ 1). Where the default sits among
the enterprises is the share of them whose own mean is above it: those whose emissions the default
understates. Fewer than :data:`MIN_HOLDERS` enterprises give no verdict and no publishable factor:
such a figure would be one enterprise's value, and would disclose it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from dualcarbon.errors import DualcarbonError
from dualcarbon.factors.catalogue import FactorCatalogue
from dualcarbon.factors.model import Factor
from dualcarbon.measured_factors.consensus import Consensus, consensus
from dualcarbon.measured_factors.observations import Observation
from dualcarbon.units import conversion_factor

MIN_HOLDERS = 3
"""Enterprises needed for a verdict and a published factor (decision 0027)."""

COVERAGE_K = 2.0

Verdict = Literal["insufficient", "consistent", "default_above", "default_below"]


@dataclass(frozen=True)
class HolderMean:
    """One enterprise's measurements of the quantity, averaged."""

    label: str
    holder: str
    n: int
    mean: float
    u: float | None
    years: tuple[int, ...]


@dataclass(frozen=True)
class DefaultCheck:
    default: Factor
    values: tuple[float, ...]
    """Every observation, in the default's unit."""
    holders: tuple[HolderMean, ...]
    consensus: Consensus
    origins: tuple[str, ...]

    @property
    def unit(self) -> str:
        return self.default.unit

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({year for h in self.holders for year in h.years}))

    def quantile(self, q: float) -> float:
        return float(np.quantile(np.asarray(self.values), q))

    @property
    def default_u(self) -> float:
        return self.default.standard_uncertainty or 0.0

    @property
    def bias(self) -> float:
        """b = d − μ, in the default's unit."""
        return self.default.value - self.consensus.value

    @property
    def relative_bias(self) -> float:
        return self.bias / self.consensus.value

    @property
    def u_bias(self) -> float:
        return math.hypot(self.consensus.u, self.default_u)

    @property
    def en(self) -> float | None:
        if self.consensus.holders < MIN_HOLDERS or not self.u_bias > 0.0:
            return None
        return self.bias / (COVERAGE_K * self.u_bias)

    @property
    def understated_share(self) -> float:
        """The share of enterprises whose mean is above the default."""
        return sum(h.mean > self.default.value for h in self.holders) / len(self.holders)

    @property
    def verdict(self) -> Verdict:
        en = self.en
        if en is None:
            return "insufficient"
        if abs(en) <= 1.0:
            return "consistent"
        return "default_above" if en > 0 else "default_below"

    @property
    def publishable(self) -> bool:
        return self.consensus.holders >= MIN_HOLDERS


def holder_label(holder: str) -> str:
    """A stable code for an enterprise, so that a report for the factor database's maintainers
    names none of them."""
    return "E-" + hashlib.sha256(holder.encode("utf-8")).hexdigest()[:6]


def check_default(default: Factor, observations: Sequence[Observation]) -> DefaultCheck:
    """One default against its observations (each in a unit convertible to the default's)."""
    if not observations:
        raise ValueError(f"no observations of {default.ref}")
    by_holder: dict[str, list[tuple[float, float | None, int | None]]] = {}
    values = []
    for observation in observations:
        try:
            scale = conversion_factor(observation.unit, default.unit, quantity_name=default.kind)
        except DualcarbonError as error:
            raise DualcarbonError(f"{observation.origin}: {error}") from error
        value = observation.value * scale
        u = None if observation.u is None else observation.u * scale
        values.append(value)
        by_holder.setdefault(observation.holder, []).append((value, u, observation.year))
    holders = []
    for holder, rows in sorted(by_holder.items(), key=lambda item: holder_label(item[0])):
        n = len(rows)
        known = [u for _, u, _ in rows if u is not None]
        holders.append(
            HolderMean(
                holder_label(holder),
                holder,
                n,
                math.fsum(v for v, _, _ in rows) / n,
                math.sqrt(math.fsum(u * u for u in known)) / n if len(known) == n else None,
                tuple(sorted({y for _, _, y in rows if y is not None})),
            )
        )
    return DefaultCheck(
        default,
        tuple(values),
        tuple(holders),
        consensus([h.mean for h in holders], [h.u for h in holders]),
        tuple(o.origin for o in observations),
    )


def check_defaults(
    observations: Iterable[Observation], catalogue: FactorCatalogue
) -> list[DefaultCheck]:
    """Every default the observations name, checked: ordered by kind, subject and reference."""
    groups: dict[str, tuple[Factor, list[Observation]]] = {}
    for observation in observations:
        default = catalogue.get(observation.default)
        groups.setdefault(default.ref, (default, []))[1].append(observation)
    checks = [check_default(default, found) for default, found in groups.values()]
    return sorted(checks, key=lambda c: (c.default.kind, c.default.subject, c.default.ref))


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def check_summary(check: DefaultCheck) -> dict[str, Any]:
    """The check as plain data (JSON: no NaN; enterprises by code only)."""
    c = check.consensus
    return {
        "default": check.default.ref,
        "default_value": check.default.value,
        "unit": check.unit,
        "default_u": check.default.standard_uncertainty,
        "measurements": check.n,
        "enterprises": c.holders,
        "years": list(check.years),
        "consensus": c.value,
        "consensus_u": _number(c.u),
        "tau": _number(c.tau),
        "method": c.method,
        "bias": check.bias,
        "relative_bias": check.relative_bias,
        "u_bias": _number(check.u_bias),
        "en": check.en,
        "understated_share": check.understated_share,
        "verdict": check.verdict,
        "publishable": check.publishable,
        "holders": [
            {"code": h.label, "n": h.n, "mean": h.mean, "u": h.u, "years": list(h.years)}
            for h in check.holders
        ],
    }
