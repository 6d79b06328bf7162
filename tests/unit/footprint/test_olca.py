"""openLCA JSON-LD: export and import round-trip, a package written the way openLCA writes it
imports to a total computed by hand, bad packages name their problems, and every exported object
reads back with olca-schema."""

from __future__ import annotations

import json
import math
import shutil
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import olca_schema as olca
import pytest
from olca_schema import zipio
from systems import PV, tiny, tiny_raw

from dualcarbon.errors import InputError
from dualcarbon.footprint.footprint import compute_footprint
from dualcarbon.footprint.model import (
    AllocationMethod,
    ExchangeKind,
    ProductSystem,
    Uncertainty,
    UncertaintyType,
    cas_is_valid,
    validate_product_system,
)
from dualcarbon.footprint.pedigree import PedigreeScores, lognormal_sigma
from dualcarbon.io.olca import (
    CAS_BY_GAS,
    dq_entry,
    from_olca_uncertainty,
    olca_unit_of,
    parse_dq_entry,
    to_olca_uncertainty,
)
from dualcarbon.io.olca_export import olca_entities, openlca_caveats, write_olca_package
from dualcarbon.io.olca_import import read_olca_package
from dualcarbon.io.product_yaml import read_product_system

PERIOD = {"start": "2024-01-01", "end": "2024-12-31"}

# openLCA reference-data UUIDs, as listed in olca_schema/units/units.csv (GreenDelta) and in the
# openLCA reference units list (units.csv of the openLCA reference data): Units of mass, kg, Mass.
MASS_GROUP = "93a60a57-a4c8-11da-a746-0800200c9a66"
KG = "20aadc24-a391-41cf-b340-3e4529f44bde"
MASS = "93a60a56-a3c8-11da-a746-0800200b9a66"
ENERGY_GROUP = "93a60a57-a3c8-11da-a746-0800200c9a66"
MJ = "52765a6c-3896-43c2-b2f4-c679acf13efe"
KWH = "86ad2244-1f0e-4912-af53-7865283103e4"

FOLDERS: dict[str, Any] = {
    "processes": olca.Process,
    "flows": olca.Flow,
    "product_systems": olca.ProductSystem,
    "unit_groups": olca.UnitGroup,
    "flow_properties": olca.FlowProperty,
    "lcia_categories": olca.ImpactCategory,
    "lcia_methods": olca.ImpactMethod,
    "parameters": olca.Parameter,
    "dq_systems": olca.DQSystem,
}


def _pv() -> ProductSystem:
    return read_product_system(PV)


def _assert_same_footprint(a: ProductSystem, b: ProductSystem) -> None:
    fa, fb = compute_footprint(a), compute_footprint(b)
    assert fb.total == pytest.approx(fa.total, rel=1e-9)
    assert set(fb.by_process) == set(fa.by_process)
    for process, value in fa.by_process.items():
        assert fb.by_process[process] == pytest.approx(value, rel=1e-9, abs=1e-12)


# --------------------------------------------------------------------------------------------
# Round trip
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [tiny, _pv], ids=["tiny", "pv"])
def test_round_trip(make: Callable[[], ProductSystem], tmp_path: Path) -> None:
    system = make()
    path = write_olca_package(system, tmp_path / "package.zip")
    again = read_olca_package(path)
    _assert_same_footprint(system, again)
    # Beyond the numbers: stages, electricity choices, pedigree, allocation, cut-off, ids.
    assert again == system


def test_round_trip_keeps_unit_spellings(tmp_path: Path) -> None:
    """openLCA knows pieces as Item(s), which reads back as pint's ``count``: the spelling the
    system used (``piece``, ``pcs``) comes back, and the system compares equal."""
    raw = tiny_raw()
    raw["cut_off"]["exclusions"].append(
        {"product": "label", "reason": "printed label", "estimated_share_percent": 0.1}
    )
    make = raw["processes"][0]
    make["exchanges"].append(
        {"kind": "technosphere", "product": "label", "amount": 2, "unit": "piece"}
    )
    system = validate_product_system(raw)
    again = read_olca_package(write_olca_package(system, tmp_path / "package.zip"))
    assert again.process("make").exchanges[-1].unit == "piece"
    assert again == system


def test_export_is_reproducible(tmp_path: Path) -> None:
    """The same system gives the same zip, byte for byte: every lastChange is the study's date
    (here the period's end, no report date being given), never the clock; members are stamped
    with it too."""
    first = write_olca_package(_pv(), tmp_path / "a.zip").read_bytes()
    second = write_olca_package(_pv(), tmp_path / "b.zip").read_bytes()
    assert first == second
    package = _package(tmp_path / "a.zip")
    end = _pv().period.end.isoformat()
    stamps = {d["lastChange"] for objects in package.values() for d in objects.values()} | {
        p["lastChange"] for d in package["processes"].values() for p in d.get("parameters", [])
    }
    assert stamps == {f"{end}T00:00:00+00:00"}
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert {i.date_time[:3] for i in archive.infolist()} == {_pv().period.end.timetuple()[:3]}


