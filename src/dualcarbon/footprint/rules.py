"""Rules across a whole product system: ids, the reference, stages, links between processes and
providers, GWP coverage, electricity evidence and recycling (the model's docstring states them).
Each part of a system checks itself when it is built; these run once every part is valid."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dualcarbon.errors import InputProblem
from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.footprint.parameters import evaluate
from dualcarbon.footprint.problems import problem, process_sheet
from dualcarbon.footprint.vocabulary import (
    Boundary,
    ElectricityBasis,
    ExchangeKind,
    RecyclingMethod,
    Stage,
)
from dualcarbon.units import same_dimension

if TYPE_CHECKING:
    from dualcarbon.footprint.model import ElectricityChoice, ProductSystem


def check_product_system(
    system: ProductSystem, catalogue: FactorCatalogue | None = None
) -> list[InputProblem]:
    """Every rule that spans more than one part of a product system; empty when it holds."""
    catalogue = catalogue or default_catalogue()
    problems: list[InputProblem] = []
    _check_ids(system, problems)
    _check_gate_to_gate(system, problems)
    _check_reference(system, problems)
    _check_stages(system, problems)
    _check_links(system, problems)
    _check_gwp(system, catalogue, problems)
    _check_electricity(system, catalogue, problems)
    _check_recycling(system, problems)
    problems += evaluate(system, None, raise_problems=False).problems
    return problems


def _duplicates(values: Sequence[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def _check_ids(system: ProductSystem, problems: list[InputProblem]) -> None:
    for sheet, values, field in (
        ("processes", [p.id for p in system.processes], "id"),
        ("flows", [f.id for f in system.flows], "id"),
        ("background", [b.product for b in system.background], "product"),
        ("parameters", [p.name for p in system.parameters], "name"),
    ):
        for value in _duplicates(values):
            problems.append(problem("id used twice", field, value, sheet=sheet))
    system_names = {p.name for p in system.parameters}
    for process in system.processes:
        for parameter in process.parameters:
            if parameter.name in system_names:
                problems.append(
                    problem(
                        "shadows a system parameter of the same name",
                        "parameters",
                        parameter.name,
                        sheet=process_sheet(process.id),
                    )
                )


def _check_gate_to_gate(system: ProductSystem, problems: list[InputProblem]) -> None:
    spec = system.gate_to_gate
    if spec is None:
        return
    if spec.digest is None or all(p.id != spec.into for p in system.processes):
        problems.append(
            problem(
                "the gate-to-gate process is generated from the inventory: read the file with "
                "its inventory beside it (dualcarbon footprint …) or publish it on the platform",
                "gate_to_gate",
                spec.inventory,
            )
        )


def _check_reference(system: ProductSystem, problems: list[InputProblem]) -> None:
    ids = {p.id for p in system.processes}
    if system.reference_process not in ids:
        problems.append(
            problem("no process has this id", "reference_process", system.reference_process)
        )
    else:
        process = system.process(system.reference_process)
        if system.reference_product not in process.products:
            problems.append(
                problem(
                    f"process {process.id!r} does not make it "
                    f"(it makes {', '.join(process.products)})",
                    "reference_product",
                    system.reference_product,
                )
            )
        else:
            unit = process.production(system.reference_product).unit
            if not same_dimension(system.reference_flow.unit, unit):
                problems.append(
                    problem(
                        f"the reference product is made in {unit!r}, another kind of quantity",
                        "reference_flow.unit",
                        system.reference_flow.unit,
                    )
                )
    wanted = system.boundary.unit_kind
    if system.functional_unit.kind != wanted:
        problems.append(
            problem(
                f"a {system.boundary.label_en} study is expressed per a {wanted} unit "
                "(ISO 14067 6.3.3)",
                "functional_unit.kind",
                system.functional_unit.kind,
            )
        )


def _check_stages(system: ProductSystem, problems: list[InputProblem]) -> None:
    included = set(system.stages)
    for stage in _duplicates([s.value for s in system.stages]):
        problems.append(problem("stage listed twice", "stages", stage))
    excluded = {e.stage for e in system.stage_exclusions}
    if system.boundary is Boundary.CRADLE_TO_GATE:
        if included != set(Boundary.CRADLE_TO_GATE.stages):
            problems.append(
                problem(
                    "cradle to gate covers raw_material_acquisition and production, "
                    "no more, no less",
                    "stages",
                    [s.value for s in system.stages],
                )
            )
        if excluded:
            problems.append(
                problem(
                    "a cradle-to-gate study leaves out later stages by its boundary; list no "
                    "stage exclusions",
                    "stage_exclusions",
                )
            )
    else:
        for stage in included & excluded:
            problems.append(
                problem("stage both included and excluded", "stage_exclusions", stage.value)
            )
        for stage in Stage:
            if stage not in included and stage not in excluded:
                problems.append(
                    problem(
                        "cradle to grave covers every stage; exclude one only with a justification "
                        "(stage_exclusions)",
                        "stages",
                        stage.value,
                    )
                )
    for process in system.processes:
        sheet = process_sheet(process.id)
        if process.stage not in included:
            problems.append(
                problem(
                    "stage outside the system boundary", "stage", process.stage.value, sheet=sheet
                )
            )
        for index, exchange in enumerate(process.exchanges):
            if exchange.stage is not None and exchange.stage not in included:
                problems.append(
                    problem(
                        "stage outside the system boundary",
                        "stage",
                        exchange.stage.value,
                        sheet=sheet,
                        row=index + 1,
                    )
                )


def _check_links(system: ProductSystem, problems: list[InputProblem]) -> None:
    """Providers of products, flows of elementary exchanges, and units of both."""
    producers: dict[str, list[str]] = defaultdict(list)
    for process in system.processes:
        for product in dict.fromkeys(process.products):
            producers[product].append(process.id)
    for product, makers in producers.items():
        if len(makers) > 1:
            problems.append(
                problem(
                    f"made by processes {', '.join(makers)}: a product has one provider in a "
                    "product system",
                    "product",
                    product,
                    sheet=process_sheet(makers[1]),
                )
            )
    background = {b.product: b for b in system.background}
    for index, supply in enumerate(system.background):
        if supply.product in producers:
            problems.append(
                problem(
                    f"also made by process {producers[supply.product][0]!r}; "
                    "a product has one provider",
                    "product",
                    supply.product,
                    sheet="background",
                    row=index + 1,
                )
            )
    excluded = system.cut_off.excluded
    electricity: dict[str, tuple[ElectricityChoice, str]] = {}
    for process in system.processes:
        for exchange in process.exchanges:
            if exchange.electricity is not None and exchange.product is not None:
                electricity.setdefault(exchange.product, (exchange.electricity, process.id))
    referenced: set[str] = set()
    flows = {f.id: f for f in system.flows}
    for process in system.processes:
        sheet = process_sheet(process.id)
        for index, exchange in enumerate(process.exchanges):
            row = index + 1
            if exchange.kind.is_elementary:
                flow = flows.get(exchange.flow or "")
                if flow is None:
                    problems.append(
                        problem(
                            "no elementary flow has this id",
                            "flow",
                            exchange.flow,
                            sheet=sheet,
                            row=row,
                        )
                    )
                elif not same_dimension(exchange.unit, flow.unit):
                    problems.append(
                        problem(
                            f"flow {flow.id!r} is measured in {flow.unit!r}, "
                            "another kind of quantity",
                            "unit",
                            exchange.unit,
                            sheet=sheet,
                            row=row,
                        )
                    )
                continue
            if exchange.kind is ExchangeKind.PRODUCTION:
                continue
            product = exchange.product or ""
            referenced.add(product)
            choice = exchange.electricity
            first = electricity.get(product)
            if first is not None and product not in producers and choice is None:
                problems.append(
                    problem(
                        f"electricity {product!r} is sourced by a choice in process "
                        f"{first[1]!r}; repeat the choice here",
                        "electricity",
                        sheet=sheet,
                        row=row,
                    )
                )
                continue
            if first is not None and choice is not None and first[0] != choice:
                problems.append(
                    problem(
                        f"electricity {product!r} is sourced differently in process "
                        f"{first[1]!r}; give each sourcing its own product id",
                        "electricity",
                        sheet=sheet,
                        row=row,
                    )
                )
            if choice is not None and choice.basis is not ElectricityBasis.ON_SITE:
                if product in producers or product in background:
                    problems.append(
                        problem(
                            f"{choice.basis.value} electricity is bought, but this product also "
                            "has a provider in the system (own generation is basis on_site)",
                            "electricity",
                            product,
                            sheet=sheet,
                            row=row,
                        )
                    )
                continue
            if product in producers:
                unit = system.process(producers[product][0]).production(product).unit
            elif product in background:
                unit = background[product].unit
            elif product in excluded:
                continue
            else:
                rule = (
                    "on-site electricity is made by a process of the system; none makes it"
                    if choice is not None
                    else "no provider: no process makes this product, no background supply "
                    "provides it, and the cut-off rule does not exclude it"
                )
                problems.append(problem(rule, "product", product, sheet=sheet, row=row))
                continue
            if not same_dimension(exchange.unit, unit):
                problems.append(
                    problem(
                        f"product {product!r} is provided in {unit!r}, another kind of quantity",
                        "unit",
                        exchange.unit,
                        sheet=sheet,
                        row=row,
                    )
                )
    for index, exclusion in enumerate(system.cut_off.exclusions):
        field = f"cut_off.exclusions[{index + 1}].product"
        if exclusion.product not in referenced:
            problems.append(
                problem("cut off, but no exchange uses this product", field, exclusion.product)
            )
        if (
            exclusion.product in producers
            or exclusion.product in background
            or exclusion.product in electricity
        ):
            problems.append(
                problem("cut off, but it also has a provider", field, exclusion.product)
            )


def _check_gwp(
    system: ProductSystem, catalogue: FactorCatalogue, problems: list[InputProblem]
) -> None:
    sets = sorted({f.source.id for f in catalogue if f.kind == "gwp"})
    if system.gwp_set not in sets:
        problems.append(
            problem(
                f"not a GWP set of the factor catalogue (known: {', '.join(sets)})",
                "gwp_set",
                system.gwp_set,
            )
        )
        return
    gases = {f.subject for f in catalogue if f.kind == "gwp" and f.source.id == system.gwp_set}
    for index, flow in enumerate(system.flows):
        if flow.gas is not None and flow.gas not in gases:
            problems.append(
                problem(
                    f"{system.gwp_set} has no GWP for this gas (it has {', '.join(sorted(gases))})",
                    "gas",
                    flow.gas,
                    sheet="flows",
                    row=index + 1,
                )
            )


GRID_KINDS = ("co2_emission_factor", "carbon_footprint_factor")


def _check_electricity(
    system: ProductSystem, catalogue: FactorCatalogue, problems: list[InputProblem]
) -> None:
    """A grid factor (and a contractual instrument's location factor) is a grid's CO2 emission
    factor (MEE/NBS) or its life-cycle footprint factor (MEE/NBS/NEA) from the catalogue."""
    for process in system.processes:
        for index, exchange in enumerate(process.exchanges):
            choice = exchange.electricity
            if choice is None:
                continue
            sheet, row = process_sheet(process.id), index + 1
            for field, key in (
                ("electricity.grid_factor", choice.grid_factor),
                ("electricity.location_factor", choice.location_factor),
            ):
                if key is None:
                    continue
                try:
                    factor = catalogue.get(key)
                except LookupError:
                    problems.append(
                        problem(
                            "no factor with this id in the catalogue",
                            field,
                            key,
                            sheet=sheet,
                            row=row,
                        )
                    )
                    continue
                grid = factor.subject == "grid" or (
                    factor.kind == "co2_emission_factor" and factor.subject.startswith("grid")
                )
                if factor.kind not in GRID_KINDS or not grid:
                    problems.append(
                        problem(
                            f"not a grid electricity factor (it is {factor.kind} of "
                            f"{factor.subject})",
                            field,
                            key,
                            sheet=sheet,
                            row=row,
                        )
                    )


def _check_recycling(system: ProductSystem, problems: list[InputProblem]) -> None:
    if system.recycling.method is not RecyclingMethod.CUT_OFF:
        return
    for process in system.processes:
        for index, exchange in enumerate(process.exchanges):
            if exchange.eol_recycling:
                problems.append(
                    problem(
                        "the cut-off approach gives no credit for end-of-life recycling; set "
                        "recycling.method to avoided_burden (and justify it) or remove the credit",
                        "eol_recycling",
                        sheet=process_sheet(process.id),
                        row=index + 1,
                    )
                )
