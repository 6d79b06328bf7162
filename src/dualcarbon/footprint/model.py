r"""The product system of a carbon footprint study (GB/T 24067-2024 / ISO 14067:2018), as data.

A :class:`ProductSystem` is a set of unit :class:`Process`\ es linked by the products they make
and use, a reference flow that fulfils a functional (cradle-to-grave) or declared (cradle-to-gate)
unit, the life-cycle stages it covers, a stated cut-off rule, a recycling approach, a GWP set from
the factor catalogue, and the period and geography the data represent. Every model here is frozen
pydantic; building a :class:`ProductSystem` checks every rule below, and
:func:`validate_product_system` turns a raw mapping into a system or one
:class:`~dualcarbon.errors.InputError` naming every broken rule at once.

Conventions
-----------
* **Amounts are not signed.** An exchange's ``kind`` gives the direction: ``production`` (an
  output of a product), ``technosphere`` (an input of a product), ``avoided_product`` (a product
  whose production this process displaces — system expansion/substitution), ``emission`` and
  ``resource`` (elementary flows to and from nature). Biogenic CO2 uptake is a ``resource``.
* **One provider per product.** A product used by an exchange is made by exactly one process of
  the system, or bought as a :class:`BackgroundSupply` (secondary data with its source), or is
  electricity whose :class:`ElectricityChoice` names its grid factor or contract, or is excluded
  by the :class:`CutOffRule` with a reason and an estimated share.
* **Allocation follows ISO 14044 4.3.4.2.** Avoid it first — split the process, or expand the
  system with ``avoided_product`` exchanges. Where a process still makes several products, its
  :class:`Allocation` gives each co-product a factor (physical first; economic only with a stated
  reason); the factors sum to 1.
* **Parameters and formulas.** An amount or a parameter may be a formula of parameters
  (``1 / cell_yield``), parsed by :mod:`dualcarbon.uncertainty.expression` — whitelisted arithmetic
  and functions, never ``eval``. System parameters are seen by every process; a process's own
  parameters by its exchanges.
* **Data quality per exchange.** Pedigree scores (:mod:`.pedigree`) and a basic uncertainty
  factor give a lognormal σ (:meth:`Exchange.resolved_uncertainty`); an explicit stats_arrays
  distribution (types 0–5) takes precedence. ``primary`` marks site-specific data for the
  primary-data share.

Recycling (our decision, docs/decisions/0007-product-footprint-model.md)
-------------------------------------------------------------------------
The default is the **cut-off (100:0, recycled-content) approach**: a secondary-material input
(``secondary: true`` with its ``material``) carries only the burdens of collecting and
reprocessing it — whatever its provider process holds — and nothing of the primary production it
replaces; material sent to recycling at end of life leaves the system burden-free and earns no
credit. It is the ecoinvent default system model and the recycled-content method of PAS 2050 and
the GHG Protocol Product Standard; it never counts one tonne of scrap twice between its supplier
and its user, and a cradle-to-gate footprint does not depend on an end of life nobody knows yet.
The alternative, ``recycling.method: avoided_burden`` (the end-of-life recycling approach,
ISO 14067 6.4.6.3 / ISO 14044 4.3.4.3, closed- or open-loop), must be justified; it lets an
``avoided_product`` exchange marked ``eol_recycling`` credit the primary production that the
recycled output displaces. Under cut-off such a credit is refused. Both approaches keep recycled
content explicit: :meth:`ProductSystem.recycled_content` reports the secondary share of each
material a process uses.

Where problems are reported
---------------------------
An :class:`~dualcarbon.errors.InputProblem` names the file, then ``sheet`` = ``process <id>`` (or
``flows``, ``background``, ``parameters``), ``row`` = the exchange's (or list entry's) number
counted from 1, ``field`` = the field, and the rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import keyword
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dualcarbon.errors import DualcarbonError, InputError, InputProblem
from dualcarbon.footprint.gate_to_gate import GateToGate
from dualcarbon.footprint.parameters import evaluate
from dualcarbon.footprint.pedigree import PedigreeScores, basic_variance, lognormal_sigma
from dualcarbon.footprint.problems import (
    HERE,
    blank,
    problem,
    process_sheet,
    raise_if,
    unit_parses,
)
from dualcarbon.footprint.rules import check_product_system
from dualcarbon.footprint.study import StudyInfo
from dualcarbon.footprint.vocabulary import (
    AllocationMethod,
    Boundary,
    Compartment,
    ElectricityBasis,
    ExchangeKind,
    FlowOrigin,
    RecyclingMethod,
    Stage,
    UncertaintyType,
)
from dualcarbon.uncertainty.expression import CONSTANTS, FUNCTIONS, Equation, parse_equation
from dualcarbon.units import conversion_factor, same_dimension

__all__ = [  # the vocabulary is re-exported: a product system speaks it
    "ENERGY_UNIT",
    "HERE",
    "Allocation",
    "AllocationMethod",
    "BackgroundSupply",
    "Boundary",
    "Compartment",
    "CutOffRule",
    "ElectricityBasis",
    "ElectricityChoice",
    "Exchange",
    "ExchangeKind",
    "Exclusion",
    "Flow",
    "FlowOrigin",
    "FunctionalUnit",
    "Parameter",
    "Period",
    "Process",
    "ProductProperties",
    "ProductSystem",
    "Provider",
    "Recycling",
    "RecyclingMethod",
    "ReferenceFlow",
    "Stage",
    "StageExclusion",
    "Uncertainty",
    "UncertaintyType",
    "cas_is_valid",
    "primary_data_share",
    "validate_product_system",
]

ENERGY_UNIT = "kWh"
_CO2E_PER_ENERGY = ("kgCO2e/kWh", "kgCO2/kWh")
_AMOUNT_RTOL = 1e-9


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------------------------
# Uncertainty, parameters
# --------------------------------------------------------------------------------------------


class Uncertainty(_Frozen):
    """A stats_arrays-compatible distribution of one amount.

    ``loc`` is ln|amount| for a lognormal (type 2), the mean for a normal (3) and the mode for a
    triangular (5); left out, it is taken from the amount. ``scale`` is σ (of ln x for the
    lognormal); ``minimum``/``maximum`` bound a uniform (4) or triangular (5).
    """

    type: UncertaintyType
    loc: float | None = None
    scale: float | None = None
    minimum: float | None = None
    maximum: float | None = None

    @model_validator(mode="after")
    def _shape(self) -> Self:
        problems: list[InputProblem] = []
        kind = self.type
        needs_scale = kind in (UncertaintyType.LOGNORMAL, UncertaintyType.NORMAL)
        bounded = kind in (UncertaintyType.UNIFORM, UncertaintyType.TRIANGULAR)
        if needs_scale and not (
            self.scale is not None and self.scale > 0 and math.isfinite(self.scale)
        ):
            problems.append(
                problem(
                    f"a {kind.name.lower()} distribution needs a scale σ > 0", "scale", self.scale
                )
            )
        if not needs_scale and self.scale is not None:
            problems.append(
                problem(
                    f"type {kind.value} ({kind.name.lower()}) has no scale", "scale", self.scale
                )
            )
        if bounded and (self.minimum is None or self.maximum is None):
            problems.append(
                problem(f"a {kind.name.lower()} distribution needs minimum and maximum", "minimum")
            )
        if (
            self.minimum is not None
            and self.maximum is not None
            and not self.minimum < self.maximum
        ):
            problems.append(problem("minimum must be below maximum", "maximum", self.maximum))
        if (
            kind is UncertaintyType.TRIANGULAR
            and self.loc is not None
            and self.minimum is not None
            and self.maximum is not None
            and not self.minimum <= self.loc <= self.maximum
        ):
            problems.append(problem("the mode lies outside [minimum, maximum]", "loc", self.loc))
        raise_if(problems)
        return self

    def check_amount(self, amount: float, field: str = "uncertainty") -> list[InputProblem]:
        """Problems of this distribution around ``amount`` (the exchange's or parameter's)."""
        problems: list[InputProblem] = []
        if self.type is UncertaintyType.LOGNORMAL:
            if amount == 0:
                problems.append(problem("a lognormal amount cannot be zero", f"{field}.type"))
            elif self.loc is not None and not math.isclose(
                self.loc, math.log(abs(amount)), rel_tol=1e-6, abs_tol=1e-6
            ):
                problems.append(
                    problem(
                        f"a lognormal's loc is ln|amount| = {math.log(abs(amount)):.6g}",
                        f"{field}.loc",
                        self.loc,
                    )
                )
        elif (
            self.type in (UncertaintyType.NORMAL, UncertaintyType.TRIANGULAR)
            and self.loc is not None
            and not math.isclose(self.loc, amount, rel_tol=_AMOUNT_RTOL, abs_tol=1e-12)
        ):
            problems.append(
                problem(f"loc must equal the amount {amount:g}", f"{field}.loc", self.loc)
            )
        if self.minimum is not None and amount < self.minimum:
            problems.append(
                problem("the amount is below minimum", f"{field}.minimum", self.minimum)
            )
        if self.maximum is not None and amount > self.maximum:
            problems.append(
                problem("the amount is above maximum", f"{field}.maximum", self.maximum)
            )
        return problems

    def with_loc(self, amount: float) -> Uncertainty:
        """The same distribution with ``loc`` filled in from ``amount`` where it was left out."""
        if self.loc is not None or self.type is UncertaintyType.UNIFORM:
            return self
        if self.type is UncertaintyType.LOGNORMAL:
            return self.model_copy(update={"loc": math.log(abs(amount))})
        return self.model_copy(update={"loc": amount})

    def as_stats_arrays(self) -> dict[str, float | int | bool]:
        """One row of a stats_arrays parameter array (missing values as NaN)."""

        def number(value: float | None) -> float:
            return math.nan if value is None else value

        return {
            "uncertainty_type": int(self.type),
            "loc": number(self.loc),
            "scale": number(self.scale),
            "shape": math.nan,
            "minimum": number(self.minimum),
            "maximum": number(self.maximum),
            "negative": False,
        }


_RESERVED = frozenset(FUNCTIONS) | frozenset(CONSTANTS)


def _formula_problems(formula: str, output: str, field: str) -> list[InputProblem]:
    """Syntax of a formula: whitelisted arithmetic only (names are checked with their scope)."""
    if "=" in formula:
        return [problem("a formula is an expression, without '='", field, formula)]
    try:
        parse_equation(f"{output} = {formula}")
    except DualcarbonError as exc:
        rule = getattr(exc, "rule", str(exc))
        return [problem(f"formula: {rule}", field, formula)]
    return []


class Parameter(_Frozen):
    """A named number of the model: a value, or a formula of other parameters."""

    name: str
    value: float | None = None
    formula: str | None = None
    unit: str | None = None
    description: str = ""
    uncertainty: Uncertainty | None = None

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[InputProblem] = []
        if not self.name.isidentifier() or keyword.iskeyword(self.name):
            problems.append(problem("a parameter name is a Python-style name", "name", self.name))
        elif self.name in _RESERVED:
            problems.append(
                problem("this name is a function or constant of formulas", "name", self.name)
            )
        if (self.value is None) == (self.formula is None):
            problems.append(problem("give either value or formula", "value"))
        if self.value is not None and not math.isfinite(self.value):
            problems.append(problem("the value must be finite", "value", self.value))
        if self.formula is not None:
            output = self.name if self.name.isidentifier() else "parameter"
            problems += _formula_problems(self.formula, output, "formula")
        if self.unit is not None and not unit_parses(self.unit):
            problems.append(problem("unknown unit", "unit", self.unit))
        if self.uncertainty is not None:
            if self.value is None:
                problems.append(
                    problem("only a parameter with a value can have an uncertainty", "uncertainty")
                )
            elif math.isfinite(self.value):
                problems += self.uncertainty.check_amount(self.value)
        raise_if(problems)
        return self

    def equation(self) -> Equation | None:
        """The parsed formula, or None for a value."""
        if self.formula is None:
            return None
        return parse_equation(f"{self.name} = {self.formula}")


def _quality_problems(
    data_quality: PedigreeScores | None,
    basic_uncertainty: float | None,
    uncertainty: Uncertainty | None,
    amount: float | None,
) -> list[InputProblem]:
    """Rules of the data-quality fields an exchange and a background supply share."""
    problems: list[InputProblem] = []
    if uncertainty is not None and basic_uncertainty is not None:
        problems.append(
            problem(
                "give an explicit uncertainty or a basic uncertainty factor, not both",
                "basic_uncertainty",
            )
        )
    if data_quality is not None and uncertainty is None and basic_uncertainty is None:
        problems.append(
            problem(
                "pedigree scores need the basic uncertainty factor U_b (e.g. 1.05; "
                "footprint/data/pedigree.yaml lists them) or an explicit uncertainty",
                "basic_uncertainty",
            )
        )
    if uncertainty is not None and amount is not None and math.isfinite(amount):
        problems += uncertainty.check_amount(amount)
    return problems


def _resolve(
    data_quality: PedigreeScores | None,
    basic_uncertainty: float | None,
    uncertainty: Uncertainty | None,
    amount: float,
) -> Uncertainty:
    """The distribution of ``amount``: explicit, else from pedigree and U_b, else exact."""
    if uncertainty is not None:
        return uncertainty.with_loc(amount)
    if basic_uncertainty is None or amount == 0:
        return Uncertainty(type=UncertaintyType.UNDEFINED, loc=amount)
    if data_quality is not None:
        sigma = lognormal_sigma(data_quality, basic_uncertainty)
    else:
        sigma = math.sqrt(basic_variance(basic_uncertainty))
    if sigma == 0:
        return Uncertainty(type=UncertaintyType.NONE, loc=amount)
    return Uncertainty(type=UncertaintyType.LOGNORMAL, loc=math.log(abs(amount)), scale=sigma)


# --------------------------------------------------------------------------------------------
# Flows, exchanges, electricity
# --------------------------------------------------------------------------------------------

_CAS = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


def cas_is_valid(cas: str) -> bool:
    """A CAS Registry Number with its check digit: ``124-38-9`` (CO2)."""
    match = _CAS.match(cas)
    if not match:
        return False
    digits = (match.group(1) + match.group(2))[::-1]
    return sum((i + 1) * int(d) for i, d in enumerate(digits)) % 10 == int(match.group(3))


class Flow(_Frozen):
    """An elementary flow: a substance to or from nature in a compartment."""

    id: str = Field(min_length=1)
    name: str
    compartment: Compartment
    subcompartment: str = ""
    unit: str
    cas: str | None = None
    gas: str | None = Field(
        default=None, description="the gas as the GWP set names it (CO2, CH4_fossil, NF3 …)"
    )
    origin: FlowOrigin = FlowOrigin.FOSSIL

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[InputProblem] = []
        if not unit_parses(self.unit):
            problems.append(problem("unknown unit", "unit", self.unit))
        if self.cas is not None and not cas_is_valid(self.cas):
            problems.append(problem("not a CAS number with a valid check digit", "cas", self.cas))
        raise_if(problems)
        return self


class ElectricityChoice(_Frozen):
    """Where one electricity input comes from, and the evidence for it (ISO 14067 6.4.9.4).

    ``location_based``: the grid factor from the catalogue (``grid_factor``, a factor id).
    ``supplier_specific`` / ``green_certificate``: a contractual instrument (``instrument``: the
    contract, or the claim reference of the certificate ledger) with its ``evidence``, the
    ``emission_factor`` it conveys, and the ``location_factor`` (a factor id of the grid it is
    drawn from) by which the location-based figure is computed and shown beside it.
    ``on_site``: own generation, modelled by a process of the system that makes this product.
    """

    basis: ElectricityBasis
    grid_factor: str | None = None
    emission_factor: float | None = Field(default=None, ge=0.0)
    emission_factor_unit: str | None = None
    instrument: str | None = None
    evidence: str | None = None
    location_factor: str | None = None
    data_quality: PedigreeScores | None = None
    basic_uncertainty: float | None = Field(default=None, ge=1.0)
    uncertainty: Uncertainty | None = Field(
        default=None, description="of the factor; left out, a grid factor's published one"
    )

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[InputProblem] = []
        basis = self.basis
        if basis is ElectricityBasis.ON_SITE and (
            self.data_quality or self.basic_uncertainty or self.uncertainty
        ):
            problems.append(
                problem("on-site electricity's uncertainty is its process's", "uncertainty")
            )
        problems += _quality_problems(
            self.data_quality, self.basic_uncertainty, self.uncertainty, self.emission_factor
        )
        if basis is ElectricityBasis.LOCATION_BASED and blank(self.grid_factor):
            problems.append(
                problem("location-based electricity names its grid factor id", "grid_factor")
            )
        if basis is not ElectricityBasis.LOCATION_BASED and self.grid_factor is not None:
            problems.append(
                problem(f"{basis.value} electricity takes no grid factor", "grid_factor")
            )
        if basis.contractual:
            for name in ("instrument", "evidence"):
                if blank(getattr(self, name)):
                    problems.append(
                        problem(
                            f"{basis.value} electricity needs its {name} "
                            "(ISO 14067 6.4.9.4: a tracked, unique contractual instrument)",
                            name,
                        )
                    )
            if blank(self.location_factor):
                problems.append(
                    problem(
                        f"{basis.value} electricity names the location_factor of its grid "
                        "(a factor id): the location-based figure is shown beside the "
                        "contractual one",
                        "location_factor",
                    )
                )
            if self.emission_factor is None or self.emission_factor_unit is None:
                problems.append(
                    problem(
                        f"{basis.value} electricity needs the emission_factor (and its unit) "
                        "the instrument conveys",
                        "emission_factor",
                    )
                )
        elif (
            self.emission_factor is not None
            or self.instrument is not None
            or self.location_factor is not None
        ):
            problems.append(
                problem(
                    f"{basis.value} electricity takes no emission_factor, instrument or "
                    "location_factor",
                    "emission_factor",
                )
            )
        unit = self.emission_factor_unit
        if unit is not None and not (
            unit_parses(unit) and any(same_dimension(unit, u) for u in _CO2E_PER_ENERGY)
        ):
            problems.append(
                problem(
                    "the unit must be a GHG mass per energy (kgCO2e/kWh)",
                    "emission_factor_unit",
                    unit,
                )
            )
        raise_if(problems)
        return self

    def resolved_uncertainty(self, factor: float) -> Uncertainty:
        """The distribution of the electricity factor ``factor`` (the grid factor's value, or
        the contract's), from this choice's own data quality; exact when it states none."""
        return _resolve(self.data_quality, self.basic_uncertainty, self.uncertainty, factor)


_PRODUCT_KINDS = (ExchangeKind.PRODUCTION, ExchangeKind.TECHNOSPHERE, ExchangeKind.AVOIDED_PRODUCT)


class Exchange(_Frozen):
    """One input or output of a process; the amount is per the process's activity level."""

    kind: ExchangeKind
    product: str | None = None
    flow: str | None = None
    amount: float | None = None
    formula: str | None = None
    unit: str
    stage: Stage | None = Field(default=None, description="reports this exchange in another stage")
    data_quality: PedigreeScores | None = None
    basic_uncertainty: float | None = Field(default=None, ge=1.0, description="U_b, a GSD²")
    uncertainty: Uncertainty | None = None
    source: str = ""
    primary: bool = Field(default=False, description="site-specific (primary) data")
    electricity: ElectricityChoice | None = None
    material: str | None = Field(default=None, description="material, for recycled content")
    secondary: bool = Field(default=False, description="a secondary (recycled) material input")
    eol_recycling: bool = Field(
        default=False, description="an avoided product credited for end-of-life recycling"
    )
    comment: str = ""

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[InputProblem] = []
        kind = self.kind
        if kind in _PRODUCT_KINDS:
            if blank(self.product):
                problems.append(problem(f"a {kind.value} exchange names its product", "product"))
            if self.flow is not None:
                problems.append(problem(f"a {kind.value} exchange has no elementary flow", "flow"))
        else:
            if blank(self.flow):
                problems.append(
                    problem(f"an exchange of kind {kind.value} names its elementary flow", "flow")
                )
            if self.product is not None:
                problems.append(
                    problem(f"an exchange of kind {kind.value} has no product", "product")
                )
        if (self.amount is None) == (self.formula is None):
            problems.append(problem("give either amount or formula", "amount"))
        if self.amount is not None and not (math.isfinite(self.amount) and self.amount >= 0):
            problems.append(
                problem(
                    "amounts are not signed (≥ 0): the kind gives the direction",
                    "amount",
                    self.amount,
                )
            )
        if self.formula is not None:
            problems += _formula_problems(self.formula, "amount", "formula")
        unit_ok = unit_parses(self.unit)
        if not unit_ok:
            problems.append(problem("unknown unit", "unit", self.unit))
        problems += _quality_problems(
            self.data_quality, self.basic_uncertainty, self.uncertainty, self.amount
        )
        if self.electricity is not None:
            if kind is not ExchangeKind.TECHNOSPHERE:
                problems.append(
                    problem("only an input can carry an electricity choice", "electricity")
                )
            elif unit_ok and not same_dimension(self.unit, ENERGY_UNIT):
                problems.append(
                    problem("electricity is measured in energy (kWh)", "unit", self.unit)
                )
        if (self.secondary or self.material is not None) and kind is not ExchangeKind.TECHNOSPHERE:
            problems.append(problem("material and secondary describe inputs only", "secondary"))
        if self.secondary and blank(self.material):
            problems.append(problem("a secondary input names its material", "material"))
        if self.eol_recycling and kind is not ExchangeKind.AVOIDED_PRODUCT:
            problems.append(
                problem(
                    "only an avoided product can be an end-of-life recycling credit",
                    "eol_recycling",
                )
            )
        raise_if(problems)
        return self

    @property
    def target(self) -> str:
        """The product or flow id this exchange refers to."""
        return self.product or self.flow or ""

    def resolved_uncertainty(self, amount: float) -> Uncertainty:
        """The distribution to sample ``amount`` from (stats_arrays semantics).

        An explicit ``uncertainty`` wins (its pedigree scores then only feed the DQR). Otherwise
        pedigree scores and :math:`U_b` give a lognormal of σ = :func:`.lognormal_sigma`, a bare
        :math:`U_b` one of σ = ln √U_b; with neither the amount is exact (type 0). A zero amount
        has no lognormal: it stays exact.
        """
        return _resolve(self.data_quality, self.basic_uncertainty, self.uncertainty, amount)


class Allocation(_Frozen):
    """Partitioning a multi-output process among its co-products (ISO 14044 4.3.4.2)."""

    method: AllocationMethod
    basis: str = Field(min_length=1, description="what the factors follow: mass, energy, price …")
    factors: dict[str, float]
    justification: str = ""

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[InputProblem] = []
        for product, factor in self.factors.items():
            if not 0.0 <= factor <= 1.0:
                problems.append(
                    problem("an allocation factor lies in [0, 1]", f"factors.{product}", factor)
                )
        total = sum(self.factors.values())
        if self.factors and not math.isclose(total, 1.0, abs_tol=1e-6):
            problems.append(
                problem(f"allocation factors sum to 1, not {total:.6g}", "factors", total)
            )
        if self.method is AllocationMethod.ECONOMIC and blank(self.justification):
            problems.append(
                problem(
                    "economic allocation needs a justification: ISO 14044 4.3.4.2 uses it only "
                    "where no physical relationship can be established",
                    "justification",
                )
            )
        raise_if(problems)
        return self


class Process(_Frozen):
    """A unit process: what it makes (production exchanges), uses and emits."""

    id: str = Field(min_length=1)
    name: str
    location: str = ""
    stage: Stage
    exchanges: tuple[Exchange, ...] = Field(min_length=1)
    allocation: Allocation | None = None
    parameters: tuple[Parameter, ...] = ()
    description: str = ""

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[InputProblem] = []
        products = self.products
        if not products:
            problems.append(
                problem("a process makes at least one product (a production exchange)", "exchanges")
            )
        seen: set[str] = set()
        for index, exchange in enumerate(self.exchanges):
            if exchange.kind is ExchangeKind.PRODUCTION and exchange.product is not None:
                if exchange.product in seen:
                    problems.append(
                        problem(
                            "the process makes this product twice",
                            "product",
                            exchange.product,
                            row=index + 1,
                        )
                    )
                seen.add(exchange.product)
        if len(set(products)) > 1 and self.allocation is None:
            problems.append(
                problem(
                    "a process with co-products needs allocation factors, or split it / expand the "
                    "system with avoided products (ISO 14044 4.3.4.2)",
                    "allocation",
                )
            )
        if self.allocation is not None:
            if len(set(products)) < 2:
                problems.append(
                    problem("allocation applies to a process with co-products only", "allocation")
                )
            elif set(self.allocation.factors) != set(products):
                problems.append(
                    problem(
                        f"give one factor for each co-product: {', '.join(sorted(set(products)))}",
                        "allocation.factors",
                        sorted(self.allocation.factors),
                    )
                )
        names = [p.name for p in self.parameters]
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(problem("parameter defined twice", "parameters", name))
        raise_if(problems)
        return self

    @property
    def products(self) -> tuple[str, ...]:
        """The products it makes: its reference product(s), in order."""
        return tuple(
            e.product
            for e in self.exchanges
            if e.kind is ExchangeKind.PRODUCTION and e.product is not None
        )

    def production(self, product: str) -> Exchange:
        """The production exchange of ``product``."""
        for exchange in self.exchanges:
            if exchange.kind is ExchangeKind.PRODUCTION and exchange.product == product:
                return exchange
        raise KeyError(f"process {self.id!r} does not make {product!r}")

    def allocation_factor(self, product: str) -> float:
        """Share of the process's inputs and emissions carried by ``product`` (1 if it is alone)."""
        if self.allocation is None:
            return 1.0
        return self.allocation.factors[product]


# --------------------------------------------------------------------------------------------
# System-level pieces
# --------------------------------------------------------------------------------------------


class BackgroundSupply(_Frozen):
    """A product bought from outside the modelled system, with a secondary emission factor.

    ``emission_factor`` [``emission_factor_unit``, e.g. kgCO2e/kg] is the cradle-to-gate
    footprint of one unit of the product, from ``source`` (document and record: CPCD 2022, a
    supplier's PCF, an LCA database). It carries its own data quality like an exchange.
    """

    product: str = Field(min_length=1)
    name: str = ""
    unit: str
    emission_factor: float = Field(ge=0.0)
    emission_factor_unit: str
    source: str = Field(min_length=1)
    data_quality: PedigreeScores | None = None
    basic_uncertainty: float | None = Field(default=None, ge=1.0)
    uncertainty: Uncertainty | None = None
    origin: FlowOrigin = Field(
        default=FlowOrigin.FOSSIL, description="which ISO 14067 component the factor's GHG are"
    )
    aircraft: bool = Field(
        default=False, description="an air transport service: its GHG are also shown apart"
    )

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[InputProblem] = []
        unit_ok = unit_parses(self.unit)
        if not unit_ok:
            problems.append(problem("unknown unit", "unit", self.unit))
        if not unit_parses(self.emission_factor_unit):
            problems.append(
                problem("unknown unit", "emission_factor_unit", self.emission_factor_unit)
            )
        elif unit_ok and not same_dimension(self.emission_factor_unit, f"kgCO2e/({self.unit})"):
            problems.append(
                problem(
                    f"the factor is a CO2e mass per {self.unit} (e.g. kgCO2e/{self.unit})",
                    "emission_factor_unit",
                    self.emission_factor_unit,
                )
            )
        if blank(self.source):
            problems.append(problem("name the source of a secondary factor", "source"))
        problems += _quality_problems(
            self.data_quality, self.basic_uncertainty, self.uncertainty, self.emission_factor
        )
        raise_if(problems)
        return self

    def resolved_uncertainty(self) -> Uncertainty:
        """The distribution of the emission factor (as :meth:`Exchange.resolved_uncertainty`)."""
        return _resolve(
            self.data_quality, self.basic_uncertainty, self.uncertainty, self.emission_factor
        )


class Exclusion(_Frozen):
    """An input left out under the cut-off rule, with why and how much it is thought to weigh."""

    product: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    estimated_share_percent: float = Field(ge=0.0, le=100.0)


class CutOffRule(_Frozen):
    """The cut-off criteria, stated and justified (ISO 14067 6.3.4.3).

    An input may be left out when its estimated share of the ``criterion`` (mass, energy or
    emissions of the product) is at most ``threshold_percent``, and all left out together at most
    ``total_percent`` (PACT caps exempted emissions at 5 %).
    """

    criterion: Literal["mass", "energy", "emission"]
    threshold_percent: float = Field(gt=0.0, le=100.0)
    total_percent: float = Field(default=5.0, gt=0.0, le=100.0)
    justification: str = Field(min_length=1)
    exclusions: tuple[Exclusion, ...] = ()

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[InputProblem] = []
        if blank(self.justification):
            problems.append(
                problem("state why the cut-off criteria fit this study", "justification")
            )
        if self.threshold_percent > self.total_percent:
            problems.append(
                problem(
                    "the per-input threshold exceeds the total",
                    "threshold_percent",
                    self.threshold_percent,
                )
            )
        for index, exclusion in enumerate(self.exclusions):
            if exclusion.estimated_share_percent > self.threshold_percent:
                problems.append(
                    problem(
                        f"estimated share exceeds the {self.threshold_percent:g} % threshold",
                        f"exclusions[{index + 1}].estimated_share_percent",
                        exclusion.estimated_share_percent,
                    )
                )
        total = sum(e.estimated_share_percent for e in self.exclusions)
        if total > self.total_percent:
            problems.append(
                problem(
                    f"exclusions add up to {total:g} %, above {self.total_percent:g} %",
                    "exclusions",
                    total,
                )
            )
        products = [e.product for e in self.exclusions]
        for product in sorted({p for p in products if products.count(p) > 1}):
            problems.append(problem("product excluded twice", "exclusions", product))
        raise_if(problems)
        return self

    @property
    def excluded(self) -> frozenset[str]:
        return frozenset(e.product for e in self.exclusions)


class Recycling(_Frozen):
    """The recycling approach (module docstring): cut-off by default, or avoided burden."""

    method: RecyclingMethod = RecyclingMethod.CUT_OFF
    justification: str = ""

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if self.method is RecyclingMethod.AVOIDED_BURDEN and blank(self.justification):
            raise InputError(
                [problem("the avoided-burden approach must be justified", "justification")]
            )
        return self


class StageExclusion(_Frozen):
    """A life-cycle stage left out of a cradle-to-grave study, and why (ISO 14067 6.3.4.3)."""

    stage: Stage
    justification: str = Field(min_length=1)


class FunctionalUnit(_Frozen):
    """The functional unit (full CFP) or declared unit (partial CFP) the result is expressed per."""

    kind: Literal["functional", "declared"]
    description: str = Field(min_length=1)
    amount: float = Field(gt=0.0)
    unit: str

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if not unit_parses(self.unit):
            raise InputError([problem("unknown unit", "unit", self.unit)])
        return self


class ProductProperties(_Frozen):
    """What one reference flow of the product weighs and the carbon it holds [kg].

    Carbon stored in the product is documented, not subtracted (ISO 14067:2018 6.4.9.x); PACT v3
    asks for the mass per declared unit and the fossil and biogenic carbon content."""

    mass: float | None = Field(default=None, gt=0.0, description="kg per reference flow")
    fossil_carbon: float = Field(default=0.0, ge=0.0, description="kg C per reference flow")
    biogenic_carbon: float = Field(default=0.0, ge=0.0, description="kg C per reference flow")
    recycled_carbon: float = Field(default=0.0, ge=0.0, description="kg C per reference flow")


class ReferenceFlow(_Frozen):
    """How much of the reference product fulfils the functional or declared unit: an ``amount``,
    or a ``formula`` of the system parameters when the unit is a service over the product's life
    (1 kWh delivered by a battery: 1 / E_total packs)."""

    amount: float | None = Field(default=None, gt=0.0)
    formula: str | None = None
    unit: str

    @model_validator(mode="after")
    def _checks(self) -> Self:
        problems: list[InputProblem] = []
        if not unit_parses(self.unit):
            problems.append(problem("unknown unit", "unit", self.unit))
        if (self.amount is None) == (self.formula is None):
            problems.append(problem("give either amount or formula", "amount"))
        if self.formula is not None:
            problems += _formula_problems(self.formula, "amount", "formula")
        raise_if(problems)
        return self


class Period(_Frozen):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if self.end < self.start:
            raise InputError(
                [problem("the period ends before it starts", "end", self.end.isoformat())]
            )
        return self


@dataclasses.dataclass(frozen=True)
class Provider:
    """What supplies a product in the system: a ``process`` (``ref`` = its id), a ``background``
    supply or an ``electricity`` choice (``ref`` = the product), or nothing because it is
    ``cut_off``. ``unit`` is the unit the provider measures it in."""

    kind: Literal["process", "background", "electricity", "cut_off"]
    ref: str
    unit: str | None


_GWP_ALIAS = re.compile(r"^(?:ipcc[-_ ]?)?(sar|ar4|ar5|ar6)$", re.IGNORECASE)


class ProductSystem(_Frozen):
    """A product system of a carbon footprint study (see the module docstring)."""

    id: str = Field(min_length=1)
    name: str
    description: str = ""
    functional_unit: FunctionalUnit
    reference_process: str
    reference_product: str
    reference_flow: ReferenceFlow
    product: ProductProperties = ProductProperties()
    study: StudyInfo = StudyInfo()
    gate_to_gate: GateToGate | None = Field(
        default=None,
        description="where the gate-to-gate process comes from: the enterprise's inventory "
        "(footprint.gate_to_gate); that process is generated, never typed",
    )
    boundary: Boundary
    stages: tuple[Stage, ...] = Field(min_length=1)
    stage_exclusions: tuple[StageExclusion, ...] = ()
    cut_off: CutOffRule
    recycling: Recycling = Recycling()
    gwp_set: str = Field(description="factor source id of a GWP set, e.g. gwp-ipcc-ar6 (or AR6)")
    period: Period
    geography: str = Field(min_length=1, description="ISO 3166 code of the market: CN, CN-JS …")
    parameters: tuple[Parameter, ...] = ()
    flows: tuple[Flow, ...] = ()
    background: tuple[BackgroundSupply, ...] = ()
    processes: tuple[Process, ...] = Field(min_length=1)

    @field_validator("gwp_set", mode="before")
    @classmethod
    def _gwp_alias(cls, value: Any) -> Any:
        if isinstance(value, str) and (match := _GWP_ALIAS.match(value.strip())):
            return f"gwp-ipcc-{match.group(1).lower()}"
        return value

    @model_validator(mode="after")
    def _checks(self) -> Self:
        raise_if(check_product_system(self))
        return self

    # -- look-ups ---------------------------------------------------------------------------

    def process(self, process_id: str) -> Process:
        try:
            return self._processes_by_id[process_id]
        except KeyError:
            raise KeyError(f"no process {process_id!r}") from None

    def flow(self, flow_id: str) -> Flow:
        try:
            return self._flows_by_id[flow_id]
        except KeyError:
            raise KeyError(f"no flow {flow_id!r}") from None

    # Indexes for the look-ups above: a system of thousands of processes is looked up per
    # exchange. The first of duplicate ids wins, as the linear search did (ids are checked unique).
    @cached_property
    def _processes_by_id(self) -> dict[str, Process]:
        return {p.id: p for p in reversed(self.processes)}

    @cached_property
    def _flows_by_id(self) -> dict[str, Flow]:
        return {f.id: f for f in reversed(self.flows)}

    def providers(self) -> dict[str, Provider]:
        """The provider of every product made, bought or used in the system."""
        providers: dict[str, Provider] = {}
        for exclusion in self.cut_off.exclusions:
            providers[exclusion.product] = Provider("cut_off", exclusion.product, None)
        for process in self.processes:
            for exchange in process.exchanges:
                if (
                    exchange.electricity is not None
                    and exchange.electricity.basis is not ElectricityBasis.ON_SITE
                ):
                    assert exchange.product is not None
                    providers[exchange.product] = Provider(
                        "electricity", exchange.product, exchange.unit
                    )
        for supply in self.background:
            providers[supply.product] = Provider("background", supply.product, supply.unit)
        for process in self.processes:
            for product in process.products:
                providers[product] = Provider(
                    "process", process.id, process.production(product).unit
                )
        return providers

    def electricity_choices(self) -> dict[str, ElectricityChoice]:
        """Each electricity product and how it is sourced — the choice a result shows."""
        return {
            exchange.product: exchange.electricity
            for process in self.processes
            for exchange in process.exchanges
            if exchange.electricity is not None and exchange.product is not None
        }

    # -- numbers ----------------------------------------------------------------------------

    def parameter_values(self, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
        """The system parameters' values, formulas evaluated, ``overrides`` applied first."""
        return evaluate(self, overrides, raise_problems=True).system_values

    def amounts(self, overrides: Mapping[str, float] | None = None) -> dict[str, tuple[float, ...]]:
        """Every exchange amount, by process id, in exchange order (formulas evaluated)."""
        return evaluate(self, overrides, raise_problems=True).amounts

    def reference_amount(self, overrides: Mapping[str, float] | None = None) -> float:
        """The reference flow's amount [``reference_flow.unit``], its formula evaluated."""
        return evaluate(self, overrides, raise_problems=True).reference_amount

    def recycled_content(
        self, process_id: str, overrides: Mapping[str, float] | None = None
    ) -> dict[str, float]:
        """Share of secondary material in each material a process uses [0–1].

        Inputs naming a ``material`` are summed per material in the unit of its first input;
        the share is the secondary inputs' part of the sum.
        """
        process = self.process(process_id)
        amounts = self.amounts(overrides)[process_id]
        totals: dict[str, list[float]] = {}
        units: dict[str, str] = {}
        for exchange, amount in zip(process.exchanges, amounts, strict=True):
            if exchange.material is None:
                continue
            unit = units.setdefault(exchange.material, exchange.unit)
            value = amount * conversion_factor(exchange.unit, unit, quantity_name=exchange.material)
            total = totals.setdefault(exchange.material, [0.0, 0.0])
            total[0] += value
            if exchange.secondary:
                total[1] += value
        return {m: (s / t if t else 0.0) for m, (t, s) in totals.items()}


def primary_data_share(contributions: Iterable[tuple[bool, float]]) -> float:
    """Primary data share [%] (PACT ``primaryDataShare``): Σ|c| of primary-data contributions
    over Σ|c| of all, each ``(primary, contribution [kgCO2e])``; 0 when nothing contributes."""
    primary = total = 0.0
    for is_primary, contribution in contributions:
        total += abs(contribution)
        if is_primary:
            primary += abs(contribution)
    return 100.0 * primary / total if total else 0.0


# --------------------------------------------------------------------------------------------
# From raw data, every problem at once
# --------------------------------------------------------------------------------------------


def validate_product_system(raw: Mapping[str, Any], source: str = HERE) -> ProductSystem:
    """A :class:`ProductSystem` from a parsed mapping (YAML, JSON), or an
    :class:`~dualcarbon.errors.InputError` with every problem, each naming ``source``, the
    process (``sheet``), the exchange number (``row``) and the field.

    Rules within one part (an exchange, a process) are all reported together; rules across the
    system are checked once every part is valid, and then all reported together.
    """
    try:
        return ProductSystem.model_validate(raw)
    except ValidationError as exc:
        raise InputError(list(_problems_of(exc, raw, source))) from None


def _problems_of(
    exc: ValidationError, raw: Mapping[str, Any], source: str
) -> Iterable[InputProblem]:
    for error in exc.errors():
        sheet, row, field = _locate(error["loc"], raw)
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, InputError):
            for problem in cause.problems:
                yield dataclasses.replace(
                    problem,
                    file=source,
                    sheet=problem.sheet or sheet,
                    row=problem.row if problem.row is not None else row,
                    field=_join(field, problem.field),
                )
            continue
        message = str(error["msg"]).removeprefix("Value error, ")
        value = error.get("input")
        if error["type"] == "missing" or isinstance(value, dict | list):
            value = None
        yield InputProblem(source, message, field=field, sheet=sheet, row=row, value=value)


def _join(*parts: str | None) -> str | None:
    joined = ".".join(p for p in parts if p)
    return joined or None


def _dotted(parts: Sequence[int | str]) -> str | None:
    text = ""
    for part in parts:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


def _locate(
    loc: Sequence[int | str], raw: Mapping[str, Any]
) -> tuple[str | None, int | None, str | None]:
    """``(sheet, row, field)`` of a pydantic error location in the raw mapping."""
    parts = list(loc)
    if len(parts) >= 2 and parts[0] == "processes" and isinstance(parts[1], int):
        number = parts[1]
        entries = raw.get("processes")
        entry = entries[number] if isinstance(entries, list) and number < len(entries) else None
        process_id = entry.get("id") if isinstance(entry, dict) else None
        sheet = (
            process_sheet(process_id) if isinstance(process_id, str) else f"process #{number + 1}"
        )
        rest = parts[2:]
        if len(rest) >= 2 and rest[0] == "exchanges" and isinstance(rest[1], int):
            return sheet, rest[1] + 1, _dotted(rest[2:])
        return sheet, None, _dotted(rest)
    if (
        len(parts) >= 2
        and parts[0] in ("flows", "background", "parameters")
        and isinstance(parts[1], int)
    ):
        return str(parts[0]), parts[1] + 1, _dotted(parts[2:])
    return None, None, _dotted(parts)