def test_round_trip_from_a_folder(tmp_path: Path) -> None:
    system = tiny()
    path = write_olca_package(system, tmp_path / "package.zip")
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    assert read_olca_package(folder) == system


def test_tiny_total_is_the_worked_value(tmp_path: Path) -> None:
    # 4.5283 kgCO2e: tests/unit/footprint/test_footprint.py works the tiny system by hand.
    path = write_olca_package(tiny(), tmp_path / "tiny.zip")
    assert compute_footprint(read_olca_package(path)).total == pytest.approx(4.5283, rel=1e-9)


# --------------------------------------------------------------------------------------------
# The exported package
# --------------------------------------------------------------------------------------------


def _package(path: Path) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name == "olca-schema.json":
                continue
            folder, file = name.split("/")
            out.setdefault(folder, {})[file.removesuffix(".json")] = json.loads(archive.read(name))
    return out


def test_export_reads_back_with_olca_schema(tmp_path: Path) -> None:
    path = write_olca_package(_pv(), tmp_path / "pv.zip")
    package = _package(path)
    assert set(package) <= set(FOLDERS)
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("olca-schema.json")) == {"version": 2}
        for folder, objects in package.items():
            for uid, data in objects.items():
                again = FOLDERS[folder].from_json(archive.read(f"{folder}/{uid}.json"))
                assert again.id == uid
                assert again.to_dict() == data  # nothing the schema does not know
    # Every reference resolves inside the package.
    ids = {uid for objects in package.values() for uid in objects}
    unit_ids = {u["@id"] for g in package["unit_groups"].values() for u in g["units"]}
    for process in package["processes"].values():
        assert sum(bool(e.get("isQuantitativeReference")) for e in process["exchanges"]) == 1
        for exchange in process["exchanges"]:
            assert exchange["flow"]["@id"] in ids
            assert exchange["unit"]["@id"] in unit_ids
            assert exchange["flowProperty"]["@id"] in ids
            if "defaultProvider" in exchange:
                assert exchange["defaultProvider"]["@id"] in package["processes"]
    (system,) = package["product_systems"].values()
    assert system["refProcess"]["@id"] in package["processes"]
    for link in system["processLinks"]:
        assert link["provider"]["@id"] in package["processes"]
        assert link["process"]["@id"] in package["processes"]


def test_export_uses_openlca_reference_units(tmp_path: Path) -> None:
    package = _package(write_olca_package(tiny(), tmp_path / "tiny.zip"))
    mass = package["unit_groups"][MASS_GROUP]
    assert mass["name"] == "Units of mass"
    units = {u["name"]: u for u in mass["units"]}
    assert units["kg"]["@id"] == KG and units["kg"]["isRefUnit"]
    assert units["g"]["conversionFactor"] == pytest.approx(1e-3)
    energy = {u["name"]: u for u in package["unit_groups"][ENERGY_GROUP]["units"]}
    assert energy["MJ"]["@id"] == MJ and energy["MJ"]["isRefUnit"]
    # 1 kWh = 3.6 MJ (openLCA's reference data lists the same factor)
    assert energy["kWh"]["@id"] == KWH and energy["kWh"]["conversionFactor"] == pytest.approx(3.6)
    assert package["flow_properties"][MASS]["unitGroup"]["@id"] == MASS_GROUP
    assert olca_unit_of("m**2").name == "m2"  # type: ignore[union-attr]
    assert olca_unit_of("count").name == "Item(s)"  # type: ignore[union-attr]


def test_export_writes_openlca_conventions(tmp_path: Path) -> None:
    package = _package(write_olca_package(tiny(), tmp_path / "tiny.zip"))
    by_name = {p["name"]: p for p in package["processes"].values()}
    cast = by_name["cast parts"]
    # Avoided products are inputs with isAvoidedProduct and a provider (as openLCA's own
    # AvoidedFlowTest in GreenDelta's olca-ipc.py writes them).
    avoided = [e for e in cast["exchanges"] if e.get("isAvoidedProduct")]
    assert len(avoided) == 2 and all(e["isInput"] and "defaultProvider" in e for e in avoided)
    assert cast["defaultAllocationMethod"] == "PHYSICAL_ALLOCATION"
    factors = sorted(f["value"] for f in cast["allocationFactors"])
    assert factors == [0.3, 0.7]
    make = by_name["make widgets"]
    resin = next(e for e in make["exchanges"] if e["internalId"] == 4)
    # U_b = 1.44 → σ = ln 1.2, geomSd = 1.2, baseUncertainty √1.44 = 1.2 (a GSD)
    assert resin["uncertainty"]["distributionType"] == "LOG_NORMAL_DISTRIBUTION"
    assert resin["uncertainty"]["geomSd"] == pytest.approx(1.2)
    assert resin["uncertainty"]["geomMean"] == pytest.approx(0.5)
    assert resin["baseUncertainty"] == pytest.approx(1.2)
    glue = next(e for e in make["exchanges"] if e["internalId"] == 6)
    assert "defaultProvider" not in glue  # cut off: no provider
    # the grid: 0.5366 kgCO2/kWh (cn-grid-ef-2022) as kgCO2e of the CO2e flow
    grid = next(p for p in by_name.values() if "grid_power" in p["name"])
    assert grid["exchanges"][1]["amount"] == pytest.approx(0.5366)
    (category,) = package["lcia_categories"].values()
    factors_by_flow = {
        package["flows"][f["flow"]["@id"]]["name"]: f["value"] for f in category["impactFactors"]
    }
    assert factors_by_flow["CH4"] == pytest.approx(29.8)  # AR6 CH4 fossil
    assert factors_by_flow["CO2"] == pytest.approx(1.0)


