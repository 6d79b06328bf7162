r"""Specific embedded emissions of CBAM goods (Implementing Regulation (EU) 2025/2547, Annex III).

For the production process of good :math:`g` in the reporting year:

* attributed direct emissions :math:`AttrEm_{Dir}` — the counted emissions of the enterprise
  inventory's process (:mod:`dualcarbon.attribution`), deductions subtracted, never below 0
  (eq. 55; measurable heat and waste gases crossing the boundary are not in the inventories yet);
* attributed indirect emissions :math:`AttrEm_{Indir} = E_{el} \times EF_{el}` (eq. 56), the
  electricity consumed times the country's factor of Annex II to IR 2025/2621 (China 0.605
  tCO2e/MWh) unless the operator gives another with its evidence (Art. 9);
* the activity level :math:`AL_g`, the good's output [functional units] (Annex II F);
* simple good (eqs. 57–58): :math:`SEE_g = AttrEm_g / AL_g`;
* complex good (eqs. 59–63): :math:`SEE_g = (AttrEm_g + \sum_i M_i \, SEE_i) / AL_g`, direct and
  indirect apart, recursively; a precursor made in the installation brings its own SEE, a bought
  one its producer's actual values or the default of its country (IR 2025/2621, not marked up:
  the mark-up is the declarant's on the good it declares);
* goods of Annex II to Reg. 2023/956 (iron and steel, aluminium) count direct emissions only;
  their indirect emissions are computed and shown, not added;
* cement's functional unit is the tonne of clinker contained (Art. 4(5)): the SEE per tonne of
  cement divided by the clinker ratio :math:`Ck` (eq. 64 read backwards);
* a good with no data of its own stands on its default values, with the mark-up of the year on the
  total (10 % in 2026, 20 % in 2027, 30 % from 2028), marked as default.

The share of defaults is the part of :math:`SEE_g` that rests on default values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from dualcarbon.accounting.result import AccountingResult
from dualcarbon.attribution import Attribution
from dualcarbon.attribution.attribute import (
    electricity_sources,
    exported_sources,
    heat_sources,
    indirect_sources,
    whole_lines,
)
from dualcarbon.cbam.catalogue import Good, defaults, goods
from dualcarbon.cbam.declaration import (
    Actual,
    Declaration,
    GoodDeclaration,
    Measured,
    PrecursorUse,
)
from dualcarbon.errors import InputError, InputProblem, UnitMismatchError, UnknownUnitError
from dualcarbon.methodologies.definition import Methodology, get_methodology
from dualcarbon.units import conversion_factor

Source = tuple[Attribution | None, AccountingResult]
"""The attribution of an inventory (None for a whole-inventory process) and its result."""


class CbamError(InputError):
    """The declaration cannot be computed as it stands: one problem, naming its field."""

    def __init__(self, rule: str, field: str | None = None, value: object = None) -> None:
        super().__init__([InputProblem("declaration", rule, field=field, value=value)])


@dataclass(frozen=True)
class PrecursorLine:
    good: Good
    amount: float
    """[t] used in the reporting year."""
    see_direct: float
    see_indirect: float
    basis: str
    """``installation`` (made here), ``supplier`` (its producer's values) or ``default``."""
    evidence: str
    electricity_per_t: float = 0.0
    default_share: float = 0.0
    """The part of its SEE that rests on default values (1 for a default precursor)."""
    """Embedded electricity [MWh per t of precursor]: its own where made here, else its indirect
    SEE over the country's factor."""

    @property
    def default(self) -> bool:
        return self.basis == "default"


@dataclass(frozen=True)
class EmbeddedEmissions:
    """One good's specific embedded emissions and what they rest on."""

    id: str
    good: Good
    product_name: str
    route: str | None
    basis: str
    """``actual`` or ``default`` (the good itself on its default values)."""
    activity_level: float
    """[t of product]"""
    output_evidence: tuple[str, ...]
    attributed_direct: float
    """[tCO2e]"""
    electricity_mwh: float
    electricity_factor: float
    electricity_factor_source: str
    electricity_evidence: tuple[str, ...]
    precursors: tuple[PrecursorLine, ...]
    see_direct_product: float
    """[tCO2e per t of product]"""
    see_indirect_product: float
    clinker_ratio: float | None
    default_share: float
    mark_up: float
    evidence: tuple[str, ...]
    factors: tuple[str, ...]
    lines: tuple[int, ...]
    """The inventory lines the attributed emissions come from."""
    per_t_product_known: bool = True
    """False for a good on its defaults whose functional unit is not the tonne of product
    (cement: the clinker ratio is not known)."""
    warnings: tuple[str, ...] = ()
    """Inventory lines left out of the process (a unit no instance, a month without output)."""
    heat_direct: float = 0.0
    """Of ``attributed_direct``: emissions of the heat bought in (eq. 55, Em_H,imp) [tCO2e]."""

    @property
    def per_functional_unit(self) -> float:
        """Divisor from a tonne of product to the functional unit (clinker contained)."""
        return self.clinker_ratio if self.clinker_ratio else 1.0

    @property
    def see_direct(self) -> float:
        """[tCO2e per functional unit]"""
        return self.see_direct_product / self.per_functional_unit

    @property
    def see_indirect(self) -> float:
        return self.see_indirect_product / self.per_functional_unit

    @property
    def see_total(self) -> float:
        """What the good embeds: direct only for the goods of Annex II to Reg. 2023/956."""
        return self.see_direct + (0.0 if self.good.direct_only else self.see_indirect)

    @property
    def see_total_marked_up(self) -> float:
        return self.see_total * (1.0 + self.mark_up)

    @property
    def embedded_electricity_product(self) -> float:
        """[MWh per t of product]: the process's own and its precursors'."""
        if not self.activity_level:
            return (
                self.see_indirect_product / self.electricity_factor
                if self.electricity_factor
                else 0.0
            )
        own = self.electricity_mwh + math.fsum(
            p.amount * p.electricity_per_t for p in self.precursors
        )
        return own / self.activity_level

    @property
    def embedded_electricity(self) -> float:
        """[MWh per functional unit]"""
        return self.embedded_electricity_product / self.per_functional_unit


@dataclass(frozen=True)
class CarbonPriceInfo:
    scheme: str
    price: float
    currency: str
    source: str
    free_allocation_share: float

    def due_per_unit(self, see_direct: float) -> float:
        """Price due per functional unit on the direct emissions not freely allocated."""
        return self.price * see_direct * (1.0 - self.free_allocation_share)


@dataclass(frozen=True)
class CbamReport:
    declaration: Declaration
    goods: tuple[EmbeddedEmissions, ...]
    carbon_price: CarbonPriceInfo | None
    defaults_act: str
    grid_factor_default: float


def embedded_emissions(declaration: Declaration, source: Callable[[Actual], Source]) -> CbamReport:
    """Every declared good's SEE, precursors first (module docstring)."""
    catalogue = goods()
    table = defaults()
    country = declaration.installation.country
    declared = {g.id: g for g in declaration.goods}
    done: dict[str, EmbeddedEmissions] = {}
    visiting: set[str] = set()

    def compute(item: GoodDeclaration) -> EmbeddedEmissions:
        if item.id in done:
            return done[item.id]
        if item.id in visiting:
            raise CbamError(f"{item.id!r} is its own precursor", f"goods[{item.id}].precursors")
        visiting.add(item.id)
        good = catalogue.get(item.good)
        if good is None:
            raise CbamError(
                f"good {item.id!r}: {item.good!r} is not a known good {sorted(catalogue)}"
            )
        if item.on_defaults:
            result = _on_defaults(item, good, country, declaration.year)
        else:
            result = _actual(item, good, declared, compute, source, country)
        visiting.discard(item.id)
        done[item.id] = result
        return result

    computed = tuple(compute(item) for item in declaration.goods)
    price = declaration.carbon_price
    return CbamReport(
        declaration=declaration,
        goods=computed,
        carbon_price=None
        if price is None
        else CarbonPriceInfo(
            price.scheme, price.price, price.currency, price.source, price.free_allocation_share
        ),
        defaults_act=table.act,
        grid_factor_default=table.grid_factor(country),
    )


def _on_defaults(item: GoodDeclaration, good: Good, country: str, year: int) -> EmbeddedEmissions:
    table = defaults()
    value, whose = table.value(good.cn, country)
    return EmbeddedEmissions(
        id=item.id,
        good=good,
        product_name=item.product_name or good.name_en,
        route=item.route or value.route,
        basis="default",
        activity_level=0.0,
        output_evidence=(),
        attributed_direct=0.0,
        electricity_mwh=0.0,
        electricity_factor=table.grid_factor(country),
        electricity_factor_source=f"default ({table.act}, Annex II, {country})",
        electricity_evidence=(),
        precursors=(),
        see_direct_product=value.direct,
        see_indirect_product=value.indirect or 0.0,
        clinker_ratio=None,
        default_share=1.0,
        per_t_product_known=good.functional_unit == "t",
        mark_up=table.mark_up_of(year),
        evidence=(f"{table.act}: {good.cn} {whose} ({value.where})",),
        factors=(),
        lines=(),
    )


def _actual(
    item: GoodDeclaration,
    good: Good,
    declared: dict[str, GoodDeclaration],
    compute: Callable[[GoodDeclaration], EmbeddedEmissions],
    source: Callable[[Actual], Source],
    country: str,
) -> EmbeddedEmissions:
    table = defaults()
    where = f"goods[{item.id}]"
    direct, heat, mwh, output = 0.0, 0.0, 0.0, None
    evidence: list[str] = []
    factors: list[str] = []
    lines: list[int] = []
    warnings: list[str] = []
    output_evidence: tuple[str, ...] = ()
    electricity_evidence: list[str] = []
    if item.actual is not None:
        attribution, result = source(item.actual)
        methodology = _methodology(result, attribution)
        if item.actual.process is None or attribution is None:
            chosen = whole_lines(result)
        else:
            chosen = attribution.lines_of(item.actual.process, item.actual.instance)
            instances = attribution.instances_of(item.actual.process, item.actual.instance)
            output = math.fsum(i.output for i in instances)
            output_evidence = tuple(dict.fromkeys(e for i in instances for e in i.evidence))
            product_unit = instances[0].unit if instances else "t"
            output *= _factor(product_unit, "t", f"{where}.actual")
            warnings = [
                f"line {u.line} ({u.source}, unit {u.unit}): {u.reason}"
                for u in attribution.unattributed
            ]
        bought = electricity_sources(methodology)
        heat_kinds = heat_sources(methodology)
        energy = indirect_sources(methodology) | exported_sources(methodology)
        for a in chosen:
            if a.source in bought and a.activity is not None:
                mwh += a.activity * _factor(a.activity_unit or "MWh", "MWh", f"{where}.actual")
                electricity_evidence += list(a.evidence)
            elif a.source in heat_kinds:
                # heat bought in counts among the direct emissions (IR 2025/2547 eq. 55)
                heat += a.signed_co2e
                evidence += list(a.evidence)
                factors += list(a.factors)
                lines.append(a.line)
            elif a.counted and a.source not in energy:
                direct += a.signed_co2e
                evidence += list(a.evidence)
                factors += list(a.factors)
                lines.append(a.line)
        direct = max(direct + heat, 0.0)  # eq. 55: never below zero
    if item.output is not None:
        output = _tonnes(item.output, f"{where}.output")
        output_evidence = (item.output.evidence,)
    if item.electricity is not None:
        mwh = item.electricity.amount * _factor(
            item.electricity.unit, "MWh", f"{where}.electricity.unit"
        )
        electricity_evidence = [item.electricity.evidence]
    if output is None or output <= 0:
        raise CbamError("no output (activity level) to divide by", f"{where}.output", output)
    if item.electricity_factor is not None:
        factor, factor_source = item.electricity_factor.value, item.electricity_factor.source
    else:
        factor = table.grid_factor(country)
        factor_source = f"default ({table.act}, Annex II, {country})"
    precursor_lines = tuple(
        _precursor(use, declared, compute, f"{where}.precursors[{n}]")
        for n, use in enumerate(item.precursors)
    )
    allowed = set(good.precursors)
    for n, line in enumerate(precursor_lines):
        if line.good.id not in allowed:
            raise CbamError(
                f"{line.good.id} is no precursor of {good.id} (known: {sorted(allowed) or 'none'})",
                f"{where}.precursors[{n}].good",
                line.good.id,
            )
    direct_total = direct + math.fsum(p.amount * p.see_direct for p in precursor_lines)
    indirect_total = mwh * factor + math.fsum(p.amount * p.see_indirect for p in precursor_lines)
    from_defaults = math.fsum(
        p.amount * (p.see_direct + (0.0 if good.direct_only else p.see_indirect)) * p.default_share
        for p in precursor_lines
    )
    counted = direct_total + (0.0 if good.direct_only else indirect_total)
    clinker = [p for p in precursor_lines if p.good.id == "clinker"]
    clinker_ratio = None
    if good.category == "cement" and clinker:
        clinker_ratio = math.fsum(p.amount for p in clinker) / output
        if not 0 < clinker_ratio <= 1:
            raise CbamError(
                f"the clinker used is {100 * clinker_ratio:.1f} % of the cement made: check the "
                "amounts",
                f"{where}.precursors",
            )
    return EmbeddedEmissions(
        id=item.id,
        good=good,
        product_name=item.product_name or good.name_en,
        route=item.route,
        basis="actual",
        activity_level=output,
        output_evidence=output_evidence,
        attributed_direct=direct,
        electricity_mwh=mwh,
        electricity_factor=factor,
        electricity_factor_source=factor_source,
        electricity_evidence=tuple(dict.fromkeys(electricity_evidence)),
        precursors=precursor_lines,
        see_direct_product=direct_total / output,
        see_indirect_product=indirect_total / output,
        clinker_ratio=clinker_ratio,
        default_share=from_defaults / counted if counted else 0.0,
        mark_up=0.0,
        evidence=tuple(dict.fromkeys(evidence)),
        factors=tuple(dict.fromkeys(factors)),
        lines=tuple(sorted(set(lines))),
        warnings=tuple(warnings),
        heat_direct=heat,
    )


def _precursor(
    use: PrecursorUse,
    declared: dict[str, GoodDeclaration],
    compute: Callable[[GoodDeclaration], EmbeddedEmissions],
    where: str,
) -> PrecursorLine:
    amount = _tonnes(use.amount, f"{where}.amount")
    if use.good in declared:
        if use.supplier is not None:
            raise CbamError(
                f"{use.good} is made in this installation: its own SEE is used, not a supplier's",
                f"{where}.supplier",
            )
        made = compute(declared[use.good])
        if not made.per_t_product_known:
            raise CbamError(
                f"{use.good} stands on defaults per {made.good.functional_unit}: declare its "
                "output to use it as a precursor",
                f"{where}.good",
                use.good,
            )
        # the precursor's SEE per tonne of it, whatever its own functional unit
        return PrecursorLine(
            made.good,
            amount,
            made.see_direct_product,
            made.see_indirect_product,
            "installation" if made.basis == "actual" else "default",
            use.amount.evidence,
            made.embedded_electricity_product,
            made.default_share,
        )
    good = goods().get(use.good)
    if good is None:
        raise CbamError(
            f"{use.good!r} is neither a good declared here ({sorted(declared)}) nor a known "
            f"good ({sorted(goods())})",
            f"{where}.good",
            use.good,
        )
    made_here = [d.id for d in declared.values() if d.good == good.id]
    if made_here:
        raise CbamError(
            f"{good.id} is made in this installation as {made_here[0]!r}: name that id, or its "
            "SEE would be replaced by a default",
            f"{where}.good",
            use.good,
        )
    if use.supplier is not None:
        return PrecursorLine(
            good,
            amount,
            use.supplier.direct,
            use.supplier.indirect,
            "supplier",
            f"{use.amount.evidence}; {use.supplier.installation}: {use.supplier.evidence}",
            use.supplier.indirect / defaults().grid_factor(use.country),
        )
    value, whose = defaults().value(good.cn, use.country)
    return PrecursorLine(
        good,
        amount,
        value.direct,
        value.indirect or 0.0,
        "default",
        f"{use.amount.evidence}; default {good.cn} {whose} ({defaults().act})",
        (value.indirect or 0.0) / defaults().grid_factor(use.country),
        1.0,
    )


def _tonnes(measured: Measured, where: str) -> float:
    return measured.amount * _factor(measured.unit, "t", f"{where}.unit")


def _factor(unit: str, to: str, where: str) -> float:
    try:
        return conversion_factor(unit, to, quantity_name=where)
    except (UnknownUnitError, UnitMismatchError):
        raise CbamError(f"{unit!r} is not a unit of the kind of {to}", where, unit) from None


def _methodology(result: AccountingResult, attribution: Attribution | None) -> Methodology:
    if attribution is not None:
        return attribution.methodology
    return get_methodology(result.meta.methodology.split("@", 1)[0])
