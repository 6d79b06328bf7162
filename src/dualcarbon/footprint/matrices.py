r"""A product system as matrices: technosphere :math:`A`, biosphere :math:`B`, characterisation
:math:`c`, the demand :math:`f`, the index maps, and each entry's exchange and lognormal σ.

Columns
    One column per product a process makes: a single-output process is one column; a process
    with co-products is one column per co-product, each carrying the co-product's
    :meth:`~.model.Process.allocation_factor` times every input, emission and avoided product
    (ISO 14044 4.3.4.2 partitioning). A column's own production amount sits on the diagonal,
    unallocated; its sibling co-products are not in it.

:math:`A` (products × columns)
    Rows are the products made by processes of the system, in the order the columns make them
    (so :math:`A` is square, the diagonal the production). An input of a product made in the
    system is negative, converted to the unit its provider makes it in. An ``avoided_product``
    made in the system is a *production-side credit*: positive, as if the column also made it, so
    its provider's supply falls by that much (substitution, decision 0007). Under cut-off the model
    already refuses end-of-life credits, so no further recycling logic is needed here; secondary
    inputs simply link to their own (reprocessing) provider.

:math:`B` (biosphere rows × columns)
    Elementary flows: an ``emission`` positive, a ``resource`` negative (biogenic CO2 uptake is a
    resource and so removes), in the flow's unit. **Background supplies and bought electricity are
    folded into** :math:`B`: each such product is one biosphere row already in kgCO2e
    (``background:<product>`` / ``electricity:<product>``) whose :math:`c` is 1, and an input of
    it enters the *using* column as ``amount × factor`` (kgCO2e per unit of the column). This is
    the simplest correct route: the score is the same as with a column per supply, and every
    kgCO2e stays attached to the process, the stage and the exchange that uses it, which is what
    the contribution analysis and the trace need. An avoided background product enters negative.
    On-site electricity is made by a process of the system and is linked through :math:`A`.
    Inputs cut off by the :class:`~.model.CutOffRule` enter nowhere (they are listed in
    :attr:`SystemMatrices.cut_off`).

:math:`c`
    For an elementary flow with a ``gas``: the GWP of the gas in the system's GWP set (catalogue id
    ``<gwp_set>/gwp/<gas>``), per the flow's unit (kgCO2e per flow unit). A flow without a gas
    (not a GHG) has 0. Folded background/electricity rows have 1.

Distribution of each entry
    From :meth:`~.model.Exchange.resolved_uncertainty` of the exchange's amount, carried into the
    matrix's units (an entry is ``ratio × amount``: sign, allocation, unit conversion and any
    folded factor): a lognormal keeps its σ, a normal's σ and the bounds of a uniform or
    triangular are scaled by the ratio; undefined and none are exact. A folded entry carries only
    its amount's uncertainty.

Factor multipliers (:attr:`SystemMatrices.factors`)
    One per row of :math:`B`, value 1: the uncertainty of a folded row's factor — a background
    supply's (:meth:`~.model.BackgroundSupply.resolved_uncertainty`), an electricity choice's own
    (its ``data_quality``/``uncertainty``), else a catalogue grid factor's published uncertainty
    (as a lognormal of the same relative standard deviation), else none. It is drawn once per
    Monte Carlo draw for all the row's entries, so the uses of one factor move together.
    Elementary-flow rows (GWP) are exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from dualcarbon.errors import UnitMismatchError
from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.footprint.model import (
    ENERGY_UNIT,
    BackgroundSupply,
    ElectricityBasis,
    ElectricityChoice,
    Exchange,
    ExchangeKind,
    Process,
    ProductSystem,
    Provider,
    Stage,
    Uncertainty,
    UncertaintyType,
)
from dualcarbon.footprint.montecarlo import LOGNORMAL, NONE, NORMAL, Spread, UncertainMatrix
from dualcarbon.units import conversion_factor

CO2E_UNIT = "kgCO2e"
"""The unit of the score and of the folded background/electricity rows."""


@dataclass(frozen=True)
class Column:
    """A column of :math:`A` and :math:`B`: ``process`` making ``product`` (per one ``unit``),
    carrying ``allocation`` of the process's exchanges."""

    process: str
    product: str
    unit: str
    allocation: float
    stage: Stage


@dataclass(frozen=True)
class BiosphereRow:
    """A row of :math:`B`: an elementary ``flow`` (``ref`` = flow id, ``unit`` its unit) or a
    folded ``background`` / ``electricity`` product (``ref`` = product id, ``unit`` kgCO2e).

    ``factor`` is the row's :math:`c`; ``factor_ref`` names where it comes from (the GWP factor's
    ``id@version``), empty for the folded rows (their factor is on each entry)."""

    id: str
    kind: Literal["flow", "background", "electricity"]
    ref: str
    unit: str
    factor: float
    factor_ref: str