def test_export_pedigree_as_dq_entry(tmp_path: Path) -> None:
    package = _package(write_olca_package(_pv(), tmp_path / "pv.zip"))
    cell = next(p for p in package["processes"].values() if p["name"].startswith("PERC"))
    nf3 = next(e for e in cell["exchanges"] if e["internalId"] == 5)
    assert nf3["dqEntry"] == "(3;3;2;3;3)"  # the YAML's data_quality [3, 3, 2, 3, 3]
    assert cell["exchangeDqSystem"]["@id"] in package["dq_systems"]
    sigma = lognormal_sigma(PedigreeScores.of((3, 3, 2, 3, 3)), 1.5)
    assert nf3["uncertainty"]["geomSd"] == pytest.approx(math.exp(sigma))
    (dq,) = package["dq_systems"].values()
    assert dq["hasUncertainties"] and len(dq["indicators"]) == 5


def _openlca_score(path: Path) -> float:
    """The score as openLCA computes it, from the package alone: one column per product output,
    allocated inputs and emissions, amounts converted by the package's unit groups, the
    impact category's factors. Written here independently of our importer."""
    package = _package(path)
    factor = {
        u["@id"]: u["conversionFactor"] for g in package["unit_groups"].values() for u in g["units"]
    }
    columns: list[tuple[str, str]] = []
    for pid, p in package["processes"].items():
        for e in p["exchanges"]:
            flow = package["flows"][e["flow"]["@id"]]
            if flow["flowType"] == "PRODUCT_FLOW" and not e.get("isInput"):
                columns.append((pid, e["flow"]["@id"]))
    rows = {flow: i for i, (_, flow) in enumerate(columns)}
    elementary = sorted(
        f for f, d in package["flows"].items() if d["flowType"] == "ELEMENTARY_FLOW"
    )
    (system,) = package["product_systems"].values()
    linked = {(k["process"]["@id"], k["exchange"]["internalId"]) for k in system["processLinks"]}
    A = np.zeros((len(columns), len(columns)))
    B = np.zeros((len(elementary), len(columns)))
    for j, (pid, product) in enumerate(columns):
        p = package["processes"][pid]
        share = {f["product"]["@id"]: f["value"] for f in p.get("allocationFactors", [])}
        f_j = share.get(product, 1.0)
        for e in p["exchanges"]:
            flow_id = e["flow"]["@id"]
            amount = e["amount"] * factor[e["unit"]["@id"]]
            kind = package["flows"][flow_id]["flowType"]
            sign = -1.0 if e.get("isInput") else 1.0
            if kind == "PRODUCT_FLOW":
                if not e.get("isInput"):
                    if flow_id == product:
                        A[rows[flow_id], j] += amount
                    continue
                if (pid, e["internalId"]) in linked:  # unlinked inputs are cut off
                    A[rows[flow_id], j] += sign * amount * f_j
            else:
                B[elementary.index(flow_id), j] += sign * amount * f_j
    ref = package["processes"][system["refProcess"]["@id"]]
    ref_flow = next(e for e in ref["exchanges"] if e.get("isQuantitativeReference"))
    demand = np.zeros(len(columns))
    demand[rows[ref_flow["flow"]["@id"]]] = (
        system["targetAmount"] * factor[system["targetUnit"]["@id"]]
    )
    (category,) = package["lcia_categories"].values()
    c = np.zeros(len(elementary))
    for f in category["impactFactors"]:
        c[elementary.index(f["flow"]["@id"])] = f["value"]
    return float(c @ B @ np.linalg.solve(A, demand))


def test_exported_method_reproduces_the_score(tmp_path: Path) -> None:
    # The PV example has co-products but no avoided products, so openLCA's calculation (which
    # does not allocate avoided products) and ours agree.
    system = _pv()
    path = write_olca_package(system, tmp_path / "pv.zip")
    assert _openlca_score(path) == pytest.approx(compute_footprint(system).total, rel=1e-9)


