"""An openLCA JSON-LD package (zip or folder, olca-schema 2.x) → a product system, all-or-nothing.

:func:`read_olca_package` picks the product system (by id or name, or the only one), or a process
as the reference when the package has no product system, and walks the supply chain from its
reference process: an input (or avoided product) is linked to the provider the product system's
links name, else to the exchange's default provider; an input with neither is refused unless the
package's own cut-off list (written by our exporter) excludes it.

Every object is read with ``olca_schema``'s ``from_dict``. Whatever cannot be represented is
refused with an :class:`~dualcarbon.errors.InputError` whose problems name the file and zip entry
(``file``), the object (``sheet``, e.g. ``process 'cast parts'``), the exchange's internal id
(``row``), the field and the rule; nothing is returned then. Refused: waste flows, negative
amounts, a flow measured in another flow property than its reference one, units pint cannot read,
distributions other than lognormal, normal, uniform and triangle, a ``dqEntry`` that is not five
scores, pedigree scores without a base uncertainty or a distribution, causal allocation or
allocation factors given as formulas, an input without a provider, and a technosphere without a
solution (a loop making nothing net).

Characterisation: a flow the package's dualcarbon notes give a gas keeps it. Otherwise, if the
package has a climate change LCIA category (name containing "climate" or "GWP"), its factor for the
flow must be the GWP100 of one gas of the GWP set (per the flow's reference unit; for an input flow
with the opposite sign, as openLCA applies a factor to an input's amount and we count a resource
negative) — that gas is taken, a factor 0 means "no GHG", and any other factor is refused. Without
such a category the gas is found by the flow's CAS number, else its name, in the GWP set.
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import olca_schema as olca  # type: ignore[import-untyped]

from dualcarbon.errors import DualcarbonError, InputError, InputProblem
from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.footprint.matrices import build_matrices
from dualcarbon.footprint.model import ProductSystem, validate_product_system
from dualcarbon.footprint.pedigree import basic_variance, lognormal_sigma
from dualcarbon.footprint.solver import SingularTechnosphereError, TechnosphereSolver
from dualcarbon.guards.zip_guard import read_members
from dualcarbon.io.olca import (
    GAS_BY_CAS,
    OLCA_UNITS,
    STASH,
    from_olca_formula,
    from_olca_uncertainty,
    gas_of,
    is_biogenic,
    parse_dq_entry,
    pint_of_olca_name,
)
from dualcarbon.io.olca_export import co2e_per_unit, grid_factor_per_kwh
from dualcarbon.units import conversion_factor

_TYPES = {
    "processes": olca.Process,
    "flows": olca.Flow,
    "product_systems": olca.ProductSystem,
    "unit_groups": olca.UnitGroup,
    "flow_properties": olca.FlowProperty,
    "lcia_categories": olca.ImpactCategory,
    "parameters": olca.Parameter,
}


def _slug(text: str) -> str:
    slug = re.sub(r"[^0-9A-Za-z_]+", "_", text.strip().lower()).strip("_")
    return slug or "x"


class _Package:
    """The JSON objects of a zip or folder package, by folder and id, with their entry names."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[InputProblem] = []
        self.raw: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {k: {} for k in _TYPES}
        for entry, text in self._entries():
            parts = entry.split("/")
            if len(parts) < 2 or parts[-2] not in _TYPES or not entry.endswith(".json"):
                continue
            try:
                data = json.loads(text)
            except ValueError as exc:
                self.problem(entry, None, None, f"not JSON: {exc}")
                continue
            if not isinstance(data, dict) or not isinstance(data.get("@id"), str):
                self.problem(entry, None, "@id", "an object with an @id is needed")
                continue
            self.raw[parts[-2]][data["@id"]] = (entry, data)
        self.objects: dict[str, dict[str, Any]] = {folder: {} for folder in _TYPES}
        for folder, items in self.raw.items():
            for uid, (entry, data) in items.items():
                try:
                    self.objects[folder][uid] = _TYPES[folder].from_dict(data)
                except (AttributeError, KeyError, TypeError, ValueError) as exc:
                    kind = _TYPES[folder].__name__
                    self.problem(
                        entry, None, None, f"does not read as an olca-schema {kind}: {exc}"
                    )

    def _entries(self) -> list[tuple[str, bytes]]:
        if self.path.is_dir():
            return [
                (p.relative_to(self.path).as_posix(), p.read_bytes())
                for p in sorted(self.path.rglob("*.json"))
            ]
        return read_members(self.path, ".json")

    def entry(self, folder: str, uid: str) -> str:
        return self.raw[folder][uid][0]

    def problem(
        self,
        entry: str | None,
        what: str | None,
        field: str | None,
        rule: str,
        value: object = None,
        row: int | None = None,
    ) -> None:
        where = f"{self.path}:{entry}" if entry else str(self.path)
        self.problems.append(
            InputProblem(where, rule, field=field, sheet=what, row=row, value=value)
        )