@dataclass(frozen=True)
class MatrixEntry:
    """One exchange's entry in :math:`A` or :math:`B`.

    ``value`` is the signed, allocated, unit-converted number at ``(row, col)``; ``amount`` the
    exchange's own (unsigned, evaluated) amount in ``unit``. ``factor`` is kgCO2e per ``unit`` of
    the exchange for a :math:`B` entry (the GWP, the background or the electricity factor), with
    its ``factor_ref`` (catalogue ``id@version``, or the background's ``source``, or the contract
    ``instrument``) and ``factor_source`` (the document). An :math:`A` entry has factor 0."""

    matrix: Literal["A", "B"]
    row: int
    col: int
    value: float
    sigma: float
    process: str
    exchange_index: int
    exchange: Exchange
    amount: float
    unit: str
    stage: Stage
    factor: float = 0.0
    factor_ref: str = ""
    factor_source: str = ""
    kind: int = NONE
    low: float = 0.0
    high: float = 0.0

    @property
    def target(self) -> str:
        return self.exchange.target


@dataclass(frozen=True)
class CutOffInput:
    """An input left out by the cut-off rule (it enters no matrix)."""

    process: str
    exchange_index: int
    product: str
    amount: float
    unit: str


@dataclass(frozen=True)
class SystemMatrices:
    """A product system's matrices (module docstring) and what each row, column and entry is."""

    system: ProductSystem
    products: tuple[str, ...]
    columns: tuple[Column, ...]
    biosphere_rows: tuple[BiosphereRow, ...]
    technosphere: UncertainMatrix
    biosphere: UncertainMatrix
    characterisation: NDArray[np.float64]
    demand: NDArray[np.float64]
    entries: tuple[MatrixEntry, ...]
    cut_off: tuple[CutOffInput, ...]
    factors: Spread

    @property
    def product_index(self) -> dict[str, int]:
        """Row of :math:`A` of each product."""
        return {p: i for i, p in enumerate(self.products)}

    @property
    def column_index(self) -> dict[tuple[str, str], int]:
        """Column of each ``(process id, product)``."""
        return {(c.process, c.product): j for j, c in enumerate(self.columns)}

    @property
    def biosphere_index(self) -> dict[str, int]:
        """Row of :math:`B` of each flow id, ``background:<product>``, ``electricity:<product>``."""
        return {r.id: i for i, r in enumerate(self.biosphere_rows)}

    @property
    def reference_column(self) -> int:
        return self.column_index[(self.system.reference_process, self.system.reference_product)]


Law = tuple[int, float, float, float]
"""A law in matrix units: stats_arrays id, σ, low, high (as :class:`~.montecarlo.Spread`)."""


def scaled_law(uncertainty: Uncertainty, ratio: float) -> Law:
    """The law of ``ratio × x`` for ``x`` distributed as ``uncertainty``."""
    kind = uncertainty.type
    if ratio == 0 or kind in (UncertaintyType.UNDEFINED, UncertaintyType.NONE):
        return NONE, 0.0, 0.0, 0.0
    if kind is UncertaintyType.LOGNORMAL:
        assert uncertainty.scale is not None
        return LOGNORMAL, uncertainty.scale, 0.0, 0.0
    if kind is UncertaintyType.NORMAL:
        assert uncertainty.scale is not None
        return NORMAL, abs(ratio) * uncertainty.scale, 0.0, 0.0
    assert uncertainty.minimum is not None and uncertainty.maximum is not None
    low, high = sorted((ratio * uncertainty.minimum, ratio * uncertainty.maximum))
    return int(kind), 0.0, low, high


def _relative_law(uncertainty: Uncertainty, value: float) -> Law:
    """The law of a factor's multiplier (factor_k / factor) — value 1."""
    return scaled_law(uncertainty, 1.0 / value) if value else (NONE, 0.0, 0.0, 0.0)


def _co2e_per(unit: str, per: str, what: str) -> float:
    """Factor of a ``unit`` (kgCO2e/kg, tCO2/MWh …) to kgCO2e per ``per``; CO2 counts as CO2e."""
    try:
        return conversion_factor(unit, f"{CO2E_UNIT}/({per})", quantity_name=what)
    except UnitMismatchError:
        return conversion_factor(unit, f"kgCO2/({per})", quantity_name=what)


@dataclass(frozen=True)
class _Folded:
    """A background or electricity product folded into :math:`B`: kgCO2e per ``unit``."""

    kind: Literal["background", "electricity"]
    unit: str
    factor: float
    law: Law
    ref: str
    source: str