def test_caveat_where_openlca_differs(tmp_path: Path) -> None:
    # tiny's "cast" has co-products (part, slag) and avoided products (steel, steam).
    (caveat,) = openlca_caveats(tiny())
    assert "'cast'" in caveat
    assert openlca_caveats(_pv()) == []
    package = _package(write_olca_package(tiny(), tmp_path / "tiny.zip"))
    (system,) = package["product_systems"].values()
    assert caveat in system["description"]


def test_uptake_factor_is_negative(tmp_path: Path) -> None:
    # Biogenic CO2 taken up (a resource) counts −1 kgCO2e/kg (ISO 14067 6.4.9); openLCA applies a
    # factor to an input's positive amount, so the exported factor is −1 and round trip keeps it.
    raw = tiny_raw()
    raw["flows"].append(
        {
            "id": "co2_uptake",
            "name": "Carbon dioxide, in air",
            "compartment": "natural_resource",
            "unit": "kg",
            "gas": "CO2",
            "origin": "biogenic",
        }
    )
    raw["processes"][0]["exchanges"].append(
        {"kind": "resource", "flow": "co2_uptake", "amount": 0.25, "unit": "kg"}
    )
    system = validate_product_system(raw)
    path = write_olca_package(system, tmp_path / "uptake.zip")
    package = _package(path)
    (category,) = package["lcia_categories"].values()
    factors = {
        package["flows"][f["flow"]["@id"]]["name"]: f["value"] for f in category["impactFactors"]
    }
    assert factors["Carbon dioxide, in air"] == -1.0
    again = read_olca_package(path)
    assert again == system
    assert compute_footprint(again).total == pytest.approx(4.5283 - 0.25, rel=1e-9)


def test_formulas_use_openlca_power_operator(tmp_path: Path) -> None:
    raw = tiny_raw()
    raw["parameters"] = [
        {"name": "p", "value": 2.0, "uncertainty": {"type": 4, "minimum": 1.5, "maximum": 2.5}}
    ]
    part = raw["processes"][0]["exchanges"][1]
    del part["amount"]
    part["formula"] = "p ** 2 / 8"  # 0.5 kg, as before
    system = validate_product_system(raw)
    path = write_olca_package(system, tmp_path / "formula.zip")
    make = next(p for p in _package(path)["processes"].values() if p["name"] == "make widgets")
    assert make["exchanges"][1]["amountFormula"] == "p ^ 2 / 8"
    assert make["exchanges"][1]["amount"] == pytest.approx(0.5)
    (parameter,) = _package(path)["parameters"].values()
    assert parameter["parameterScope"] == "GLOBAL_SCOPE"
    assert parameter["uncertainty"] == {
        "distributionType": "UNIFORM_DISTRIBUTION",
        "minimum": 1.5,
        "maximum": 2.5,
    }
    again = read_olca_package(path)
    assert again == system
    assert compute_footprint(again).total == pytest.approx(4.5283, rel=1e-9)


def test_export_refuses_a_unit_openlca_lacks() -> None:
    raw = tiny_raw()
    raw["background"][0]["unit"] = "lb"
    raw["background"][0]["emission_factor_unit"] = "kgCO2e/lb"
    raw["processes"][0]["exchanges"][3]["unit"] = "lb"
    with pytest.raises(InputError) as caught:
        olca_entities(validate_product_system(raw))
    problems = caught.value.problems
    assert {p.value for p in problems} == {"lb"}
    assert {p.field for p in problems} == {"unit"}
    assert any(p.sheet == "process make" and p.row == 4 for p in problems)


# --------------------------------------------------------------------------------------------
# A package written the way openLCA writes it, not by our exporter
# --------------------------------------------------------------------------------------------


def _ref(ref_type: Any, uid: str, name: str | None = None) -> Any:
    return olca.Ref(id=uid, name=name, ref_type=ref_type)