class _Reader:
    def __init__(self, package: _Package, catalogue: FactorCatalogue) -> None:
        self.pkg = package
        self.catalogue = catalogue
        self.units: dict[str, str] = {}  # unit id → name, from the package and the ref data
        for u in OLCA_UNITS:
            self.units[u.unit_id] = u.name
        self.group_ref_unit: dict[str, str] = {}
        for group in package.objects["unit_groups"].values():
            for unit in group.units or []:
                self.units[unit.id] = unit.name
                if unit.is_ref_unit:
                    self.group_ref_unit[group.id] = unit.name
        self.property_unit: dict[str, str] = {u.property_id: u.reference for u in OLCA_UNITS}
        for prop in package.objects["flow_properties"].values():
            if prop.unit_group is not None and prop.unit_group.id in self.group_ref_unit:
                self.property_unit[prop.id] = self.group_ref_unit[prop.unit_group.id]
        self.product_ids: dict[str, str] = {}
        self.flow_ids: dict[str, str] = {}
        self.used_flows: dict[str, set[bool]] = {}
        self.taken: dict[int, set[str]] = {}  # names given, per table of _unique

    # -- naming -----------------------------------------------------------------------------

    def _unique(self, table: dict[str, str], uid: str, wanted: str) -> str:
        if uid not in table:
            taken = self.taken.setdefault(id(table), set())
            name, n = wanted, 2
            while name in taken:
                name, n = f"{wanted}_{n}", n + 1
            table[uid] = name
            taken.add(name)
        return table[uid]

    def product_id(self, flow: Any) -> str:
        stash = (flow.other_properties or {}).get(STASH, {})
        return self._unique(
            self.product_ids, flow.id, stash.get("product") or _slug(flow.name or flow.id)
        )

    def flow_id(self, flow: Any) -> str:
        stash = (flow.other_properties or {}).get(STASH, {})
        return self._unique(self.flow_ids, flow.id, stash.get("id") or _slug(flow.name or flow.id))

    def unit_name(self, ref: Any) -> str | None:
        if ref is None:
            return None
        return self.units.get(ref.id) or ref.name

    def flow_ref_unit(self, flow: Any) -> tuple[str | None, str | None]:
        """(reference flow property id, its reference unit name) of a flow."""
        for factor in flow.flow_properties or []:
            if factor.is_ref_flow_property and factor.flow_property is not None:
                prop = factor.flow_property.id
                return prop, self.property_unit.get(prop)
        return None, None

    # -- the walk ---------------------------------------------------------------------------

    def choose(
        self, product_system: str | None, reference_process: str | None
    ) -> tuple[Any, str | None]:
        """(the product system or None, the reference process id)."""
        systems = self.pkg.objects["product_systems"]
        processes = self.pkg.objects["processes"]
        if reference_process is None or product_system is not None:
            matches = [
                s
                for s in systems.values()
                if product_system is None or product_system in (s.id, s.name)
            ]
            if len(matches) == 1:
                ps = matches[0]
                ref = ps.ref_process.id if ps.ref_process is not None else None
                if ref not in processes:
                    self.pkg.problem(
                        self.pkg.entry("product_systems", ps.id),
                        f"product system {ps.name!r}",
                        "refProcess",
                        "the reference process is not in the package",
                        ref,
                    )
                    return ps, None
                return ps, ref
            rule = (
                "several product systems: name one (product_system=…)"
                if matches
                else "no such product system; name one, or a reference process"
            )
            self.pkg.problem(None, None, "product_system", rule, product_system)
            return None, None
        found = [p.id for p in processes.values() if reference_process in (p.id, p.name)]
        if len(found) != 1:
            self.pkg.problem(
                None,
                None,
                "reference_process",
                "no single process of this id or name",
                reference_process,
            )
            return None, None
        return None, found[0]

    def walk(self, ps: Any, start: str, excluded: set[str]) -> dict[str, dict[int, str | None]]:
        """Processes reached from ``start``: for each, its input exchanges' providers."""
        processes = self.pkg.objects["processes"]
        links: dict[tuple[str, int], str] = {}
        for link in (ps.process_links or []) if ps is not None else []:
            if link.process and link.exchange and link.provider:
                links[(link.process.id, link.exchange.internal_id)] = link.provider.id
        reached: dict[str, dict[int, str | None]] = {}
        queue = deque([start])
        while queue:
            pid = queue.popleft()
            if pid in reached:
                continue
            process = processes[pid]
            entry = self.pkg.entry("processes", pid)
            what = f"process {process.name!r}"
            providers: dict[int, str | None] = {}
            for exchange in process.exchanges or []:
                flow = self.pkg.objects["flows"].get(exchange.flow.id if exchange.flow else "")
                if flow is None or flow.flow_type is not olca.FlowType.PRODUCT_FLOW:
                    continue
                if not (exchange.is_input or exchange.is_avoided_product):
                    continue
                iid = exchange.internal_id
                provider = links.get((pid, iid)) or (
                    exchange.default_provider.id if exchange.default_provider else None
                )
                if provider is None:
                    if self.product_id(flow) in excluded:
                        providers[iid] = None
                        continue
                    self.pkg.problem(
                        entry,
                        what,
                        "defaultProvider",
                        "missing provider: no link or default provider for this input, and the "
                        "package's cut-off list does not exclude it",
                        flow.name,
                        iid,
                    )
                    continue
                if provider not in processes:
                    self.pkg.problem(
                        entry,
                        what,
                        "defaultProvider",
                        "the provider is not in the package",
                        provider,
                        iid,
                    )
                    continue
                providers[iid] = provider
                queue.append(provider)
            reached[pid] = providers
        return reached

    # -- exchanges --------------------------------------------------------------------------

    def exchange(
        self,
        process: Any,
        exchange: Any,
        raw: dict[str, Any],
        stash: dict[str, Any],
        provider_stash: Any,
    ) -> dict[str, Any] | None:
        pkg = self.pkg
        entry = pkg.entry("processes", process.id)
        what = f"process {process.name!r}"
        iid = exchange.internal_id
        before = len(pkg.problems)

        def bad(field: str, rule: str, value: object = None) -> None:
            pkg.problem(entry, what, field, rule, value, iid)

        flow = pkg.objects["flows"].get(exchange.flow.id if exchange.flow else "")
        if flow is None:
            bad(
                "flow",
                "the flow is not in the package",
                exchange.flow.id if exchange.flow else None,
            )
            return None
        out: dict[str, Any] = {}
        if flow.flow_type is olca.FlowType.PRODUCT_FLOW:
            if exchange.is_avoided_product:
                if not exchange.is_input:
                    bad("isAvoidedProduct", "an avoided product is an input in openLCA")
                out["kind"] = "avoided_product"
            else:
                out["kind"] = "technosphere" if exchange.is_input else "production"
            out["product"] = self.product_id(flow)
        elif flow.flow_type is olca.FlowType.ELEMENTARY_FLOW:
            out["kind"] = "resource" if exchange.is_input else "emission"
            out["flow"] = self.flow_id(flow)
            self.used_flows.setdefault(flow.id, set()).add(bool(exchange.is_input))
        elif flow.flow_type is olca.FlowType.WASTE_FLOW:
            bad(
                "flow",
                "waste flows are not represented: model the treatment as a product input",
                flow.name,
            )
            return None
        else:
            bad("flow", "the flow has no known flowType", flow.name)
            return None
        ref_prop, _ = self.flow_ref_unit(flow)
        if exchange.flow_property is not None and exchange.flow_property.id != ref_prop:
            bad(
                "flowProperty",
                "only the flow's reference flow property is represented",
                exchange.flow_property.id,
            )
        unit = self.unit_name(exchange.unit) if exchange.unit else self.flow_ref_unit(flow)[1]
        spelled = pint_of_olca_name(unit) if unit else None
        if spelled is None:
            bad(
                "unit",
                "unknown unit (not an openLCA reference unit, and pint cannot read it)",
                unit,
            )
        kept = stash.get(str(iid), {}).get("unit")
        out["unit"] = kept if spelled and kept and _same_unit(kept, spelled) else spelled
        if exchange.amount_formula:
            out["formula"] = from_olca_formula(exchange.amount_formula)
        else:
            amount = exchange.amount if exchange.amount is not None else 0.0
            if amount < 0:
                bad(
                    "amount",
                    "negative amounts are not represented: amounts are unsigned, "
                    "the kind gives the direction",
                    amount,
                )
            out["amount"] = amount
        self.quality(out, raw, exchange, bad)
        extras = stash.get(str(iid), {})
        for key in (
            "stage",
            "primary",
            "source",
            "material",
            "secondary",
            "eol_recycling",
            "comment",
        ):
            if key in extras:
                out[key] = extras[key]
        if not extras and exchange.description:
            out["comment"] = exchange.description
        if provider_stash is not None:
            out["electricity"] = provider_stash
        elif "electricity" in extras:
            out["electricity"] = extras["electricity"]
        return out if len(pkg.problems) == before else None

    def quality(self, out: dict[str, Any], raw: dict[str, Any], exchange: Any, bad: Any) -> None:
        """uncertainty, data_quality, basic_uncertainty from openLCA's fields."""
        dist: dict[str, Any] | None = None
        if isinstance(raw.get("uncertainty"), dict):
            parsed = from_olca_uncertainty(raw["uncertainty"])
            if isinstance(parsed, str):
                bad(
                    "uncertainty.distributionType",
                    parsed,
                    raw["uncertainty"].get("distributionType"),
                )
                return
            dist = parsed
        scores = None
        if exchange.dq_entry:
            found = parse_dq_entry(exchange.dq_entry)
            if isinstance(found, str):
                bad("dqEntry", found, exchange.dq_entry)
                return
            scores = found
            out["data_quality"] = list(scores.as_tuple())
        base = exchange.base_uncertainty
        basic = float(f"{base * base:.12g}") if base is not None and base >= 1.0 else None
        if basic is not None:
            sigma = (
                lognormal_sigma(scores, basic)
                if scores is not None
                else math.sqrt(basic_variance(basic))
            )
            if dist is None or (
                dist["type"] == 2 and math.isclose(dist["scale"], sigma, rel_tol=1e-9)
            ):
                out["basic_uncertainty"] = basic
                return
        if scores is not None and dist is None:
            bad(
                "baseUncertainty",
                "pedigree scores need a base uncertainty (GSD) or a "
                "distribution: dualcarbon does not assume U_b",
            )
            return
        if dist is not None:
            out["uncertainty"] = _without_implied_loc(dist, out.get("amount"))

    # -- processes --------------------------------------------------------------------------

    def parameters(self, raws: list[tuple[str, dict[str, Any]]], what: str) -> list[dict[str, Any]]:
        """Parameters from ``(zip entry, raw parameter)`` pairs; ``what`` names their owner."""
        out = []
        for index, (entry, raw) in enumerate(raws):
            p = olca.Parameter.from_dict(raw)
            item: dict[str, Any] = {"name": p.name}
            if p.formula and not p.is_input_parameter:
                item["formula"] = from_olca_formula(p.formula)
            else:
                item["value"] = p.value if p.value is not None else 0.0
                if isinstance(raw.get("uncertainty"), dict):
                    dist = from_olca_uncertainty(raw["uncertainty"])
                    if isinstance(dist, str):
                        self.pkg.problem(
                            entry,
                            what,
                            f"parameters[{index + 1}].uncertainty.distributionType",
                            dist,
                            raw["uncertainty"].get("distributionType"),
                        )
                    else:
                        item["uncertainty"] = _without_implied_loc(dist, item["value"])
            if p.description:
                item["description"] = p.description
            unit = (p.other_properties or {}).get(STASH, {}).get("unit")
            if unit:
                item["unit"] = unit
            out.append(item)
        return out

    def allocation(self, process: Any, stash: Mapping[str, Any] | None) -> dict[str, Any] | None:
        factors = process.allocation_factors or []
        if not factors:
            return None
        entry, what = self.pkg.entry("processes", process.id), f"process {process.name!r}"
        method = process.default_allocation_method or factors[0].allocation_type
        if method not in (
            olca.AllocationType.PHYSICAL_ALLOCATION,
            olca.AllocationType.ECONOMIC_ALLOCATION,
        ):
            self.pkg.problem(
                entry,
                what,
                "defaultAllocationMethod",
                "only physical or economic allocation is represented (not causal)",
                getattr(method, "value", method),
            )
            return None
        chosen: dict[str, float] = {}
        for factor in factors:
            if factor.allocation_type is not method:
                continue
            if factor.formula or factor.value is None or factor.exchange is not None:
                self.pkg.problem(
                    entry,
                    what,
                    "allocationFactors",
                    "allocation factors are numbers per product (no formula)",
                    factor.formula,
                )
                continue
            flow = self.pkg.objects["flows"].get(factor.product.id if factor.product else "")
            if flow is not None:
                chosen[self.product_id(flow)] = factor.value
        economic = method is olca.AllocationType.ECONOMIC_ALLOCATION
        default = {
            "method": "economic" if economic else "physical",
            "basis": "as given in the openLCA package",
            "justification": "economic allocation factors of the openLCA package"
            if economic
            else "",
        }
        return {**default, **(stash or {}), "factors": chosen}

    def process(
        self, pid: str, providers: dict[int, str | None], secondary: dict[str, Any]
    ) -> dict[str, Any]:
        process = self.pkg.objects["processes"][pid]
        raw = self.pkg.raw["processes"][pid][1]
        stash = (process.other_properties or {}).get(STASH, {})
        exchanges = []
        # olca-schema parsed each exchange with its process, in order: no second parse
        for raw_exchange, parsed in zip(
            raw.get("exchanges", []), process.exchanges or [], strict=True
        ):
            iid = raw_exchange.get("internalId")
            provider = providers.get(iid) if isinstance(iid, int) else None
            role = secondary.get(provider or "")
            choice = role["choice"] if role and role.get("role") == "electricity" else None
            item = self.exchange(process, parsed, raw_exchange, stash.get("exchanges", {}), choice)
            if item is not None:
                exchanges.append(item)
        out: dict[str, Any] = {
            "id": stash.get("id") or _slug(process.name or pid),
            "name": process.name or pid,
            "stage": stash.get("stage", "production"),
            "exchanges": exchanges,
            "location": stash.get("location")
            or (process.location.name if process.location and process.location.name else ""),
        }
        if process.description:
            out["description"] = process.description
        if raw.get("parameters"):
            entry = self.pkg.entry("processes", pid)
            out["parameters"] = self.parameters(
                [(entry, d) for d in raw["parameters"]], f"process {process.name!r}"
            )
        allocation = self.allocation(process, stash.get("allocation"))
        if allocation is not None:
            out["allocation"] = allocation
        return out

    def secondary(self, pid: str) -> tuple[str, dict[str, Any]] | None:
        """A background or electricity process of our exporter: its role and its data."""
        process = self.pkg.objects["processes"][pid]
        stash = (process.other_properties or {}).get(STASH, {})
        if stash.get("role") not in ("background", "electricity"):
            return None
        entry, what = self.pkg.entry("processes", pid), f"process {process.name!r}"
        exchanges = process.exchanges or []
        out_amount = next((e.amount for e in exchanges if e.is_quantitative_reference), None)
        emitted = [e.amount or 0.0 for e in exchanges if not e.is_quantitative_reference]
        if not out_amount or len(emitted) != 1:
            self.pkg.problem(
                entry,
                what,
                "exchanges",
                "a secondary-data process makes its product and emits kgCO2e once",
            )
            return None
        per_unit = emitted[0] / out_amount
        if stash["role"] == "background":
            supply = dict(stash["supply"])
            supply["emission_factor"] = per_unit / co2e_per_unit(
                1.0, supply["emission_factor_unit"], supply["unit"], supply["product"]
            )
            return "background", supply
        choice = dict(stash["choice"])
        if choice["basis"] == "location_based":
            from dualcarbon.footprint.model import ElectricityChoice

            expected = grid_factor_per_kwh(ElectricityChoice.model_validate(choice), self.catalogue)
            if not math.isclose(per_unit, expected, rel_tol=1e-9):
                self.pkg.problem(
                    entry,
                    what,
                    "exchanges.amount",
                    f"the grid factor {choice['grid_factor']} is {expected:g} "
                    "kgCO2e/kWh in the catalogue",
                    per_unit,
                    2,
                )
        else:
            choice["emission_factor"] = per_unit / co2e_per_unit(
                1.0, choice["emission_factor_unit"], "kWh", "electricity"
            )
        return "electricity", {"role": "electricity", "choice": choice}

    # -- flows and characterisation ---------------------------------------------------------

    def climate_factors(self) -> dict[str, tuple[float, str | None]] | None:
        categories = [
            c
            for c in self.pkg.objects["lcia_categories"].values()
            if re.search(r"climate|gwp", c.name or "", re.IGNORECASE)
        ]
        if not categories:
            return None
        categories.sort(key=lambda c: 0 if re.search(r"gwp\s*100", c.name or "", re.I) else 1)
        return {
            f.flow.id: (f.value or 0.0, self.unit_name(f.unit))
            for f in categories[0].impact_factors or []
            if f.flow is not None
        }

    def flows(self, gwp_set: str) -> list[dict[str, Any]]:
        gwps = {
            f.subject: f.value * conversion_factor(f.unit, "kgCO2e/kg")
            for f in self.catalogue
            if f.kind == "gwp" and f.source.id == gwp_set
        }
        method = self.climate_factors()
        out = []
        for uid, flow in self.pkg.objects["flows"].items():
            directions = self.used_flows.get(uid)
            if directions is None:
                continue
            entry, what = self.pkg.entry("flows", uid), f"flow {flow.name!r}"
            stash = (flow.other_properties or {}).get(STASH, {})
            _, unit_name = self.flow_ref_unit(flow)
            unit = pint_of_olca_name(unit_name) if unit_name else None
            if unit is None:
                self.pkg.problem(entry, what, "flowProperties", "unknown reference unit", unit_name)
                continue
            category = flow.category or ""
            compartment = next(
                (
                    c
                    for key, c in (
                        ("Resource", "natural_resource"),
                        ("water", "water"),
                        ("soil", "soil"),
                        ("air", "air"),
                    )
                    if key in category
                ),
                None,
            )
            if compartment is None:
                self.pkg.problem(
                    entry,
                    what,
                    "category",
                    "no compartment (Emission to air/water/soil, Resource)",
                    category,
                )
                continue
            sub = category.rsplit("/", 1)[-1] if "/" in category else ""
            item: dict[str, Any] = {
                "id": self.flow_id(flow),
                "name": flow.name or uid,
                "compartment": compartment,
                "subcompartment": "" if sub in ("unspecified", "") else sub,
                "unit": stash.get("unit", unit),
            }
            if flow.cas and flow.cas.strip().lstrip("0") in GAS_BY_CAS:
                item["cas"] = flow.cas.strip().lstrip("0")
            named = gas_of(flow.cas, flow.name or "")
            biogenic = named in ("CO2", "CH4_non_fossil") and is_biogenic(flow.name or "")
            if "gas" in stash:
                gas = stash["gas"]
            elif biogenic:
                # biogenic CO2 is reported apart (ISO 14067 6.4.9.2), whatever factor a climate
                # method gives it (often 0): its gas is its gas, its origin biogenic
                gas = named if named in gwps else None
            elif method is not None:
                gas = self.gas_by_factor(flow, method, gwps, unit, directions, entry, what)
            else:
                gas = gas_of(flow.cas, flow.name or "")
                gas = gas if gas in gwps else None
            if gas is not None:
                item["gas"] = gas
            origin = stash.get("origin")
            if origin is None and gas in ("CO2", "CH4_non_fossil") and is_biogenic(flow.name or ""):
                origin = "biogenic"
            if origin:
                item["origin"] = origin
            out.append(item)
        return out

    def gas_by_factor(
        self,
        flow: Any,
        method: dict[str, tuple[float, str | None]],
        gwps: dict[str, float],
        unit: str,
        directions: set[bool],
        entry: str,
        what: str,
    ) -> str | None:
        value, factor_unit = method.get(flow.id, (0.0, None))
        if value == 0:
            return None
        per_unit = value
        if factor_unit and (spelled := pint_of_olca_name(factor_unit)):
            per_unit = value * conversion_factor(unit, spelled)
        if directions == {True}:
            per_unit = -per_unit  # an input: openLCA applies the factor to its amount
        elif len(directions) > 1:
            self.pkg.problem(
                entry,
                what,
                "impactFactors",
                "a characterised flow used both as input and output",
                value,
            )
            return None
        per_kg = per_unit / conversion_factor(unit, "kg")
        matches = [g for g, v in gwps.items() if math.isclose(v, per_kg, rel_tol=1e-6)]
        preferred = gas_of(flow.cas, flow.name or "")
        if preferred in matches:
            return preferred
        if matches:
            return sorted(matches)[0]
        self.pkg.problem(
            entry,
            what,
            "impactFactors.value",
            "the climate factor is not the GWP100 of any gas of the GWP set; "
            "dualcarbon characterises by gas",
            value,
        )
        return None


