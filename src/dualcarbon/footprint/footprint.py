r"""The carbon footprint of a product system, with its contributions and their trace.

:func:`compute_footprint` builds the matrices (:mod:`.matrices`), solves :math:`A s = f` for the
reference flow and scores :math:`c^\mathsf{T} B s` [kgCO2e per functional/declared unit — the
reference flow fulfils the unit]. Every :math:`B` entry is one exchange of one column, so the
score splits exactly into one :class:`ContributionLine` per entry,
:math:`c_i B_{ij} s_j`, and the lines sum to the total. Summed by process (all columns of it:
:math:`c\cdot B_{:,j}\,s_j`), by life-cycle stage (the exchange's ``stage``, else its process's)
and by biosphere row (an elementary flow, or a folded ``background:``/``electricity:`` product)
they give the contribution tables. Background supplies and bought electricity count where they are
used (they are folded into :math:`B`), so their kgCO2e sit with the using process and stage.

A credit for an ``avoided_product`` made by a process of the system goes through :math:`A` (the
provider's supply falls) and so shows in the provider's lines, not as a line of its own; an avoided
background product is a negative line of the avoiding process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.footprint.matrices import (
    CutOffInput,
    SystemMatrices,
    build_matrices,
    electricity_fold,
)
from dualcarbon.footprint.model import (
    ElectricityBasis,
    ElectricityChoice,
    ExchangeKind,
    FlowOrigin,
    ProductSystem,
    Stage,
    primary_data_share,
)
from dualcarbon.footprint.montecarlo import MonteCarloResult, monte_carlo
from dualcarbon.footprint.solver import TechnosphereSolver, Vector
from dualcarbon.units import conversion_factor


@dataclass(frozen=True)
class ContributionLine:
    """One exchange's share of the footprint.

    ``amount`` [``unit``] is the exchange's amount for the reference flow (allocated and scaled by
    its column's supply), ``factor`` kgCO2e per ``unit`` (GWP, background or electricity factor)
    from ``factor_ref`` / ``factor_source``; ``contribution`` [kgCO2e] is signed (a resource such
    as biogenic uptake, or an avoided product, is negative)."""

    process: str
    product: str
    stage: Stage
    exchange_index: int
    kind: ExchangeKind
    target: str
    biosphere_row: str
    amount: float
    unit: str
    factor: float
    factor_ref: str
    factor_source: str
    contribution: float
    primary: bool
    origin: FlowOrigin = FlowOrigin.FOSSIL
    aircraft: bool = False


@dataclass(frozen=True)
class GhgComponents:
    """The footprint's parts that ISO 14067:2018 (6.4.9, and the study report of clause 7) and
    GB/T 24067-2024 have documented separately [kgCO2e for the reference flow].

    ``fossil`` + ``biogenic_emissions`` + ``biogenic_removals`` + ``land_use_change`` is the
    total; removals are negative (uptake counts −1 per kg CO2, ISO 14067 6.4.9). ``aircraft`` is
    a part of the others (air transport), shown apart as the standard asks. Background supplies
    and grid or contract electricity count as fossil unless their ``origin`` says otherwise.
    """

    fossil: float
    biogenic_emissions: float
    biogenic_removals: float
    land_use_change: float
    aircraft: float

    @property
    def total(self) -> float:
        return self.fossil + self.biogenic_emissions + self.biogenic_removals + self.land_use_change

    @property
    def excluding_biogenic_removals(self) -> float:
        """The footprint without biogenic uptake (PACT v3 ``pcfExcludingBiogenicUptake``)."""
        return self.total - self.biogenic_removals

    @classmethod
    def of(cls, lines: tuple[ContributionLine, ...]) -> GhgComponents:
        parts = dict.fromkeys(("fossil", "bio+", "bio-", "luc", "air"), 0.0)
        for line in lines:
            if line.origin is FlowOrigin.FOSSIL:
                parts["fossil"] += line.contribution
            elif line.origin is FlowOrigin.LAND_USE_CHANGE:
                parts["luc"] += line.contribution
            elif line.contribution < 0.0:
                parts["bio-"] += line.contribution
            else:
                parts["bio+"] += line.contribution
            if line.aircraft:
                parts["air"] += line.contribution
        return cls(parts["fossil"], parts["bio+"], parts["bio-"], parts["luc"], parts["air"])


@dataclass(frozen=True)
class ElectricityUse:
    """An electricity exchange, its sourcing choice, its ``amount`` for the reference flow, and
    what it contributes [kgCO2e]. On-site electricity is made by a process of the system: its
    ``factor`` is None and its ``contribution`` 0 here, its kgCO2e are that process's lines."""

    process: str
    exchange_index: int
    product: str
    choice: ElectricityChoice
    amount: float
    unit: str
    factor: float | None
    factor_ref: str
    contribution: float
    location_contribution: float
    """What it would contribute at its grid's factor: the same as ``contribution`` for grid and
    on-site electricity, ``amount`` × the ``location_factor`` for a contractual instrument."""
    location_factor_ref: str = ""


@dataclass(frozen=True)
class FootprintResult:
    """A product's carbon footprint [kgCO2e for the reference flow], with its breakdowns."""

    system_id: str
    functional_unit: str
    reference_flow: tuple[float, str]
    gwp_set: str
    total: float
    supply: dict[tuple[str, str], float]
    by_process: dict[str, float]
    by_stage: dict[Stage, float]
    by_flow: dict[str, float]
    electricity: tuple[ElectricityUse, ...]
    primary_data_share: float
    trace: tuple[ContributionLine, ...]
    cut_off: tuple[CutOffInput, ...]
    matrices: SystemMatrices
    components: GhgComponents
    overrides: dict[str, float]

    @property
    def location_based_total(self) -> float:
        """The footprint with every contractual electricity instrument replaced by its grid's
        factor: shown beside the (market-based) total whenever an instrument is used."""
        return self.total + sum(u.location_contribution - u.contribution for u in self.electricity)

    @property
    def contractual(self) -> bool:
        return any(u.choice.basis.contractual for u in self.electricity)


