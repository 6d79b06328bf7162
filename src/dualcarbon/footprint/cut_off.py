"""How much a cut-off leaves out, measured where the system itself can measure it.

A cut-off rule excludes inputs below a threshold of mass, energy or emissions (ISO 14044:2006
4.2.3.3.3 on cut-off criteria; ISO 14067:2018 6.3.4 and GB/T 24067-2024, which adopt them for a
CFP study; clause numbers as recalled, not read in the texts). A study states an estimated share
for each exclusion, and :class:`~dualcarbon.footprint.model.CutOffRule` refuses estimates above
the threshold. The estimate can be wrong: an input "under 1 %" may be a sixth of the mass. For a
mass or energy criterion the amounts are in the system, so the share is measured here:

    share_i = m_i / M × 100 %

where ``m_i`` is the excluded input ``i`` for one reference flow (each exchange's amount times
its process's scaling, summed over the processes using it) and ``M`` the system's inputs from
outside it in the same dimension: background supplies, bought electricity, excluded inputs and
elementary resources (not GHG uptake). Inputs made inside the system are not counted again. For
the emission criterion the excluded inputs have no factor, so only the estimate exists.

A rule is *breached* when a measured share exceeds the per-input threshold or the measured
shares together exceed the cap; the report then shows the breach instead of a tick.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dualcarbon.footprint.vocabulary import ExchangeKind
from dualcarbon.units import conversion_factor, same_dimension

if TYPE_CHECKING:
    from dualcarbon.footprint.footprint import FootprintResult

BASIS_UNIT = {"mass": "kg", "energy": "MJ"}


@dataclass(frozen=True)
class ExclusionShare:
    """One exclusion: its stated estimate and, where measurable, its measured share [%]."""

    product: str
    estimated_percent: float
    measured_percent: float | None
    """None for the emission criterion, or where a use is not in the criterion's dimension."""


@dataclass(frozen=True)
class CutOffCheck:
    """The cut-off rule against what the system shows (module docstring)."""

    criterion: str
    threshold_percent: float
    total_percent: float
    exclusions: tuple[ExclusionShare, ...]
    basis: float | None
    """M, the system's outside inputs in :data:`BASIS_UNIT` of the criterion, per reference flow."""

    @property
    def measured_total_percent(self) -> float | None:
        measured = [e.measured_percent for e in self.exclusions if e.measured_percent is not None]
        return sum(measured) if measured else None

    @property
    def over_threshold(self) -> tuple[ExclusionShare, ...]:
        return tuple(
            e
            for e in self.exclusions
            if e.measured_percent is not None and e.measured_percent > self.threshold_percent
        )

    @property
    def over_total(self) -> bool:
        total = self.measured_total_percent
        return total is not None and total > self.total_percent

    @property
    def breached(self) -> bool:
        return bool(self.over_threshold) or self.over_total


def check_cut_off(result: FootprintResult) -> CutOffCheck:
    """Measure each exclusion of ``result``'s system against its rule (module docstring)."""
    system = result.matrices.system
    rule = system.cut_off
    unit = BASIS_UNIT.get(rule.criterion)
    if unit is None or not rule.exclusions:
        shares = tuple(
            ExclusionShare(e.product, e.estimated_share_percent, None) for e in rule.exclusions
        )
        return CutOffCheck(rule.criterion, rule.threshold_percent, rule.total_percent, shares, None)

    scale: dict[str, float] = defaultdict(float)
    for column in result.matrices.columns:
        scale[column.process] += result.supply[(column.process, column.product)] * column.allocation
    providers = system.providers()
    amounts = system.amounts(result.overrides)
    flows = {f.id: f for f in system.flows}
    excluded: dict[str, float] = defaultdict(float)
    unmeasurable: set[str] = set()
    basis = 0.0
    for process in system.processes:
        for exchange, amount in zip(process.exchanges, amounts[process.id], strict=True):
            if exchange.kind is ExchangeKind.RESOURCE:
                flow = flows[exchange.flow or ""]
                if flow.gas is None and same_dimension(exchange.unit, unit):
                    basis += (
                        abs(amount) * scale[process.id] * conversion_factor(exchange.unit, unit)
                    )
                continue
            if exchange.kind is not ExchangeKind.TECHNOSPHERE:
                continue
            provider = providers[exchange.target]
            if provider.kind == "process":
                continue
            if not same_dimension(exchange.unit, unit):
                if provider.kind == "cut_off":
                    unmeasurable.add(exchange.target)
                continue
            value = abs(amount) * scale[process.id] * conversion_factor(exchange.unit, unit)
            basis += value
            if provider.kind == "cut_off":
                excluded[exchange.target] += value
    shares = tuple(
        ExclusionShare(
            e.product,
            e.estimated_share_percent,
            None
            if e.product in unmeasurable or basis <= 0
            else 100.0 * excluded[e.product] / basis,
        )
        for e in rule.exclusions
    )
    return CutOffCheck(rule.criterion, rule.threshold_percent, rule.total_percent, shares, basis)