def _foreign(with_method: bool = True) -> dict[str, Any]:
    """Steel made with grid power from a CHP plant (electricity + heat, physical allocation),
    with openLCA's reference unit groups and fresh random UUIDs, by olca_schema alone.

    By hand, per 1 kg steel:
      direct CO2 fossil            1.5 kg × 1                 = 1.5
      CH4 fossil                   0.001 kg × 29.8 (AR6)      = 0.0298
      electricity 2 kWh; the plant emits 1.0 kg CO2 per 1 kWh + 7.2 MJ heat, electricity's
      allocation factor 0.6       2 × 1.0 × 0.6 × 1         = 1.2
      total                                                    = 2.7298 kgCO2e
    """
    mass_units = olca.UnitGroup(
        id=MASS_GROUP,
        name="Units of mass",
        units=[
            olca.Unit(id=KG, name="kg", conversion_factor=1.0, is_ref_unit=True),
            olca.Unit(id=str(uuid.uuid4()), name="g", conversion_factor=0.001),
        ],
    )
    mass = olca.FlowProperty(id=MASS, name="Mass", unit_group=mass_units.to_ref())
    energy_units = olca.UnitGroup(
        id=ENERGY_GROUP,
        name="Units of energy",
        units=[
            olca.Unit(id=MJ, name="MJ", conversion_factor=1.0, is_ref_unit=True),
            olca.Unit(id=KWH, name="kWh", conversion_factor=3.6),
        ],
    )
    energy = olca.FlowProperty(
        id=str(uuid.uuid4()), name="Energy", unit_group=energy_units.to_ref()
    )
    steel = olca.new_product("steel", mass)
    power = olca.new_product("electricity, medium voltage", energy)
    heat = olca.new_product("heat, district", energy)
    co2 = olca.new_elementary_flow("Carbon dioxide, fossil", mass)
    co2.cas, co2.category = "000124-38-9", "Elementary flows/Emission to air/unspecified"
    ch4 = olca.new_elementary_flow("Methane, fossil", mass)
    ch4.cas, ch4.category = "74-82-8", "Elementary flows/Emission to air/high population density"

    chp = olca.new_process("CHP plant")
    out = olca.new_output(chp, power, 1.0, _ref(olca.RefType.Unit, KWH, "kWh"))
    out.is_quantitative_reference = True
    olca.new_output(chp, heat, 7.2, _ref(olca.RefType.Unit, MJ, "MJ"))
    olca.new_output(chp, co2, 1.0, _ref(olca.RefType.Unit, KG, "kg"))
    olca.new_physical_allocation_factor(chp, power, 0.6)
    olca.new_physical_allocation_factor(chp, heat, 0.4)
    chp.default_allocation_method = olca.AllocationType.PHYSICAL_ALLOCATION

    mill = olca.new_process("steel production")
    mill.parameters = [olca.new_parameter("kwh_per_kg", 2.0, olca.ParameterScope.PROCESS_SCOPE)]
    ref = olca.new_output(mill, steel, 1.0, _ref(olca.RefType.Unit, KG, "kg"))
    ref.is_quantitative_reference = True
    use = olca.new_input(mill, power, "kwh_per_kg", _ref(olca.RefType.Unit, KWH, "kWh"))
    use.amount = 2.0
    use.default_provider = chp.to_ref()
    direct = olca.new_output(mill, co2, 1.5, _ref(olca.RefType.Unit, KG, "kg"))
    direct.uncertainty = olca.Uncertainty(
        distribution_type=olca.UncertaintyType.LOG_NORMAL_DISTRIBUTION, geom_mean=1.5, geom_sd=1.1
    )
    methane = olca.new_output(mill, ch4, 1.0, _ref(olca.RefType.Unit, _gram_id(mass_units), "g"))
    methane.dq_entry = "(2;3;1;2;4)"
    methane.base_uncertainty = math.sqrt(1.05)
    mill.exchange_dq_system = _ref(olca.RefType.DQSystem, str(uuid.uuid4()), "ecoinvent")

    system = olca.ProductSystem(
        name="steel system",
        ref_process=mill.to_ref(),
        ref_exchange=olca.ExchangeRef(internal_id=ref.internal_id),
        target_amount=1.0,
        target_unit=_ref(olca.RefType.Unit, KG, "kg"),
        target_flow_property=mass.to_ref(),
        processes=[mill.to_ref(), chp.to_ref()],
        process_links=[
            olca.ProcessLink(
                provider=chp.to_ref(),
                flow=power.to_ref(),
                process=mill.to_ref(),
                exchange=olca.ExchangeRef(internal_id=use.internal_id),
            )
        ],
    )
    entities: dict[str, Any] = {
        "mass_units": mass_units,
        "mass": mass,
        "energy_units": energy_units,
        "energy": energy,
        "steel": steel,
        "power": power,
        "heat": heat,
        "co2": co2,
        "ch4": ch4,
        "chp": chp,
        "mill": mill,
        "system": system,
    }
    if with_method:
        category = olca.new_impact_category("IPCC 2021, climate change, GWP100")
        olca.new_impact_factor(category, co2, 1.0)
        olca.new_impact_factor(category, ch4, 29.8)  # AR6, CH4 fossil
        entities["category"] = category
        entities["method"] = olca.new_impact_method("IPCC 2021", category)
    return entities


def _gram_id(group: Any) -> str:
    return next(u.id for u in group.units if u.name == "g")


FOREIGN_TOTAL = 1.5 + 0.001 * 29.8 + 2 * 1.0 * 0.6  # 2.7298 kgCO2e, worked in _foreign


def _write(entities: dict[str, Any], path: Path) -> Path:
    with zipio.ZipWriter(str(path)) as writer:
        for entity in entities.values():
            writer.write(entity)
    return path