def compute_footprint(
    system: ProductSystem,
    *,
    overrides: Mapping[str, float] | None = None,
    catalogue: FactorCatalogue | None = None,
) -> FootprintResult:
    """The footprint of ``system``'s reference flow, system parameters set by ``overrides``."""
    matrices = build_matrices(system, overrides=overrides, catalogue=catalogue)
    supply = TechnosphereSolver(matrices.technosphere.matrix()).solve(matrices.demand)
    c = matrices.characterisation
    total = float(c @ (matrices.biosphere.matrix() @ supply))

    background = {supply.product: supply for supply in system.background}
    trace: list[ContributionLine] = []
    for entry in matrices.entries:
        if entry.matrix != "B":
            continue
        column = matrices.columns[entry.col]
        s = float(supply[entry.col])
        row = matrices.biosphere_rows[entry.row]
        origin, aircraft = FlowOrigin.FOSSIL, False
        if row.kind == "flow":
            origin = system.flow(row.ref).origin
        elif row.kind == "background":
            origin, aircraft = background[row.ref].origin, background[row.ref].aircraft
        trace.append(
            ContributionLine(
                process=entry.process,
                product=column.product,
                stage=entry.stage,
                exchange_index=entry.exchange_index,
                kind=entry.exchange.kind,
                target=entry.target,
                biosphere_row=row.id,
                amount=entry.amount * column.allocation * s,
                unit=entry.unit,
                factor=entry.factor,
                factor_ref=entry.factor_ref,
                factor_source=entry.factor_source,
                contribution=float(c[entry.row]) * entry.value * s,
                primary=entry.exchange.primary,
                origin=origin,
                aircraft=aircraft,
            )
        )

    by_process: dict[str, float] = {p.id: 0.0 for p in system.processes}
    by_stage: dict[Stage, float] = dict.fromkeys(system.stages, 0.0)
    by_flow: dict[str, float] = defaultdict(float)
    for line in trace:
        by_process[line.process] += line.contribution
        by_stage[line.stage] += line.contribution
        by_flow[line.biosphere_row] += line.contribution

    electricity: list[ElectricityUse] = []
    for process in system.processes:
        for index, exchange in enumerate(process.exchanges):
            if exchange.electricity is None:
                continue
            used = [t for t in trace if t.process == process.id and t.exchange_index == index + 1]
            scaled = _scaled_amount(matrices, supply, process.id, index + 1)
            contribution = sum(t.contribution for t in used)
            location, location_ref = contribution, ""
            if exchange.electricity.basis.contractual:
                location, location_ref = _at_grid(
                    exchange.electricity, scaled, exchange.unit, exchange.target, catalogue
                )
            electricity.append(
                ElectricityUse(
                    process=process.id,
                    exchange_index=index + 1,
                    product=exchange.target,
                    choice=exchange.electricity,
                    amount=scaled,
                    unit=exchange.unit,
                    factor=used[0].factor if used else None,
                    factor_ref=used[0].factor_ref if used else "",
                    contribution=contribution,
                    location_contribution=location,
                    location_factor_ref=location_ref,
                )
            )

    return FootprintResult(
        system_id=system.id,
        functional_unit=system.functional_unit.description,
        reference_flow=(system.reference_amount(overrides), system.reference_flow.unit),
        gwp_set=system.gwp_set,
        total=total,
        supply={
            (col.process, col.product): float(s)
            for col, s in zip(matrices.columns, supply, strict=True)
        },
        by_process=by_process,
        by_stage=by_stage,
        by_flow=dict(by_flow),
        electricity=tuple(electricity),
        primary_data_share=primary_data_share((t.primary, t.contribution) for t in trace),
        trace=tuple(trace),
        cut_off=matrices.cut_off,
        matrices=matrices,
        components=GhgComponents.of(tuple(trace)),
        overrides=dict(overrides or {}),
    )


def _at_grid(
    choice: ElectricityChoice,
    amount: float,
    unit: str,
    product: str,
    catalogue: FactorCatalogue | None,
) -> tuple[float, str]:
    """kgCO2e of ``amount`` (in ``unit``) at the contractual choice's ``location_factor``."""
    assert choice.location_factor is not None
    grid = ElectricityChoice(
        basis=ElectricityBasis.LOCATION_BASED, grid_factor=choice.location_factor
    )
    folded = electricity_fold(product, grid, catalogue or default_catalogue())
    return amount * conversion_factor(unit, folded.unit) * folded.factor, folded.ref


def footprint_monte_carlo(
    matrices: SystemMatrices,
    draws: int = 1000,
    *,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> MonteCarloResult:
    """The footprint's distribution over ``draws`` Monte Carlo draws: every exchange after its own
    law, and each background or electricity factor drawn once per draw for all its uses."""
    return monte_carlo(
        matrices.technosphere,
        matrices.biosphere,
        matrices.characterisation,
        matrices.demand,
        draws,
        factors=matrices.factors,
        seed=seed,
        progress=progress,
    )


def _scaled_amount(
    matrices: SystemMatrices, supply: Vector, process_id: str, exchange_index: int
) -> float:
    """An exchange's amount for the reference flow: over the process's columns, amount × the
    column's allocation × its supply."""
    return sum(
        e.amount * matrices.columns[e.col].allocation * float(supply[e.col])
        for e in matrices.entries
        if e.process == process_id and e.exchange_index == exchange_index
    )