def _background_fold(supply: BackgroundSupply) -> _Folded:
    per_unit = supply.emission_factor * _co2e_per(
        supply.emission_factor_unit, supply.unit, f"background {supply.product}"
    )
    return _Folded(
        "background",
        supply.unit,
        per_unit,
        _relative_law(supply.resolved_uncertainty(), supply.emission_factor),
        f"background/{supply.product}",
        supply.source,
    )


def electricity_fold(
    product: str, choice: ElectricityChoice, catalogue: FactorCatalogue
) -> _Folded:
    if choice.basis is ElectricityBasis.LOCATION_BASED:
        assert choice.grid_factor is not None
        factor = catalogue.get(choice.grid_factor)
        value = factor.value * _co2e_per(factor.unit, ENERGY_UNIT, f"grid factor {factor.id}")
        law = _relative_law(choice.resolved_uncertainty(factor.value), factor.value)
        u = factor.standard_uncertainty
        if law[0] == NONE and u and factor.value:
            # the published u as a lognormal of the same relative standard deviation
            law = (LOGNORMAL, math.sqrt(math.log1p((u / factor.value) ** 2)), 0.0, 0.0)
        return _Folded("electricity", ENERGY_UNIT, value, law, factor.ref, factor.citation("en"))
    assert choice.emission_factor is not None and choice.emission_factor_unit is not None
    value = choice.emission_factor * _co2e_per(
        choice.emission_factor_unit, ENERGY_UNIT, f"electricity {product}"
    )
    return _Folded(
        "electricity",
        ENERGY_UNIT,
        value,
        _relative_law(choice.resolved_uncertainty(choice.emission_factor), choice.emission_factor),
        choice.instrument or choice.basis.value,
        choice.evidence or "",
    )


@dataclass(frozen=True)
class _Links:
    """Where an exchange's target lands: rows, providers, folded factors, flow units."""

    providers: dict[str, Provider]
    product_row: dict[str, int]
    bio_row: dict[str, int]
    folded: dict[str, _Folded]
    flow_unit: dict[str, str]
    flow_factor: dict[str, float]
    gwp_ref: dict[str, str]


def build_matrices(
    system: ProductSystem,
    *,
    overrides: Mapping[str, float] | None = None,
    catalogue: FactorCatalogue | None = None,
) -> SystemMatrices:
    """The matrices of ``system`` (module docstring), formulas evaluated with ``overrides``."""
    catalogue = catalogue or default_catalogue()
    amounts = system.amounts(overrides)
    providers = system.providers()

    columns: list[Column] = []
    for process in system.processes:
        for product in dict.fromkeys(process.products):
            unit = process.production(product).unit
            columns.append(
                Column(process.id, product, unit, process.allocation_factor(product), process.stage)
            )
    products = tuple(c.product for c in columns)
    product_row = {p: i for i, p in enumerate(products)}

    folded: dict[str, _Folded] = {s.product: _background_fold(s) for s in system.background}
    for product, choice in system.electricity_choices().items():
        if choice.basis is not ElectricityBasis.ON_SITE:
            folded[product] = electricity_fold(product, choice, catalogue)

    rows: list[BiosphereRow] = []
    for flow in system.flows:
        factor, ref = 0.0, ""
        if flow.gas is not None:
            gwp = catalogue.get(f"{system.gwp_set}/gwp/{flow.gas}")
            per_kg = gwp.value * conversion_factor(gwp.unit, f"{CO2E_UNIT}/kg")
            factor = per_kg * conversion_factor(flow.unit, "kg", quantity_name=f"flow {flow.id}")
            ref = gwp.ref
        rows.append(BiosphereRow(flow.id, "flow", flow.id, flow.unit, factor, ref))
    for product, fold in folded.items():
        rows.append(BiosphereRow(f"{fold.kind}:{product}", fold.kind, product, CO2E_UNIT, 1.0, ""))
    links = _Links(
        providers=providers,
        product_row=product_row,
        bio_row={r.id: i for i, r in enumerate(rows)},
        folded=folded,
        flow_unit={f.id: f.unit for f in system.flows},
        flow_factor={r.ref: r.factor for r in rows if r.kind == "flow"},
        gwp_ref={r.ref: r.factor_ref for r in rows if r.kind == "flow"},
    )

    cut_off = [
        CutOffInput(process.id, index + 1, exchange.target, amount, exchange.unit)
        for process in system.processes
        for index, (exchange, amount) in enumerate(
            zip(process.exchanges, amounts[process.id], strict=True)
        )
        if not exchange.kind.is_elementary
        and exchange.kind is not ExchangeKind.PRODUCTION
        and providers[exchange.target].kind == "cut_off"
    ]
    entries: list[MatrixEntry] = []
    for col, column in enumerate(columns):
        process = system.process(column.process)
        for index, (exchange, amount) in enumerate(
            zip(process.exchanges, amounts[process.id], strict=True)
        ):
            entry = _entry(
                exchange, amount, col=col, column=column, process=process, index=index, links=links
            )
            if entry is not None:
                entries.append(entry)

    a_entries = [e for e in entries if e.matrix == "A"]
    b_entries = [e for e in entries if e.matrix == "B"]
    n = len(columns)
    demand = np.zeros(n)
    reference = system.process(system.reference_process).production(system.reference_product)
    demand[product_row[system.reference_product]] = system.reference_amount(overrides) * (
        conversion_factor(system.reference_flow.unit, reference.unit, quantity_name="reference")
    )
    return SystemMatrices(
        system=system,
        products=products,
        columns=tuple(columns),
        biosphere_rows=tuple(rows),
        technosphere=_uncertain(a_entries, (n, n)),
        biosphere=_uncertain(b_entries, (len(rows), n)),
        characterisation=np.array([r.factor for r in rows], dtype=np.float64),
        demand=demand,
        entries=tuple(entries),
        cut_off=tuple(cut_off),
        factors=_factor_spread(rows, folded),
    )