def read_olca_package(
    path: Path,
    *,
    product_system: str | None = None,
    reference_process: str | None = None,
    gwp_set: str | None = None,
    period: Mapping[str, Any] | None = None,
    geography: str | None = None,
    catalogue: FactorCatalogue | None = None,
) -> ProductSystem:
    """The product system of an openLCA JSON-LD package (module docstring), or an InputError.

    ``product_system`` (id or name) picks one of several; ``reference_process`` (id or name)
    makes a process the reference when the package has no product system. ``gwp_set``,
    ``period`` (``{"start": …, "end": …}``) and ``geography`` fill in what a package from
    openLCA does not say (our own packages carry them); the GWP set defaults to AR6.
    """
    catalogue = catalogue or default_catalogue()
    pkg = _Package(path)
    reader = _Reader(pkg, catalogue)
    ps, start = reader.choose(product_system, reference_process)
    if start is None or pkg.problems:
        raise InputError(pkg.problems or [InputProblem(str(path), "nothing to import")])
    meta: dict[str, Any] = {}
    if ps is not None:
        meta = dict((ps.other_properties or {}).get(STASH, {}).get("system", {}))
    excluded = {e["product"] for e in meta.get("cut_off", {}).get("exclusions", [])}
    reached = reader.walk(ps, start, excluded)
    rank = {r.id: i for i, r in enumerate(ps.processes or [])} if ps is not None else {}
    ordered = sorted(reached, key=lambda pid: rank.get(pid, len(rank)))
    secondary: dict[str, Any] = {}
    background: list[dict[str, Any]] = []
    for pid in ordered:
        found = reader.secondary(pid)
        if found is not None:
            role, data = found
            secondary[pid] = data if role == "electricity" else {"role": "background"}
            if role == "background":
                background.append(data)
    foreground = [pid for pid in ordered if pid not in secondary]
    processes = [reader.process(pid, reached[pid], secondary) for pid in foreground]
    chosen_gwp = str(meta.get("gwp_set") or gwp_set or "AR6")
    if chosen_gwp.upper() in ("AR6", "AR5", "AR4", "SAR"):
        chosen_gwp = f"gwp-ipcc-{chosen_gwp.lower()}"
    flows = reader.flows(chosen_gwp)
    global_parameters = reader.parameters(
        [
            (entry, d)
            for entry, d in pkg.raw["parameters"].values()
            if d.get("parameterScope", "GLOBAL_SCOPE") == "GLOBAL_SCOPE"
        ],
        "parameters",
    )
    if pkg.problems:
        raise InputError(pkg.problems)
    defaults = _defaults(reader, ps, start, period, geography)
    raw: dict[str, Any] = {
        **defaults,
        "gwp_set": chosen_gwp,
        **meta,
        "reference_process": processes[foreground.index(start)]["id"],
        "reference_product": defaults["reference_product"],
        "parameters": global_parameters,
        "flows": flows,
        "background": background,
        "processes": processes,
    }
    missing = [
        InputProblem(str(path), f"the package does not give the {key}; pass {key}=…", field=key)
        for key in ("period", "geography")
        if raw.get(key) is None
    ]
    if missing:  # both at once, so a user gives both in one go
        raise InputError(missing)
    entries = {
        p["id"]: pkg.entry("processes", pid) for p, pid in zip(processes, foreground, strict=True)
    }
    try:
        system = validate_product_system(raw, source=str(path))
    except InputError as exc:
        raise InputError([_locate(p, path, entries) for p in exc.problems]) from None
    _check_solvable(system, catalogue, pkg, ps)
    return system


