"""A product system → an openLCA JSON-LD zip package (olca-schema 2.x) openLCA 2 imports.

What is written (docs/footprint-olca.md has the full mapping table):

* **Units.** openLCA's reference unit groups and flow properties, with their reference-data
  UUIDs (Mass, Energy, Area, Volume, Number of items, Length, Goods transport), each group with
  the units of :data:`.olca.OLCA_UNITS` (conversion factors from pint). A unit outside that table
  cannot be exported: the export refuses it with an :class:`~dualcarbon.errors.InputError`.
* **Flows.** One product flow per product; one elementary flow per flow of the system (CAS,
  compartment as the ``Elementary flows/Emission to air/…`` category); one elementary flow
  ``Carbon dioxide equivalent`` [kg] for the kgCO2e of background supplies and bought electricity.
* **Processes.** Each process with its exchanges in order (internal id = exchange number):
  quantitative reference, inputs and outputs, avoided products (inputs with
  ``isAvoidedProduct``, as openLCA wants them), default providers, amounts or formulas,
  parameters, uncertainty, pedigree as ``dqEntry`` with our pedigree DQ system, allocation
  factors. Each background supply and each bought electricity choice becomes a process making one
  unit of its product and emitting its factor as kgCO2e; the choice (grid factor id or contract)
  is written in its description.
* **The product system** with every link, and an **LCIA method** with one impact category,
  ``Climate change – GWP100``, whose factors are the system's GWP set — so openLCA computes the
  same score (see the docs for the one case where it does not: avoided products of a process with
  co-products, which openLCA does not allocate).

What openLCA has no field for (stages, electricity choices, primary data flags, ids, cut-off,
study metadata) goes under ``otherProperties.dualcarbon``; the importer reads it back.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import olca_schema as olca  # type: ignore[import-untyped]

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.footprint.model import (
    ENERGY_UNIT,
    AllocationMethod,
    BackgroundSupply,
    Compartment,
    ElectricityBasis,
    ElectricityChoice,
    Exchange,
    ExchangeKind,
    Parameter,
    Process,
    ProductSystem,
    Uncertainty,
    UncertaintyType,
)
from dualcarbon.footprint.pedigree import PedigreeScores, pedigree_table
from dualcarbon.io.olca import (
    CLIMATE_CATEGORY,
    CO2E_FLOW_NAME,
    CO2E_UNIT_NAME,
    ELEMENTARY_ROOT,
    STASH,
    STASH_VERSION,
    OlcaUnit,
    dq_entry,
    factor_to_reference,
    group_units,
    olca_unit_named,
    olca_unit_of,
    stable_id,
    to_olca_formula,
    to_olca_uncertainty,
)
from dualcarbon.units import conversion_factor

_COMPARTMENT_CATEGORY = {
    Compartment.AIR: "Emission to air",
    Compartment.WATER: "Emission to water",
    Compartment.SOIL: "Emission to soil",
    Compartment.NATURAL_RESOURCE: "Resource",
}


def co2e_per_unit(value: float, unit: str, per: str, what: str) -> float:
    """``value`` [``unit``, e.g. kgCO2e/kg or tCO2/MWh] as kgCO2e per ``per``; CO2 counts as
    CO2e (as :mod:`.matrices` does)."""
    try:
        return value * conversion_factor(unit, f"kgCO2e/({per})", quantity_name=what)
    except ValueError:
        return value * conversion_factor(unit, f"kgCO2/({per})", quantity_name=what)


def grid_factor_per_kwh(choice: ElectricityChoice, catalogue: FactorCatalogue) -> float:
    """kgCO2e per kWh of an electricity choice that is bought (grid or contract)."""
    if choice.basis is ElectricityBasis.LOCATION_BASED:
        assert choice.grid_factor is not None
        factor = catalogue.get(choice.grid_factor)
        return co2e_per_unit(factor.value, factor.unit, ENERGY_UNIT, factor.id)
    assert choice.emission_factor is not None and choice.emission_factor_unit is not None
    return co2e_per_unit(
        choice.emission_factor, choice.emission_factor_unit, ENERGY_UNIT, "electricity"
    )


def _scaled(u: Uncertainty, k: float) -> Uncertainty:
    """The distribution of k·x given that of x (k > 0)."""
    if u.type is UncertaintyType.LOGNORMAL:
        return u.model_copy(update={"loc": None if u.loc is None else u.loc + math.log(k)})

    def times(value: float | None) -> float | None:
        return None if value is None else value * k

    return Uncertainty(
        type=u.type,
        loc=times(u.loc),
        scale=times(u.scale),
        minimum=times(u.minimum),
        maximum=times(u.maximum),
    )


class _Writer:
    """Builds the root entities of one system's package."""

    def __init__(self, system: ProductSystem, catalogue: FactorCatalogue) -> None:
        self.system = system
        self.catalogue = catalogue
        self.sid = system.id
        self.amounts = system.amounts()
        self.provider_map = system.providers()
        self.problems: list[InputProblem] = []
        self.entities: list[Any] = []
        self.units: dict[str, OlcaUnit] = {}
        self.product_flows: dict[str, Any] = {}
        self.elementary: dict[str, Any] = {}
        self.processes: dict[str, Any] = {}
        self.providers: dict[str, Any] = {}
        self.links: list[Any] = []
        self.dq_system: Any = None
        self.co2e: Any = None

    # -- units ------------------------------------------------------------------------------

    def unit(self, unit: str, where: str, field: str, row: int | None = None) -> OlcaUnit | None:
        known = self.units.get(unit) or olca_unit_of(unit)
        if known is None:
            self.problems.append(
                InputProblem(
                    self.sid,
                    "no openLCA reference unit equals this unit (docs/footprint-olca.md lists "
                    "the units the export takes)",
                    field=field,
                    sheet=where,
                    row=row,
                    value=unit,
                )
            )
            return None
        self.units[unit] = known
        return known

    def unit_entities(self) -> list[Any]:
        groups = {u.group_id: u for u in self.units.values()}
        out: list[Any] = []
        for group_id, sample in sorted(groups.items()):
            units = [
                olca.Unit(
                    id=u.unit_id,
                    name=u.name,
                    conversion_factor=factor_to_reference(u),
                    is_ref_unit=u.name == u.reference,
                )
                for u in group_units(group_id)
            ]
            prop_ref = olca.Ref(
                id=sample.property_id, name=sample.property_name, ref_type=olca.RefType.FlowProperty
            )
            group = olca.UnitGroup(
                id=group_id, name=sample.group_name, units=units, default_flow_property=prop_ref
            )
            prop = olca.FlowProperty(
                id=sample.property_id,
                name=sample.property_name,
                flow_property_type=olca.FlowPropertyType.PHYSICAL_QUANTITY,
                unit_group=group.to_ref(),
            )
            out += [group, prop]
        return out

    # -- flows ------------------------------------------------------------------------------

    def _flow(
        self, fid: str, name: str, kind: Any, unit: OlcaUnit, stash: dict[str, Any], **extra: Any
    ) -> Any:
        prop = olca.Ref(id=unit.property_id, name=unit.property_name)
        prop.ref_type = olca.RefType.FlowProperty
        factor = olca.FlowPropertyFactor(
            flow_property=prop, conversion_factor=1.0, is_ref_flow_property=True
        )
        flow = olca.Flow(
            id=fid,
            name=name,
            flow_type=kind,
            flow_properties=[factor],
            other_properties={STASH: stash},
            **extra,
        )
        self.entities.append(flow)
        return flow

    def product_flow(self, product: str, unit: str, name: str = "") -> Any:
        if product in self.product_flows:
            return self.product_flows[product]
        known = self.unit(unit, "products", "unit")
        if known is None:
            return None
        flow = self._flow(
            stable_id(self.sid, "product", product),
            name or product,
            olca.FlowType.PRODUCT_FLOW,
            known,
            {"product": product},
            description=f"dualcarbon product id: {product}",
        )
        self.product_flows[product] = flow
        return flow

    def elementary_flows(self) -> None:
        for index, f in enumerate(self.system.flows):
            known = self.unit(f.unit, "flows", "unit", index + 1)
            if known is None:
                continue
            category = "/".join(
                (
                    ELEMENTARY_ROOT,
                    _COMPARTMENT_CATEGORY[f.compartment],
                    f.subcompartment or "unspecified",
                )
            )
            self.elementary[f.id] = self._flow(
                stable_id(self.sid, "flow", f.id),
                f.name,
                olca.FlowType.ELEMENTARY_FLOW,
                known,
                {"id": f.id, "gas": f.gas, "origin": f.origin.value, "unit": f.unit},
                cas=f.cas,
                category=category,
            )
        kg = self.unit("kg", "flows", "unit")
        assert kg is not None
        self.co2e = self._flow(
            stable_id(self.sid, "flow", "co2e"),
            CO2E_FLOW_NAME,
            olca.FlowType.ELEMENTARY_FLOW,
            kg,
            {"id": "co2e", "gas": "CO2", "role": "co2e"},
            category=f"{ELEMENTARY_ROOT}/Emission to air/unspecified",
            description="kgCO2e of a secondary factor (background supply or bought electricity)"
            ", characterised 1 kgCO2e/kg by the package's climate change method",
        )

    # -- data quality -----------------------------------------------------------------------

    def dq_ref(self) -> Any:
        if self.dq_system is None:
            table = pedigree_table()
            indicators = [
                olca.DQIndicator(
                    name=indicator.name_en,
                    position=position + 1,
                    scores=[
                        olca.DQScore(
                            position=score + 1,
                            label=str(score + 1),
                            description=indicator.scores_en[score],
                            uncertainty=indicator.factor[score],
                        )
                        for score in range(5)
                    ],
                )
                for position, indicator in enumerate(table.indicators)
            ]
            self.dq_system = olca.DQSystem(
                id=stable_id("dq-system", table.source.id),
                name="Pedigree matrix, ecoinvent v3 factors (dualcarbon)",
                description=f"{table.source.document}; basic uncertainty: "
                f"{table.source.basic_document}",
                has_uncertainties=True,
                indicators=indicators,
            )
            self.entities.append(self.dq_system)
        return self.dq_system.to_ref()

    def quality(
        self,
        target: Any,
        data_quality: PedigreeScores | None,
        basic: float | None,
        resolved: Uncertainty,
        amount: float | None,
    ) -> None:
        """Uncertainty, dqEntry and baseUncertainty (√U_b, a GSD) of one exchange."""
        target.uncertainty = to_olca_uncertainty(resolved, amount)
        if data_quality is not None:
            target.dq_entry = dq_entry(data_quality)
        if basic is not None:
            target.base_uncertainty = math.sqrt(basic)

    # -- processes --------------------------------------------------------------------------

    def process_ref(self, key: str) -> Any:
        ref = olca.Ref(id=stable_id(self.sid, "process", key), name=key)
        ref.ref_type = olca.RefType.Process
        return ref

    def parameters(self, parameters: Iterable[Parameter], scope: Any) -> list[Any]:
        out = []
        for p in parameters:
            param = olca.Parameter(
                id=stable_id(self.sid, "parameter", str(scope.value), p.name),
                name=p.name,
                parameter_scope=scope,
                description=p.description or None,
                is_input_parameter=p.formula is None,
                value=p.value,
                formula=None if p.formula is None else to_olca_formula(p.formula),
            )
            if p.uncertainty is not None and p.value is not None:
                param.uncertainty = to_olca_uncertainty(p.uncertainty.with_loc(p.value), p.value)
            if p.unit:
                param.other_properties = {STASH: {"unit": p.unit}}
            out.append(param)
        return out

    def exchange(
        self, process: Process, index: int, exchange: Exchange, amount: float, reference: str
    ) -> Any:
        row = index + 1
        sheet = f"process {process.id}"
        unit = self.unit(exchange.unit, sheet, "unit", row)
        kind = exchange.kind
        if kind.is_elementary:
            flow = self.elementary.get(exchange.target)
        else:
            provider = self.provider_map.get(exchange.target)
            provider_unit = provider.unit if provider and provider.unit else exchange.unit
            flow = self.product_flow(exchange.target, provider_unit)
        if unit is None or flow is None:
            return None
        unit_ref = olca.Ref(id=unit.unit_id, name=unit.name)
        unit_ref.ref_type = olca.RefType.Unit
        prop = olca.Ref(id=unit.property_id, name=unit.property_name)
        prop.ref_type = olca.RefType.FlowProperty
        out = olca.Exchange(
            internal_id=row,
            flow=flow.to_ref(),
            unit=unit_ref,
            flow_property=prop,
            amount=amount,
            amount_formula=None if exchange.formula is None else to_olca_formula(exchange.formula),
            is_input=kind
            in (ExchangeKind.TECHNOSPHERE, ExchangeKind.AVOIDED_PRODUCT, ExchangeKind.RESOURCE),
            is_avoided_product=kind is ExchangeKind.AVOIDED_PRODUCT or None,
            is_quantitative_reference=(
                kind is ExchangeKind.PRODUCTION and exchange.product == reference
            )
            or None,
            description="; ".join(t for t in (exchange.comment, exchange.source) if t) or None,
        )
        self.quality(
            out,
            exchange.data_quality,
            exchange.basic_uncertainty,
            exchange.resolved_uncertainty(amount),
            amount,
        )
        if kind in (ExchangeKind.TECHNOSPHERE, ExchangeKind.AVOIDED_PRODUCT):
            provider_ref = self.providers.get(exchange.target)
            if provider_ref is not None:
                out.default_provider = provider_ref
                self.links.append(
                    olca.ProcessLink(
                        provider=provider_ref,
                        flow=flow.to_ref(),
                        process=self.process_ref(process.id),
                        exchange=olca.ExchangeRef(internal_id=row),
                    )
                )
        return out

    def foreground(self, process: Process) -> None:
        reference = (
            self.system.reference_product
            if process.id == self.system.reference_process
            else process.products[0]
        )
        amounts = self.amounts[process.id]
        exchanges = [
            self.exchange(process, i, e, amounts[i], reference)
            for i, e in enumerate(process.exchanges)
        ]
        stash_exchanges = {
            str(i + 1): e.model_dump(
                mode="json",
                include={
                    "kind",
                    "stage",
                    "primary",
                    "source",
                    "material",
                    "secondary",
                    "eol_recycling",
                    "comment",
                    "electricity",
                    "product",
                    "flow",
                    "unit",
                },
                exclude_defaults=True,
            )
            for i, e in enumerate(process.exchanges)
        }
        ref = self.process_ref(process.id)
        entity = olca.Process(
            id=ref.id,
            name=process.name,
            description=process.description or None,
            process_type=olca.ProcessType.UNIT_PROCESS,
            exchanges=[e for e in exchanges if e is not None],
            last_internal_id=len(exchanges),
            parameters=self.parameters(process.parameters, olca.ParameterScope.PROCESS_SCOPE)
            or None,
            process_documentation=self.documentation(),
            other_properties={
                STASH: {
                    "role": "process",
                    "id": process.id,
                    "stage": process.stage.value,
                    "location": process.location,
                    "exchanges": stash_exchanges,
                    "allocation": None
                    if process.allocation is None
                    else process.allocation.model_dump(mode="json", exclude={"factors"}),
                }
            },
        )
        if any(e.data_quality is not None for e in process.exchanges):
            entity.exchange_dq_system = self.dq_ref()
        if process.allocation is not None:
            kind = (
                olca.AllocationType.ECONOMIC_ALLOCATION
                if process.allocation.method is AllocationMethod.ECONOMIC
                else olca.AllocationType.PHYSICAL_ALLOCATION
            )
            entity.default_allocation_method = kind
            entity.allocation_factors = [
                olca.AllocationFactor(
                    allocation_type=kind,
                    product=self.product_flows[product].to_ref(),
                    value=process.allocation.factors[product],
                )
                for product in process.products
                if product in self.product_flows
            ]
        self.processes[process.id] = entity

    def documentation(self) -> Any:
        period = self.system.period
        return olca.ProcessDocumentation(
            valid_from=period.start.isoformat(), valid_until=period.end.isoformat()
        )

    def secondary_process(
        self,
        key: str,
        name: str,
        product: str,
        unit: str,
        per_unit: float,
        description: str,
        stash: dict[str, Any],
        quality: tuple[PedigreeScores | None, float | None, Uncertainty] | None = None,
    ) -> None:
        """A process making 1 ``unit`` of ``product`` and emitting ``per_unit`` kgCO2e."""
        flow = self.product_flow(product, unit, name)
        known = self.unit(unit, "background", "unit")
        kg = self.units["kg"]
        if flow is None or known is None:
            return
        ref = self.process_ref(key)
        production = olca.Exchange(
            internal_id=1,
            flow=flow.to_ref(),
            unit=olca.Ref(id=known.unit_id, name=known.name, ref_type=olca.RefType.Unit),
            flow_property=olca.Ref(id=known.property_id, ref_type=olca.RefType.FlowProperty),
            amount=1.0,
            is_input=False,
            is_quantitative_reference=True,
        )
        emission = olca.Exchange(
            internal_id=2,
            flow=self.co2e.to_ref(),
            unit=olca.Ref(id=kg.unit_id, name=kg.name, ref_type=olca.RefType.Unit),
            flow_property=olca.Ref(id=kg.property_id, ref_type=olca.RefType.FlowProperty),
            amount=per_unit,
            is_input=False,
        )
        entity = olca.Process(
            id=ref.id,
            name=name,
            description=description,
            process_type=olca.ProcessType.UNIT_PROCESS,
            exchanges=[production, emission],
            last_internal_id=2,
            process_documentation=self.documentation(),
            other_properties={STASH: stash},
        )
        if quality is not None:
            scores, basic, resolved = quality
            self.quality(emission, scores, basic, resolved, per_unit)
            if scores is not None:
                entity.exchange_dq_system = self.dq_ref()
        self.processes[key] = entity
        self.providers[product] = ref

    def background(self, supply: BackgroundSupply) -> None:
        per_unit = co2e_per_unit(
            supply.emission_factor, supply.emission_factor_unit, supply.unit, supply.product
        )
        k = per_unit / supply.emission_factor if supply.emission_factor else 1.0
        self.secondary_process(
            f"background/{supply.product}",
            supply.name or supply.product,
            supply.product,
            supply.unit,
            per_unit,
            f"Secondary data (dualcarbon background supply {supply.product!r}): "
            f"{supply.emission_factor:g} {supply.emission_factor_unit}; source: {supply.source}",
            {"role": "background", "supply": supply.model_dump(mode="json", exclude_defaults=True)},
            (
                supply.data_quality,
                supply.basic_uncertainty,
                _scaled(supply.resolved_uncertainty(), k),
            ),
        )

    def electricity(self, product: str, choice: ElectricityChoice) -> None:
        per_kwh = grid_factor_per_kwh(choice, self.catalogue)
        if choice.basis is ElectricityBasis.LOCATION_BASED:
            assert choice.grid_factor is not None
            factor = self.catalogue.get(choice.grid_factor)
            what = f"grid factor {factor.ref}: {factor.citation('en')}"
        else:
            what = f"instrument {choice.instrument}; evidence: {choice.evidence}"
        self.secondary_process(
            f"electricity/{product}",
            f"electricity {product} ({choice.basis.value})",
            product,
            ENERGY_UNIT,
            per_kwh,
            f"Bought electricity, {choice.basis.value} (ISO 14067 6.4.9.4): {what}. "
            f"{per_kwh:g} kgCO2e/kWh.",
            {"role": "electricity", "product": product, "choice": choice.model_dump(mode="json")},
        )

    # -- LCIA, product system ---------------------------------------------------------------

    def climate_method(self) -> list[Any]:
        kg = self.units["kg"]
        factors = []
        for f in self.system.flows:
            if f.gas is None or f.id not in self.elementary:
                continue
            gwp = self.catalogue.get(f"{self.system.gwp_set}/gwp/{f.gas}")
            per_kg = gwp.value * conversion_factor(gwp.unit, "kgCO2e/kg")
            per_ref = per_kg * conversion_factor(_reference_unit(self.units[f.unit]).pint, "kg")
            if _directions(self.system, f.id) == {ExchangeKind.RESOURCE}:
                per_ref = -per_ref  # openLCA applies a factor to an input's (positive) amount
            factors.append((self.elementary[f.id], per_ref, self.units[f.unit]))
        factors.append((self.co2e, 1.0, kg))
        category = olca.ImpactCategory(
            id=stable_id(self.sid, "impact", self.system.gwp_set),
            name=CLIMATE_CATEGORY,
            ref_unit=CO2E_UNIT_NAME,
            description=f"GWP100 of {self.system.gwp_set} (dualcarbon factor catalogue)",
            impact_factors=[
                olca.ImpactFactor(
                    flow=flow.to_ref(),
                    value=value,
                    flow_property=olca.Ref(id=u.property_id, ref_type=olca.RefType.FlowProperty),
                    unit=olca.Ref(
                        id=_reference_unit(u).unit_id,
                        name=u.reference,
                        ref_type=olca.RefType.Unit,
                    ),
                )
                for flow, value, u in factors
            ],
        )
        method = olca.ImpactMethod(
            id=stable_id(self.sid, "method", self.system.gwp_set),
            name=f"dualcarbon GWP100 ({self.system.gwp_set})",
            impact_categories=[category.to_ref()],
        )
        return [category, method]

    def product_system(self) -> Any:
        s = self.system
        reference = self.processes[s.reference_process]
        ref_exchange = next(e for e in reference.exchanges if e.is_quantitative_reference)
        unit = self.unit(s.reference_flow.unit, "reference_flow", "unit")
        stash = s.model_dump(
            mode="json", exclude={"processes", "flows", "background", "parameters"}
        )
        entity = olca.ProductSystem(
            id=stable_id(s.id, "product-system"),
            name=s.name,
            description="\n\n".join((s.description, *openlca_caveats(s))).strip() or None,
            ref_process=reference.to_ref(),
            ref_exchange=olca.ExchangeRef(internal_id=ref_exchange.internal_id),
            target_amount=s.reference_flow.amount,
            processes=[p.to_ref() for p in self.processes.values()],
            process_links=self.links,
            other_properties={STASH: {"version": STASH_VERSION, "system": stash}},
        )
        if unit is not None:
            entity.target_unit = olca.Ref(
                id=unit.unit_id, name=unit.name, ref_type=olca.RefType.Unit
            )
            entity.target_flow_property = olca.Ref(
                id=unit.property_id, ref_type=olca.RefType.FlowProperty
            )
        entity.parameter_sets = None
        return entity

    def build(self) -> list[Any]:
        s = self.system
        self.elementary_flows()
        for supply in s.background:
            self.background(supply)
        for product, choice in s.electricity_choices().items():
            if choice.basis is not ElectricityBasis.ON_SITE:
                self.electricity(product, choice)
        for process in s.processes:  # providers first, so links can name them
            for product in process.products:
                self.providers[product] = self.process_ref(process.id)
                unit = process.production(product).unit
                self.product_flow(product, unit)
        for process in s.processes:
            self.foreground(process)
        globals_ = self.parameters(s.parameters, olca.ParameterScope.GLOBAL_SCOPE)
        methods = self.climate_method()
        system = self.product_system()
        if self.problems:
            raise InputError(self.problems)
        entities = [
            *self.unit_entities(),
            *self.entities,
            *globals_,
            *self.processes.values(),
            *methods,
            system,
        ]
        stamp = self.last_change()
        for entity in entities:
            entity.last_change = stamp
            for parameter in getattr(entity, "parameters", None) or ():  # a process's own
                parameter.last_change = stamp
        return entities

    def last_change(self) -> str:
        """When the data last changed, as the study says it: its report date, else the end of
        its period. Never the clock, so the same system gives the same package byte for byte."""
        day = self.system.study.report_date or self.system.period.end
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).isoformat()


