"""A default factor against the measured values of the enterprises that measure instead.

For each default, its observations are converted to the default's unit and averaged per
enterprise (an enterprise's months are one coal supply, not independent draws of the nation's);
the enterprise means give the consensus μ with u(μ) and the spread τ (:mod:`.consensus`). The
default's bias is b = d − μ with u(b)² = u(μ)² + u(d)², and

    En = b / (2·u(b))                               (ISO 13528:2015 9.7, k = 2)

says whether the default agrees with the measurements (|En| ≤ 1). Where the default sits among
the enterprises is the share of them whose own mean is above it: those whose emissions the default
understates. Fewer than :data:`MIN_HOLDERS` enterprises give no verdict, no published factor and
no statistics shown (:func:`check_summary`): such a figure would be one enterprise's value, and
would disclose it. Enterprises are named by a keyed code (:func:`holder_code`), which whoever
lacks the key cannot compute from a list of enterprise names.
"""

from __future__ import annotations

import hashlib
import hmac
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

Verdict = Literal["insufficient", "no_uncertainty", "consistent", "default_above", "default_below"]


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
    organisations: int
    """How many organisations the holders belong to (one group's plants are one)."""

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
        return self.bias / self.consensus.value if self.consensus.value else math.nan

    @property
    def u_bias(self) -> float:
        return math.hypot(self.consensus.u, self.default_u)

    @property
    def disclosed(self) -> bool:
        """Enough enterprises for their statistics to be shown (and a verdict given): holders,
        and organisations, since three plants of one group would disclose that group."""
        return min(self.consensus.holders, self.organisations) >= MIN_HOLDERS

    @property
    def en(self) -> float | None:
        if not self.disclosed or _negligible(self.u_bias, self.consensus.value):
            return None
        return self.bias / (COVERAGE_K * self.u_bias)

    @property
    def understated_share(self) -> float:
        """The share of enterprises whose mean is above the default."""
        return sum(h.mean > self.default.value for h in self.holders) / len(self.holders)

    @property
    def verdict(self) -> Verdict:
        if not self.disclosed:
            return "insufficient"
        en = self.en
        if en is None:
            # every enterprise the same, and none gave an uncertainty: nothing to weigh b by
            return "no_uncertainty"
        if abs(en) <= 1.0:
            return "consistent"
        return "default_above" if en > 0 else "default_below"

    @property
    def publishable(self) -> bool:
        """A verdict, and an uncertainty to publish with the value."""
        u = self.consensus.prediction_u
        return self.disclosed and math.isfinite(u) and not _negligible(u, self.consensus.value)


def _negligible(u: float, value: float) -> bool:
    """No uncertainty to speak of: below a billionth of the value, where only rounding lives (no
    laboratory reports carbon or heat to ten digits)."""
    return not u > 1e-9 * abs(value)


def codes_key(secret: str) -> bytes:
    """The key of the enterprise codes, derived from a secret (the platform's own key)."""
    return hashlib.sha256(b"dualcarbon enterprise codes\0" + secret.encode("utf-8")).digest()


def holder_code(holder: str, key: bytes) -> str:
    """An enterprise's code in a report for the factor database's maintainers: HMAC-SHA-256 of
    its name under ``key``, 40 bits. The same key gives the same code year after year; without
    it, the code cannot be recomputed from a list of names."""
    digest = hmac.new(key, holder.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"E-{digest[:10]}"


def check_default(default: Factor, observations: Sequence[Observation], key: bytes) -> DefaultCheck:
    """One default against its observations (each positive, in a unit convertible to the
    default's)."""
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
        if not (math.isfinite(value) and value > 0.0):
            raise DualcarbonError(
                f"{observation.origin}: a measured {default.kind} must be a positive number"
            )
        u = None if observation.u is None else observation.u * scale
        values.append(value)
        by_holder.setdefault(observation.holder, []).append((value, u, observation.year))
    holders = []
    for holder, rows in sorted(by_holder.items(), key=lambda item: holder_code(item[0], key)):
        n = len(rows)
        known = [u for _, u, _ in rows if u is not None]
        holders.append(
            HolderMean(
                holder_code(holder, key),
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
        len({o.owner for o in observations}),
    )


def check_defaults(
    observations: Iterable[Observation], catalogue: FactorCatalogue, key: bytes
) -> list[DefaultCheck]:
    """Every default the observations name, checked: ordered by kind, subject and reference."""
    groups: dict[str, tuple[Factor, list[Observation]]] = {}
    for observation in observations:
        default = catalogue.get(observation.default)
        groups.setdefault(default.ref, (default, []))[1].append(observation)
    checks = [check_default(default, found, key) for default, found in groups.values()]
    return sorted(checks, key=lambda c: (c.default.kind, c.default.subject, c.default.ref))


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def check_summary(check: DefaultCheck) -> dict[str, Any]:
    """The check as plain data (JSON: no NaN). Enterprises by code only, and with fewer than
    :data:`MIN_HOLDERS` of them only the counts: their statistics would be theirs."""
    c = check.consensus
    shown = check.disclosed
    return {
        "default": check.default.ref,
        "default_value": check.default.value,
        "unit": check.unit,
        "default_u": check.default.standard_uncertainty,
        "measurements": check.n,
        "enterprises": c.holders,
        "organisations": check.organisations,
        "years": list(check.years),
        "consensus": c.value if shown else None,
        "consensus_u": _number(c.u) if shown else None,
        "tau": _number(c.tau) if shown else None,
        "method": c.method if shown else None,
        "bias": check.bias if shown else None,
        "relative_bias": _number(check.relative_bias) if shown else None,
        "u_bias": _number(check.u_bias) if shown else None,
        "en": check.en,
        "understated_share": check.understated_share if shown else None,
        "verdict": check.verdict,
        "publishable": check.publishable,
        "holders": [
            {"code": h.label, "n": h.n, "mean": h.mean, "u": h.u, "years": list(h.years)}
            for h in check.holders
        ]
        if shown
        else [],
    }