def _reference_exchange(ref: Any, ps: Any) -> Any:
    """The product system's reference exchange, else the process's quantitative reference."""
    wanted = ps.ref_exchange.internal_id if ps is not None and ps.ref_exchange else None
    for exchange in ref.exchanges or []:
        if wanted is not None and exchange.internal_id == wanted:
            return exchange
        if wanted is None and exchange.is_quantitative_reference:
            return exchange
    return None


def _defaults(
    reader: _Reader,
    ps: Any,
    start: str,
    period: Mapping[str, Any] | None,
    geography: str | None,
) -> dict[str, Any]:
    """The system fields an openLCA package does not hold, from its reference process."""
    pkg = reader.pkg
    ref = pkg.objects["processes"][start]
    exchange = _reference_exchange(ref, ps)
    if exchange is None or exchange.flow is None or exchange.flow.id not in pkg.objects["flows"]:
        raise InputError(
            [
                InputProblem(
                    f"{pkg.path}:{pkg.entry('processes', start)}",
                    "the reference process has no quantitative reference (or the product "
                    "system's refExchange is not one of its exchanges)",
                    field="exchanges",
                    sheet=f"process {ref.name!r}",
                )
            ]
        )
    flow = pkg.objects["flows"][exchange.flow.id]
    target = ps.target_unit if ps is not None and ps.target_unit else exchange.unit
    unit = pint_of_olca_name(reader.unit_name(target) or "") or "kg"
    amount = (ps.target_amount if ps is not None else None) or exchange.amount or 1.0
    doc = ref.process_documentation
    if period is None and doc is not None and doc.valid_from and doc.valid_until:
        period = {"start": doc.valid_from[:10], "end": doc.valid_until[:10]}
    name = (ps.name if ps is not None else ref.name) or "openLCA import"
    return {
        "id": _slug(name),
        "name": name,
        "functional_unit": {
            "kind": "declared",
            "description": f"{amount:g} {unit} of {flow.name} (from openLCA)",
            "amount": amount,
            "unit": unit,
        },
        "reference_flow": {"amount": amount, "unit": unit},
        "reference_product": reader.product_id(flow),
        "boundary": "cradle_to_gate",
        "stages": ["raw_material_acquisition", "production"],
        "cut_off": {
            "criterion": "mass",
            "threshold_percent": 1,
            "justification": "imported from an openLCA JSON-LD package, which states no cut-off",
        },
        "period": period,
        "geography": geography or (ref.location.name if ref.location else None),
    }