def _reference_unit(unit: OlcaUnit) -> OlcaUnit:
    reference = olca_unit_named(unit.reference)
    assert reference is not None  # every group of the table lists its reference unit
    return reference


def _directions(system: ProductSystem, flow: str) -> set[ExchangeKind]:
    return {
        e.kind
        for p in system.processes
        for e in p.exchanges
        if e.kind.is_elementary and e.flow == flow
    }


def openlca_caveats(system: ProductSystem) -> list[str]:
    """Where openLCA will not reproduce our score from the package, in words.

    openLCA does not allocate avoided products (``CalcExchange.isAllocatable`` in olca-modules
    is false for them), while :mod:`.matrices` gives each co-product column its allocation
    factor × every avoided product. A process with both therefore scores differently there.
    And openLCA characterises a flow with one factor whichever way it goes, while we count a
    resource negative: a GHG flow both emitted and taken up cannot be written faithfully.
    """
    caveats = [
        f"Caveat: flow {f.id!r} is both emitted and taken up; openLCA has one factor per flow, "
        "so its result for the uptake differs in sign from dualcarbon's."
        for f in system.flows
        if f.gas is not None
        and _directions(system, f.id) == {ExchangeKind.EMISSION, ExchangeKind.RESOURCE}
    ]
    for process in system.processes:
        avoided = [e for e in process.exchanges if e.kind is ExchangeKind.AVOIDED_PRODUCT]
        if process.allocation is not None and avoided:
            caveats.append(
                f"Caveat: process {process.id!r} has co-products and avoided products; dualcarbon "
                "allocates the avoided products, openLCA does not, so openLCA's result differs."
            )
    return caveats


