"""The gate-to-gate stage of a product footprint, generated from the enterprise's accounted
inventory (issue 17; decision 0021): the same coal, the same meters, the same uncertainty as the
carbon-market report, never typed a second time.

A product system declares::

    gate_to_gate:
      inventory: ../../../../examples/cement-2025.yaml   # a file beside it, or on the platform
                                                         # the facility's latest stored result
      process: clinker_line          # a process level of the inventory's methodology
      instance: 1#线                  # one line; all of them pooled when left out
      into: kiln                     # the process of the product system it generates

and :func:`gate_to_gate_process` writes that process from the attribution
(:mod:`dualcarbon.attribution`):

* **production**: the product's output for the year, from the output column, its meters as
  the source;
* **each fuel burnt** as an input [its consumption unit], whose upstream the product system must
  provide (a background supply) or cut off: the carbon market counts the burning, a footprint
  also the mining and transport;
* **one emission per source and gas** the guideline counts: the attributed mass of the gas [t],
  with the lines' evidence and factor refs as its source, primary data, and a normal uncertainty
  of the source's standard uncertainty (:mod:`dualcarbon.attribution.uncertainty`; a source of
  several gases shares it by their CO2e). A negative source (cement's deduction for
  non-carbonate raw materials) is netted into the largest positive source of its gas that is not
  combustion, and named in that exchange's source;
* **purchased electricity**: the attributed MWh as an electricity input, location based at the
  very factor version the inventory used, with the settlement bills as evidence.

Inputs the inventory does not measure (raw meal per tonne of clinker) are declared per unit of
product under ``inputs`` and scaled by the output. The footprint then characterises the gases
with its own GWP set, and adds the electricity factor's uncertainty where the catalogue gives
one (the national grid factors publish none). Lines outside the process are listed by the
attribution; units serving every instance (a smelter's casting shop) are named in
``shared_units`` and split by output. Purchased heat is not carried yet: the generated process's
description names its lines.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dualcarbon.accounting.result import AccountingResult
from dualcarbon.attribution import AttributedLine, Attribution
from dualcarbon.attribution.attribute import (
    electricity_sources,
    heat_sources,
    indirect_sources,
    line_ranges,
)
from dualcarbon.attribution.uncertainty import activity_uncertainty, source_uncertainty
from dualcarbon.footprint.vocabulary import Stage

GAS_FLOWS: dict[str, tuple[str, str, str]] = {
    "CO2": ("co2_fossil", "Carbon dioxide, fossil", "CO2"),
    "CH4": ("ch4_fossil", "Methane, fossil", "CH4_fossil"),
    "N2O": ("n2o", "Dinitrogen monoxide", "N2O"),
    "CF4": ("cf4", "Methane, tetrafluoro-, R-14", "CF4"),
    "C2F6": ("c2f6", "Ethane, hexafluoro-, HFC-116", "C2F6"),
    "SF6": ("sf6", "Sulfur hexafluoride", "SF6"),
}
"""An inventory line's gas → the elementary flow (id, name, the GWP set's gas) it becomes.
Industrial combustion and process CH4 is fossil."""

ELECTRICITY = "grid_electricity"


class PerUnitInput(BaseModel):
    """An input of the generated process the inventory does not measure, per unit of product."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product: str = Field(min_length=1)
    amount_per_unit: float = Field(gt=0.0)
    unit: str = Field(min_length=1)
    source: str = Field(min_length=1, description="where the amount comes from")