def _factor_spread(rows: list[BiosphereRow], folded: Mapping[str, _Folded]) -> Spread:
    laws = [folded[r.ref].law if r.kind != "flow" else (NONE, 0.0, 0.0, 0.0) for r in rows]
    kind, sigma, low, high = (
        (np.array(column) for column in zip(*laws, strict=True))
        if laws
        else (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0))
    )
    return Spread(np.ones(len(rows)), kind.astype(np.int64), sigma, low, high)


def _uncertain(entries: list[MatrixEntry], shape: tuple[int, int]) -> UncertainMatrix:
    def ints(values: list[int]) -> NDArray[np.int64]:
        return np.array(values, dtype=np.int64)

    def floats(values: list[float]) -> NDArray[np.float64]:
        return np.array(values, dtype=np.float64)

    return UncertainMatrix(
        ints([e.row for e in entries]),
        ints([e.col for e in entries]),
        floats([e.value for e in entries]),
        floats([e.sigma for e in entries]),
        shape,
        kind=ints([e.kind for e in entries]),
        low=floats([e.low for e in entries]),
        high=floats([e.high for e in entries]),
    )


def _entry(
    exchange: Exchange,
    amount: float,
    *,
    col: int,
    column: Column,
    process: Process,
    index: int,
    links: _Links,
) -> MatrixEntry | None:
    """The entry of one exchange in one column, or None when it enters no matrix there."""
    kind = exchange.kind
    uncertainty = exchange.resolved_uncertainty(amount)

    def make(
        matrix: Literal["A", "B"],
        row: int,
        ratio: float,
        factor: float = 0.0,
        ref: str = "",
        source: str = "",
    ) -> MatrixEntry:
        """The entry ``ratio × amount`` at ``row``, its law scaled alike."""
        value = ratio * amount
        law, sigma, low, high = scaled_law(uncertainty, ratio) if value else (NONE, 0, 0, 0)
        return MatrixEntry(
            matrix,
            row,
            col,
            value,
            sigma,
            process.id,
            index + 1,
            exchange,
            amount,
            exchange.unit,
            exchange.stage or process.stage,
            factor,
            ref,
            source,
            law,
            low,
            high,
        )

    if kind is ExchangeKind.PRODUCTION:
        if exchange.product != column.product:
            return None  # a sibling co-product: its own column
        return make("A", col, 1.0)
    share = column.allocation
    if share == 0:
        return None
    if kind.is_elementary:
        flow = exchange.target
        sign = 1.0 if kind is ExchangeKind.EMISSION else -1.0
        converted = conversion_factor(exchange.unit, links.flow_unit[flow], quantity_name=flow)
        ref = links.gwp_ref[flow]
        return make(
            "B",
            links.bio_row[flow],
            sign * share * converted,
            links.flow_factor[flow] * converted,
            ref,
            "GWP100" if ref else "",
        )
    product = exchange.target
    sign = -1.0 if kind is ExchangeKind.TECHNOSPHERE else 1.0
    if links.providers[product].kind == "cut_off":
        return None
    fold = links.folded.get(product)
    if fold is not None:
        per_unit = fold.factor * conversion_factor(exchange.unit, fold.unit, quantity_name=product)
        return make(
            "B",
            links.bio_row[f"{fold.kind}:{product}"],
            -sign * share * per_unit,
            per_unit,
            fold.ref,
            fold.source,
        )
    unit = links.providers[product].unit
    assert unit is not None
    ratio = sign * share * conversion_factor(exchange.unit, unit, quantity_name=product)
    return make("A", links.product_row[product], ratio)