def _read_foreign(path: Path, **kwargs: Any) -> ProductSystem:
    return read_olca_package(path, period=PERIOD, geography="CN", **kwargs)


@pytest.mark.parametrize("with_method", [True, False], ids=["lcia-method", "by-cas"])
def test_foreign_package_imports(with_method: bool, tmp_path: Path) -> None:
    path = _write(_foreign(with_method), tmp_path / "steel.zip")
    system = _read_foreign(path)
    result = compute_footprint(system)
    assert result.total == pytest.approx(FOREIGN_TOTAL, rel=1e-12)
    assert result.by_process == pytest.approx(
        {"steel_production": 1.5 + 0.0298, "chp_plant": 1.2}, rel=1e-12
    )
    assert {f.name: f.gas for f in system.flows} == {
        "Carbon dioxide, fossil": "CO2",
        "Methane, fossil": "CH4_fossil",
    }
    mill = system.process("steel_production")
    assert [e.kind for e in mill.exchanges] == [
        ExchangeKind.PRODUCTION,
        ExchangeKind.TECHNOSPHERE,
        ExchangeKind.EMISSION,
        ExchangeKind.EMISSION,
    ]
    assert mill.exchanges[1].formula == "kwh_per_kg" and mill.exchanges[1].unit == "kWh"
    direct = mill.exchanges[2].uncertainty
    assert direct is not None and direct.type is UncertaintyType.LOGNORMAL
    assert direct.scale == pytest.approx(math.log(1.1))
    methane = mill.exchanges[3]
    assert methane.unit == "g" and methane.amount == 1.0
    assert methane.data_quality == PedigreeScores.of((2, 3, 1, 2, 4))
    assert methane.basic_uncertainty == pytest.approx(1.05)
    chp = system.process("chp_plant")
    assert chp.allocation is not None and chp.allocation.method is AllocationMethod.PHYSICAL
    assert chp.allocation.factors == {
        "electricity_medium_voltage": 0.6,
        "heat_district": 0.4,
    }
    assert system.reference_product == "steel" and system.geography == "CN"


def test_foreign_package_from_a_process(tmp_path: Path) -> None:
    entities = _foreign()
    del entities["system"]
    path = _write(entities, tmp_path / "steel.zip")
    system = _read_foreign(path, reference_process="steel production")
    assert compute_footprint(system).total == pytest.approx(FOREIGN_TOTAL, rel=1e-12)


def test_our_package_without_our_notes_imports_as_foreign(tmp_path: Path) -> None:
    # openLCA may drop otherProperties when it exports again. Without them the PV package is an
    # ordinary openLCA package: background supplies and grid electricity are processes emitting
    # the CO2e flow (characterised 1, so gas CO2), ids are slugs of names, and the cut-off inputs
    # (no provider) must go. The total is the same; only the contributions move.
    system = _pv()
    zipped = write_olca_package(system, tmp_path / "pv.zip")
    folder = tmp_path / "pv"
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(folder)
    for file in folder.rglob("*.json"):
        data = json.loads(file.read_text())
        if not isinstance(data, dict):
            continue
        data.pop("otherProperties", None)
        if file.parent.name == "processes":  # drop the cut-off inputs: product, no provider
            data["exchanges"] = [
                e
                for e in data["exchanges"]
                if _is_elementary(folder, e) or not e.get("isInput") or "defaultProvider" in e
            ]
        file.write_text(json.dumps(data))
    with pytest.raises(InputError) as caught:  # the period is the processes' validity, but
        read_olca_package(folder)  # nothing gives the geography
    assert [p.field for p in caught.value.problems] == ["geography"]
    again = read_olca_package(folder, geography="CN")
    assert compute_footprint(again).total == pytest.approx(
        compute_footprint(system).total, rel=1e-9
    )
    assert again.background == ()
    assert {f.gas for f in again.flows} == {"CO2", "NF3"}
    assert again.process("mono_si_wafer_ingot_pulling_and_wafering").stage.value == "production"


def _is_elementary(folder: Path, exchange: dict[str, Any]) -> bool:
    flow = json.loads((folder / "flows" / f"{exchange['flow']['@id']}.json").read_text())
    return bool(flow["flowType"] == "ELEMENTARY_FLOW")


def test_foreign_factor_that_is_no_gwp_is_refused(tmp_path: Path) -> None:
    entities = _foreign()
    entities["category"].impact_factors[1].value = 28.0  # no gas of AR6 has 28
    path = _write(entities, tmp_path / "steel.zip")
    with pytest.raises(InputError) as caught:
        _read_foreign(path)
    (problem,) = caught.value.problems
    assert problem.field == "impactFactors.value" and problem.value == 28.0
    assert problem.sheet == "flow 'Methane, fossil'"
    assert problem.file.endswith(f"flows/{entities['ch4'].id}.json")


# --------------------------------------------------------------------------------------------
# Bad packages: every problem named, nothing returned
# --------------------------------------------------------------------------------------------


