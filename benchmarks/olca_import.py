"""Benchmark: importing a large openLCA JSON-LD package made by olca-schema alone.

The package is a product system of N processes (default 2 000), written the way openLCA writes
one: openLCA's reference unit groups, random UUIDs, amounts in g, kg, t, MJ and kWh, fossil and
biogenic CO2, methane, and providers linked through the product system (a few links close loops).
Measured in the same run:

1. the baseline: reading every entity of the zip with ``olca_schema.zipio.ZipReader`` (what any
   importer must do at least);
2. ``dualcarbon.io.olca_import.read_olca_package`` (every check, every unit converted, the model
   validated, the system solved once);
3. the imported footprint against a direct sparse LU solve of the same system (scipy's
   ``spsolve``), relative difference of the score.

    .venv/bin/python benchmarks/olca_import.py [--processes 2000] [--repeat 3]

Each time is the best of ``--repeat`` runs (the factor catalogue loaded beforehand, as in a
running command).

Writes ``benchmarks/results/olca_import.json``; the README quotes it.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import olca_schema as olca
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from olca_schema import zipio

from dualcarbon.factors.catalogue import default_catalogue
from dualcarbon.footprint.footprint import compute_footprint
from dualcarbon.footprint.matrices import build_matrices
from dualcarbon.io.olca_import import read_olca_package

HERE = Path(__file__).parent
RESULTS = HERE / "results"

# openLCA reference data (olca_schema/units/units.csv): Units of mass / energy, their units.
MASS_GROUP = "93a60a57-a4c8-11da-a746-0800200c9a66"
MASS = "93a60a56-a3c8-11da-a746-0800200b9a66"
ENERGY_GROUP = "93a60a57-a3c8-11da-a746-0800200c9a66"
ENERGY = "f6811440-ee37-11de-8a39-0800200c9a66"
UNITS = {  # name: (id, conversion factor to the group's reference unit)
    "kg": ("20aadc24-a391-41cf-b340-3e4529f44bde", 1.0),
    "g": ("e1317ffc-7f83-4a85-bc65-4fb229a25cf8", 0.001),
    "t": ("83192ffa-5990-490b-a23a-b45ca072db6f", 1000.0),
    "MJ": ("52765a6c-3896-43c2-b2f4-c679acf13efe", 1.0),
    "kWh": ("86ad2244-1f0e-4912-af53-7865283103e4", 3.6),
}


def _unit(name: str) -> Any:
    return olca.Ref(id=UNITS[name][0], name=name, ref_type=olca.RefType.Unit)


def package(processes: int, path: Path, seed: int = 7) -> Path:
    """Write the N-process package described in the module docstring."""
    rng = np.random.default_rng(seed)
    mass_group = olca.UnitGroup(
        id=MASS_GROUP,
        name="Units of mass",
        units=[
            olca.Unit(id=UNITS[n][0], name=n, conversion_factor=UNITS[n][1], is_ref_unit=n == "kg")
            for n in ("kg", "g", "t")
        ],
    )
    energy_group = olca.UnitGroup(
        id=ENERGY_GROUP,
        name="Units of energy",
        units=[
            olca.Unit(id=UNITS[n][0], name=n, conversion_factor=UNITS[n][1], is_ref_unit=n == "MJ")
            for n in ("MJ", "kWh")
        ],
    )
    mass = olca.FlowProperty(id=MASS, name="Mass", unit_group=mass_group.to_ref())
    energy = olca.FlowProperty(id=ENERGY, name="Energy", unit_group=energy_group.to_ref())
    emissions = "Elementary flows/Emission to air/unspecified"
    co2 = olca.new_elementary_flow("Carbon dioxide, fossil", mass)
    co2.cas, co2.category = "124-38-9", emissions
    bio = olca.new_elementary_flow("Carbon dioxide, biogenic", mass)
    bio.cas, bio.category = "124-38-9", emissions
    ch4 = olca.new_elementary_flow("Methane, fossil", mass)
    ch4.cas, ch4.category = "74-82-8", emissions
    entities: list[Any] = [mass_group, energy_group, mass, energy, co2, bio, ch4]

    energy_product = rng.random(processes) < 0.3
    products, units, procs, refs = [], [], [], []
    for i in range(processes):
        is_energy = bool(energy_product[i])
        product = olca.new_product(f"product {i}", energy if is_energy else mass)
        unit = ("kWh" if i % 2 else "MJ") if is_energy else ("kg" if i % 3 else "t")
        process = olca.new_process(f"process {i}")
        ref = olca.new_output(process, product, 1.0, _unit(unit))
        ref.is_quantitative_reference = True
        olca.new_output(process, co2, float(rng.uniform(10, 900)), _unit("g"))
        if i % 4 == 0:
            olca.new_output(process, ch4, float(rng.uniform(0.1, 3)), _unit("g"))
        if i % 5 == 0:
            olca.new_output(process, bio, float(rng.uniform(0.01, 0.2)), _unit("kg"))
        products.append(product)
        units.append(unit)
        procs.append(process)
        refs.append(ref)
    links = []
    for i, process in enumerate(procs):
        later = range(i + 1, processes)
        # the next process always, so the reference process reaches all of them
        chosen = [i + 1] if later else []
        if len(later) > 1:
            chosen += list(rng.choice(later[1:], size=min(2, len(later) - 1), replace=False))
        if i > 10 and rng.random() < 0.02:  # a loop back to an earlier process, small amount
            chosen.append(int(rng.integers(0, i)))
        for j in chosen:
            j = int(j)
            amount = float(rng.uniform(0.001, 0.05)) if j < i else float(rng.uniform(0.05, 0.3))
            use = olca.new_input(process, products[j], amount, _unit(units[j]))
            use.default_provider = procs[j].to_ref()
            links.append(
                olca.ProcessLink(
                    provider=procs[j].to_ref(),
                    flow=products[j].to_ref(),
                    process=process.to_ref(),
                    exchange=olca.ExchangeRef(internal_id=use.internal_id),
                )
            )
    system = olca.ProductSystem(
        id=str(uuid.UUID(int=int(rng.integers(1 << 62)))),
        name=f"{processes}-process system",
        ref_process=procs[0].to_ref(),
        ref_exchange=olca.ExchangeRef(internal_id=refs[0].internal_id),
        target_amount=1.0,
        target_unit=_unit(units[0]),
        target_flow_property=(energy if energy_product[0] else mass).to_ref(),
        processes=[p.to_ref() for p in procs],
        process_links=links,
    )
    category = olca.new_impact_category("IPCC 2021, climate change, GWP100")
    olca.new_impact_factor(category, co2, 1.0)
    olca.new_impact_factor(category, bio, 0.0)
    olca.new_impact_factor(category, ch4, 29.8)  # AR6, CH4 fossil
    method = olca.new_impact_method("IPCC 2021", category)
    entities += [*products, *procs, system, category, method]
    with zipio.ZipWriter(str(path)) as writer:
        for entity in entities:
            writer.write(entity)
    return path


def read_all(path: Path) -> int:
    """The baseline: every entity of the package parsed by olca-schema."""
    count = 0
    with zipio.ZipReader(str(path)) as reader:
        for kind in (olca.UnitGroup, olca.FlowProperty, olca.Flow, olca.Process):
            for uid in reader.ids_of(kind):
                count += reader.read(kind, uid) is not None
        for kind in (olca.ProductSystem, olca.ImpactCategory, olca.ImpactMethod):
            for uid in reader.ids_of(kind):
                count += reader.read(kind, uid) is not None
    return count


def direct_score(system: Any) -> float:
    """cᵀ B A⁻¹ f by one sparse LU of the same matrices, no iteration."""
    m = build_matrices(system)
    supply = spla.spsolve(sp.csc_matrix(m.technosphere.matrix()), m.demand)
    return float(m.characterisation @ (m.biosphere.matrix() @ supply))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    default_catalogue()  # loaded once per process, by any command, before an import
    with tempfile.TemporaryDirectory() as tmp:
        path = package(args.processes, Path(tmp) / "system.zip")
        size = path.stat().st_size
        baseline, ours = math.inf, math.inf
        for _ in range(args.repeat):  # best of: a loaded machine only ever slows a run down
            t0 = time.perf_counter()
            entities = read_all(path)
            baseline = min(baseline, time.perf_counter() - t0)
            t0 = time.perf_counter()
            system = read_olca_package(
                path, period={"start": "2024-01-01", "end": "2024-12-31"}, geography="CN"
            )
            ours = min(ours, time.perf_counter() - t0)
    score = compute_footprint(system).total
    direct = direct_score(system)
    out = {
        "processes": args.processes,
        "package_bytes": size,
        "entities": entities,
        "olca_schema_read_s": round(baseline, 3),
        "dualcarbon_import_s": round(ours, 3),
        "ratio_import_to_read": round(ours / baseline, 2),
        "score_kgco2e": score,
        "score_relative_difference_to_direct_lu": abs(score - direct) / abs(direct),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "olca_import.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