class GateToGate(BaseModel):
    """Where a product system's gate-to-gate stage comes from (module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inventory: str = Field(
        min_length=1,
        description="the inventory: a file relative to the product system's file, or on the "
        "platform the facility whose latest stored result is used",
    )
    process: str = Field(min_length=1, description="a process level of its methodology")
    instance: str | None = Field(default=None, description="one instance; None pools them all")
    shared_units: tuple[str, ...] = Field(
        default=(),
        description="units serving every instance (a casting shop): split by output as the "
        "facility's lines are",
    )
    into: str = Field(min_length=1, description="the product system's process it generates")
    name: str = ""
    stage: Stage = Stage.PRODUCTION
    inputs: tuple[PerUnitInput, ...] = Field(
        default=(),
        description="inputs the inventory does not hold (raw meal, packaging), per unit of the "
        "product, scaled by the generated output",
    )
    digest: str | None = Field(
        default=None, description="the inventory's SHA-256 it was generated from (filled in)"
    )


def gate_to_gate_process(
    spec: GateToGate, attribution: Attribution, result: AccountingResult
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The process (as a product-system mapping) ``spec`` asks for, and the elementary flows it
    uses."""
    instances = attribution.instances_of(spec.process, spec.instance)
    lines = attribution.lines_of(spec.process, spec.instance)
    process = attribution.process(spec.process)
    product = process.product
    where = spec.instance or "、".join(i.instance for i in instances)
    label = (
        f"{attribution.organisation} {attribution.facility} {attribution.year} "
        f"({attribution.methodology.id}, inventory sha256:{attribution.inventory_digest[:12]})"
    )
    output = math.fsum(i.output for i in instances)
    evidence = list(dict.fromkeys(e for i in instances for e in i.evidence))
    exchanges: list[dict[str, Any]] = [
        {
            "kind": "production",
            "product": product.id,
            "amount": output,
            "unit": product.unit,
            "primary": True,
            "source": f"{label}: {product.column} of {where}"
            + (f" — {'; '.join(evidence)}" if evidence else ""),
        }
    ]
    flows: dict[str, dict[str, Any]] = {}
    exchanges += _fuels(lines, attribution, label)
    indirect = indirect_sources(attribution.methodology)
    exchanges += _emissions([a for a in lines if a.source not in indirect], result, label, flows)
    exchanges += _electricity(lines, result, attribution, label)
    exchanges += [
        {
            "kind": "technosphere",
            "product": extra.product,
            "amount": extra.amount_per_unit * output,
            "unit": extra.unit,
            "source": f"{extra.source} ({extra.amount_per_unit:g} {extra.unit} per "
            f"{product.unit} {product.id} × output)",
        }
        for extra in spec.inputs
    ]
    heat = sorted({a.line for a in lines if a.source in heat_sources(attribution.methodology)})
    note = (
        f"; purchased heat (inventory lines {line_ranges(heat)}) is not carried: add it as an "
        "input with its supplier's factor"
        if heat
        else ""
    )
    generated = {
        "id": spec.into,
        "name": spec.name or f"{process.name_zh} {where} / {process.name_en}",
        "stage": spec.stage.value,
        "location": attribution.facility,
        "description": f"generated from {label}, process {spec.process} ({process.clause}); "
        "do not edit: it is written again from the inventory on every read" + note,
        "exchanges": exchanges,
    }
    return generated, list(flows.values())


def _fuels(
    lines: list[AttributedLine], attribution: Attribution, label: str
) -> list[dict[str, Any]]:
    """Each fuel burnt, as an input whose upstream (mining, refining, transport) the product
    system must provide or cut off: the footprint covers what the carbon market does not."""
    combustion = {
        rule.kind
        for rule in attribution.methodology.sources
        if rule.calculator.startswith("fuel_combustion")
    }
    by_fuel: dict[tuple[str, str], list[AttributedLine]] = defaultdict(list)
    for a in lines:
        if a.source in combustion and a.activity is not None and a.item:
            by_fuel[(a.item, a.activity_unit or "")].append(a)
    return [
        {
            "kind": "technosphere",
            "product": fuel,
            "amount": math.fsum(a.activity or 0.0 for a in members),
            "unit": unit,
            "primary": True,
            "source": _cite(label, f"{fuel} burnt", members),
        }
        for (fuel, unit), members in sorted(by_fuel.items())
    ]