def _edited(tmp_path: Path, edit: Callable[[dict[str, dict[str, dict[str, Any]]]], None]) -> Path:
    """The foreign package as a folder, its JSON edited by ``edit`` (folder → id → object)."""
    zipped = _write(_foreign(), tmp_path / "steel.zip")
    folder = tmp_path / "steel"
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(folder)
    objects: dict[str, dict[str, dict[str, Any]]] = {}
    for file in folder.rglob("*.json"):
        if file.parent != folder:
            objects.setdefault(file.parent.name, {})[file.stem] = json.loads(file.read_text())
    edit(objects)
    shutil.rmtree(folder)
    for name, items in objects.items():
        (folder / name).mkdir(parents=True)
        for uid, data in items.items():
            (folder / name / f"{uid}.json").write_text(json.dumps(data))
    return folder


def _mill(objects: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    return next(p for p in objects["processes"].values() if p["name"] == "steel production")


def _problems(path: Path) -> list[Any]:
    with pytest.raises(InputError) as caught:
        _read_foreign(path)
    return list(caught.value.problems)


def test_missing_provider(tmp_path: Path) -> None:
    def edit(objects: dict[str, dict[str, dict[str, Any]]]) -> None:
        del _mill(objects)["exchanges"][1]["defaultProvider"]
        for system in objects["product_systems"].values():
            system["processLinks"] = []

    (problem,) = _problems(_edited(tmp_path, edit))
    assert "missing provider" in problem.rule
    assert problem.sheet == "process 'steel production'"
    assert problem.row == 2 and problem.field == "defaultProvider"
    assert ":processes/" in problem.file and problem.file.endswith(".json")


def test_unknown_unit(tmp_path: Path) -> None:
    def edit(objects: dict[str, dict[str, dict[str, Any]]]) -> None:
        _mill(objects)["exchanges"][2]["unit"] = {"@type": "Unit", "@id": "x", "name": "bananas"}

    (problem,) = _problems(_edited(tmp_path, edit))
    assert problem.field == "unit" and problem.value == "bananas" and problem.row == 3
    assert "unknown unit" in problem.rule


def test_unsupported_distribution(tmp_path: Path) -> None:
    def edit(objects: dict[str, dict[str, dict[str, Any]]]) -> None:
        _mill(objects)["exchanges"][2]["uncertainty"] = {
            "distributionType": "BETA_DISTRIBUTION",
            "mean": 1.5,
        }

    (problem,) = _problems(_edited(tmp_path, edit))
    assert problem.field == "uncertainty.distributionType"
    assert problem.value == "BETA_DISTRIBUTION" and "unsupported distribution" in problem.rule


def test_cyclic_reference_without_a_solution(tmp_path: Path) -> None:
    # The mill uses 1 kg of its own steel per kg made: the loop makes nothing net.
    def edit(objects: dict[str, dict[str, dict[str, Any]]]) -> None:
        mill = _mill(objects)
        steel = mill["exchanges"][0]
        mill["exchanges"].append(
            {
                **steel,
                "internalId": 9,
                "isInput": True,
                "isQuantitativeReference": False,
                "defaultProvider": {"@type": "Process", "@id": mill["@id"]},
            }
        )

    (problem,) = _problems(_edited(tmp_path, edit))
    assert problem.field == "processLinks" and "no solution" in problem.rule
    assert ":product_systems/" in problem.file


def test_cyclic_reference_with_a_solution(tmp_path: Path) -> None:
    # The CHP plant uses 0.05 kg steel per kWh (+ 7.2 MJ heat); 60 % of it is electricity's:
    # steel s = 1 + 0.03·e, electricity e = 2·s  →  s = 1/0.94, e = 2/0.94, and every kgCO2e
    # of the loop-free system scales by 1/0.94.
    def edit(objects: dict[str, dict[str, dict[str, Any]]]) -> None:
        mill = _mill(objects)
        chp = next(p for p in objects["processes"].values() if p["name"] == "CHP plant")
        steel = mill["exchanges"][0]
        chp["exchanges"].append(
            {
                **steel,
                "internalId": 9,
                "amount": 0.05,
                "isInput": True,
                "isQuantitativeReference": False,
                "defaultProvider": {"@type": "Process", "@id": mill["@id"]},
            }
        )

    system = _read_foreign(_edited(tmp_path, edit))
    assert compute_footprint(system).total == pytest.approx(FOREIGN_TOTAL / 0.94, rel=1e-12)


def test_every_problem_at_once(tmp_path: Path) -> None:
    def edit(objects: dict[str, dict[str, dict[str, Any]]]) -> None:
        mill = _mill(objects)
        mill["exchanges"][2]["amount"] = -1.5
        mill["exchanges"][3]["dqEntry"] = "(2;n.a.;1;2;4)"
        chp = next(p for p in objects["processes"].values() if p["name"] == "CHP plant")
        chp["defaultAllocationMethod"] = "CAUSAL_ALLOCATION"
        heat = next(f for f in objects["flows"].values() if f["name"] == "heat, district")
        heat["flowType"] = "WASTE_FLOW"

    problems = _problems(_edited(tmp_path, edit))
    assert {(p.field, p.row) for p in problems} == {
        ("amount", 3),
        ("dqEntry", 4),
        ("defaultAllocationMethod", None),
        ("flow", 2),  # the CHP's heat made a waste flow
    }
    waste = next(p for p in problems if p.field == "flow")
    assert "waste flows" in waste.rule and waste.sheet == "process 'CHP plant'"


# --------------------------------------------------------------------------------------------
# The small mappings
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "u",
    [
        Uncertainty(type=UncertaintyType.LOGNORMAL, loc=math.log(2.0), scale=0.3),
        Uncertainty(type=UncertaintyType.NORMAL, loc=2.0, scale=0.1),
        Uncertainty(type=UncertaintyType.UNIFORM, minimum=1.0, maximum=3.0),
        Uncertainty(type=UncertaintyType.TRIANGULAR, loc=2.0, minimum=1.0, maximum=4.0),
    ],
)
def test_uncertainty_round_trip(u: Uncertainty) -> None:
    raw = to_olca_uncertainty(u, 2.0).to_dict()
    back = from_olca_uncertainty(raw)
    assert isinstance(back, dict)
    again = Uncertainty(**back)
    assert again.type is u.type
    for name in ("loc", "scale", "minimum", "maximum"):
        assert getattr(again, name) == pytest.approx(getattr(u, name))


