r"""Data quality ratings of a computed footprint, from the pedigree scores: the technological,
geographical and temporal DQRs PACT v3 exchanges (``dqi``) and a carbon label carries.

PACT v3 asks for three DQRs, technological, geographical and temporal, each "based on weighted
average of all inputs" of the footprint excluding biogenic uptake, and "between 1 and 5
inclusive" (``DataQualityIndicators`` in the v3 OpenAPI document). Our choice:

.. math:: \mathrm{DQR}_k = \frac{\sum_i |c_i|\, s_{i,k}}{\sum_i |c_i|}

over the trace lines :math:`i` that carry pedigree scores and are not biogenic uptake, where
:math:`c_i` [kgCO2e] is the line's contribution and :math:`s_{i,k}` its pedigree score for
indicator :math:`k` (1 best … 5 worst).

* **Scale.** v3 rates 1–5, so the pedigree score is used as it is
  (:func:`dualcarbon.footprint.pedigree.weighted_scores`). The v3 example-1 itself carries a
  ``geographicalDQR`` of 3.2, above v2's 1–3 range. Direction: 1 is
  good, as in the pedigree matrix (to be checked against the PACT Methodology v3 PDF, as
  decision 0007 says for v2).
* **Which scores.** A line's exchange scores its amount; a line of a background supply also has
  the supply's scores for its factor. Such a line takes, per indicator, the *worse* of the two:
  the data are only as representative as their least representative part.
* **Unscored lines** are left out of both sums; when no line is scored there is no ``dqi``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dualcarbon.footprint.footprint import ContributionLine, FootprintResult
from dualcarbon.footprint.model import FlowOrigin, ProductSystem
from dualcarbon.footprint.pedigree import PedigreeScores, weighted_scores


@dataclass(frozen=True)
class WeightedDqr:
    """Emission-weighted DQRs [1–5] and the share [%] of |contributions| that carried scores."""

    technological: float
    geographical: float
    temporal: float
    coverage_percent: float


def is_biogenic_uptake(line: ContributionLine) -> bool:
    """A biogenic removal (negative biogenic line): outside ``pcfExcludingBiogenicUptake``."""
    return line.origin is FlowOrigin.BIOGENIC and line.contribution < 0.0


def line_scores(system: ProductSystem, line: ContributionLine) -> PedigreeScores | None:
    """The pedigree scores behind one trace line (see the module docstring), or ``None``."""
    exchange = system.process(line.process).exchanges[line.exchange_index - 1]
    scores = [exchange.data_quality]
    if line.biosphere_row.startswith("background:"):
        supplies = {supply.product: supply for supply in system.background}
        supply = supplies.get(line.biosphere_row.removeprefix("background:"))
        if supply is not None:
            scores.append(supply.data_quality)
    known = [s for s in scores if s is not None]
    if not known:
        return None
    return PedigreeScores.model_validate(
        {name: max(getattr(s, name) for s in known) for name in PedigreeScores.model_fields}
    )


def weighted_dqr(system: ProductSystem, result: FootprintResult) -> WeightedDqr | None:
    """The footprint's v3 DQRs, weighted by |contribution| (module docstring)."""
    items: list[tuple[PedigreeScores, float]] = []
    all_weight = 0.0
    for line in result.trace:
        if is_biogenic_uptake(line):
            continue
        all_weight += abs(line.contribution)
        scores = line_scores(system, line)
        if scores is not None and line.contribution:
            items.append((scores, line.contribution))
    if not items:
        return None
    means = weighted_scores(items)
    scored_weight = sum(abs(weight) for _, weight in items)
    return WeightedDqr(
        technological=means["technological"],
        geographical=means["geographical"],
        temporal=means["temporal"],
        coverage_percent=100.0 * scored_weight / all_weight,
    )