def _check_solvable(
    system: ProductSystem, catalogue: FactorCatalogue, pkg: _Package, ps: Any
) -> None:
    """Refuse linked processes whose technosphere has no solution (a loop making nothing net)."""
    try:
        matrices = build_matrices(system, catalogue=catalogue)
        TechnosphereSolver(matrices.technosphere.matrix()).solve(matrices.demand)
    except SingularTechnosphereError as exc:
        where = (
            f"{pkg.path}:{pkg.entry('product_systems', ps.id)}" if ps is not None else str(pkg.path)
        )
        raise InputError(
            [
                InputProblem(
                    where,
                    f"the linked processes have no solution (a loop making nothing net?): {exc}",
                    field="processLinks",
                    sheet=f"product system {system.name!r}",
                )
            ]
        ) from None


def _same_unit(spelling: str, unit: str) -> bool:
    """Whether our exporter's ``spelling`` (``piece``) names the unit openLCA's package gives
    (``Item(s)``, read as ``count``): then the spelling is kept, so a round trip keeps it."""
    try:
        return math.isclose(conversion_factor(spelling, unit), 1.0, rel_tol=1e-12)
    except DualcarbonError:
        return False


def _without_implied_loc(dist: dict[str, Any], amount: float | None) -> dict[str, Any]:
    """The distribution without a ``loc`` the amount implies (ln|amount|, or the amount)."""
    loc = dist.get("loc")
    if loc is None or amount is None or amount == 0:
        return dist
    implied = math.log(abs(amount)) if dist["type"] == 2 else amount
    if math.isclose(loc, implied, rel_tol=1e-12, abs_tol=1e-12):
        return {k: v for k, v in dist.items() if k != "loc"}
    return dist


def _locate(problem: InputProblem, path: Path, entries: dict[str, str]) -> InputProblem:
    """A model problem (naming our process id) pointed at the process's zip entry."""
    sheet = problem.sheet or ""
    if sheet.startswith("process ") and sheet[8:] in entries:
        return replace(problem, file=f"{path}:{entries[sheet[8:]]}")
    return problem