def olca_entities(system: ProductSystem, *, catalogue: FactorCatalogue | None = None) -> list[Any]:
    """The olca-schema root entities of ``system``'s package, in writing order."""
    return _Writer(system, catalogue or default_catalogue()).build()


def write_olca_package(
    system: ProductSystem, path: Path, *, catalogue: FactorCatalogue | None = None
) -> Path:
    """Write ``system`` as an openLCA JSON-LD zip at ``path`` (replaced if it exists)."""
    entities = olca_entities(system, catalogue=catalogue)
    stamp = dt.datetime.fromisoformat(entities[0].last_change)
    members = [("olca-schema.json", '{"version": 2}')]
    members += [(f"{_folder(entity)}/{entity.id}.json", entity.to_json()) for entity in entities]
    path.unlink(missing_ok=True)
    # written here rather than by olca_schema's ZipWriter, which stamps each member with the
    # clock: fixed member times and order make the zip reproducible
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in members:
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text)
    return path


_FOLDERS: dict[type, str] = {
    olca.UnitGroup: "unit_groups",
    olca.FlowProperty: "flow_properties",
    olca.Flow: "flows",
    olca.DQSystem: "dq_systems",
    olca.Parameter: "parameters",
    olca.Process: "processes",
    olca.ImpactCategory: "lcia_categories",
    olca.ImpactMethod: "lcia_methods",
    olca.ProductSystem: "product_systems",
}


def _folder(entity: Any) -> str:
    """The package folder of a root entity (openLCA JSON-LD's folder names)."""
    return _FOLDERS[type(entity)]