def _emissions(
    lines: list[AttributedLine],
    result: AccountingResult,
    label: str,
    flows: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    counted = [a for a in lines if a.counted]
    u_by_source = source_uncertainty(result, counted)
    groups: dict[tuple[str, str], list[AttributedLine]] = defaultdict(list)
    for a in counted:
        groups[(a.source, a.gas)].append(a)
    net: dict[tuple[str, str], float] = {
        key: math.fsum(a.sign * a.emission for a in members) for key, members in groups.items()
    }
    co2e = {key: math.fsum(a.emission_co2e for a in members) for key, members in groups.items()}
    absorbed: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for key, value in list(net.items()):
        if value >= 0:
            continue
        source, gas = key
        takers = [k for k, v in net.items() if k[1] == gas and v > 0 and k != key]
        preferred = [k for k in takers if "combustion" not in k[0]] or takers
        if not preferred:
            raise ValueError(f"source {source} ({gas}) is negative with nothing to net it into")
        into = max(preferred, key=lambda k: net[k])
        net[into] += value
        absorbed[into].append(key)
        del net[key]
    source_co2e: dict[str, float] = defaultdict(float)
    for (source, _), value in co2e.items():
        source_co2e[source] += value
    out = []
    for key, amount in sorted(net.items()):
        source, gas = key
        if gas not in GAS_FLOWS:
            raise ValueError(f"source {source}: gas {gas} has no elementary flow")
        flow_id, flow_name, flow_gas = GAS_FLOWS[gas]
        flows.setdefault(
            flow_id,
            {
                "id": flow_id,
                "name": flow_name,
                "compartment": "air",
                "unit": "kg",
                "gas": flow_gas,
                "origin": "fossil",
            },
        )
        members = [*groups[key], *(a for k in absorbed[key] for a in groups[k])]
        sources = [key[0], *(k[0] for k in absorbed[key])]
        variance = 0.0
        for name in sources:
            part = co2e[(name, gas)] / source_co2e[name] if source_co2e[name] else 1.0
            variance += (u_by_source.get(name, 0.0) * part) ** 2
        co2e_per_t = co2e[key] / math.fsum(a.emission for a in groups[key]) if co2e[key] else 1.0
        u_t = math.sqrt(variance) / co2e_per_t if co2e_per_t else 0.0
        exchange: dict[str, Any] = {
            "kind": "emission",
            "flow": flow_id,
            "amount": amount,
            "unit": "t",
            "primary": True,
            "source": _cite(label, " − ".join(sources), members),
        }
        if u_t > 0:
            exchange["uncertainty"] = {"type": 3, "scale": u_t}
        out.append(exchange)
    return out


def _electricity(
    lines: list[AttributedLine], result: AccountingResult, attribution: Attribution, label: str
) -> list[dict[str, Any]]:
    bought = electricity_sources(attribution.methodology)
    by_factor: dict[str, list[AttributedLine]] = defaultdict(list)
    for a in lines:
        if a.source in bought and a.activity is not None:
            by_factor[a.factors[0] if a.factors else ""].append(a)
    out = []
    for number, (factor, members) in enumerate(sorted(by_factor.items()), start=1):
        if not factor:
            raise ValueError("purchased electricity without a factor ref cannot be carried")
        units = {a.activity_unit for a in members}
        if len(units) != 1:
            raise ValueError(f"purchased electricity in several units {sorted(map(str, units))}")
        evidence = list(dict.fromkeys(e for a in members for e in a.evidence))
        exchange: dict[str, Any] = {
            "kind": "technosphere",
            "product": ELECTRICITY if number == 1 else f"{ELECTRICITY}_{number}",
            "amount": math.fsum(a.activity or 0.0 for a in members),
            "unit": units.pop(),
            "primary": True,
            "source": _cite(label, members[0].source, members),
            "electricity": {
                "basis": "location_based",
                "grid_factor": factor,
                "evidence": "; ".join(evidence) or label,
            },
        }
        u = activity_uncertainty(result, members)
        if u > 0:
            exchange["uncertainty"] = {"type": 3, "scale": u}
        out.append(exchange)
    return out


def _cite(label: str, what: str, members: list[AttributedLine]) -> str:
    numbers = sorted({a.line for a in members})
    evidence = list(dict.fromkeys(e for a in members for e in a.evidence))
    factors = list(dict.fromkeys(f for a in members for f in a.factors))
    text = f"{label}: {what}, lines {line_ranges(numbers)}"
    if evidence:
        text += f"; evidence {'; '.join(evidence)}"
    if factors:
        text += f"; factors {', '.join(factors)}"
    return text