def test_lognormal_is_geometric() -> None:
    raw = to_olca_uncertainty(Uncertainty(type=UncertaintyType.LOGNORMAL, scale=math.log(1.5)), 4.0)
    assert (raw.geom_mean, raw.geom_sd) == (pytest.approx(4.0), pytest.approx(1.5))


def test_dq_entry() -> None:
    scores = PedigreeScores.of((1, 2, 3, 4, 5))
    assert dq_entry(scores) == "(1;2;3;4;5)"
    assert parse_dq_entry("(1;2;3;4;5)") == scores
    assert isinstance(parse_dq_entry("(1;2;3;4)"), str)
    assert isinstance(parse_dq_entry("(1;2;3;4;6)"), str)


def test_gas_cas_numbers_have_valid_check_digits() -> None:
    assert all(cas_is_valid(cas) for cas in CAS_BY_GAS.values())


@pytest.mark.parametrize("with_method", [True, False], ids=["lcia-method", "by-cas"])
def test_biogenic_co2_is_co2_of_biogenic_origin_whatever_the_method(
    with_method: bool, tmp_path: Path
) -> None:
    """ISO 14067 6.4.9.2 reports biogenic emissions apart: "Carbon dioxide, biogenic" keeps its
    gas and its origin, whether or not the package's climate method gives it a factor (IPCC 2021
    in openLCA gives it 0), so the total no longer depends on which the package carries."""
    entities = _foreign(with_method)
    mass = entities["mass"]
    bio = olca.new_elementary_flow("Carbon dioxide, biogenic", mass)
    bio.cas, bio.category = "124-38-9", "Elementary flows/Emission to air/unspecified"
    olca.new_output(entities["mill"], bio, 0.4, _ref(olca.RefType.Unit, KG, "kg"))
    entities["bio"] = bio
    if with_method:
        olca.new_impact_factor(entities["category"], bio, 0.0)
    system = _read_foreign(_write(entities, tmp_path / "steel.zip"))
    flow = next(f for f in system.flows if f.name == "Carbon dioxide, biogenic")
    assert (flow.gas, flow.origin.value) == ("CO2", "biogenic")
    result = compute_footprint(system)
    assert result.components.biogenic_emissions == pytest.approx(0.4, rel=1e-12)
    assert result.components.fossil == pytest.approx(FOREIGN_TOTAL, rel=1e-12)


def test_import_olca_takes_the_period_from_the_command_line(tmp_path: Path) -> None:
    """A package that names no period (openLCA's own export of a process without validity)
    imports with --period; without it, both missing fields are named at once."""
    from typer.testing import CliRunner

    from dualcarbon.cli.main import app

    runner = CliRunner()
    package = _write(_foreign(), tmp_path / "steel.zip")
    target = tmp_path / "steel.yaml"
    refused = runner.invoke(app, ["footprint", "import-olca", str(package), str(target)])
    assert refused.exit_code == 1
    assert "period" in refused.output and "geography" in refused.output
    done = runner.invoke(
        app,
        [
            "footprint", "import-olca", str(package), str(target),
            "--period", "2024-01-01:2024-12-31", "--geography", "CN",
        ],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "2024-12-31" in target.read_text(encoding="utf-8")
