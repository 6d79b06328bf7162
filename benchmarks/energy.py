"""Benchmark: the energy balance and grades of a large power company, and the certificate ledger.

1. Energy: 40 coal units × 12 months × 2 fuels (960 fuel records with measured NCV) plus
   purchased electricity and a production table, accounted by the emissions engine and then by
   ``dualcarbon.energy.assessment.assess`` (balance, supply and heat coal rates per unit, grades
   by GB 21258-2024), against a plain per-record Python computation of the same balance and coal
   rates in the same run. Totals and every unit's supply coal rate must agree.
2. Ledger: N claims of 10 certificates each against one batch on a fresh SQLite file (each claim
   locked, checked, lodged in two evidence logs), against the same number of bare INSERTs of a
   claim row in the same database: the ratio is what the checks and the evidence cost.

    .venv/bin/python benchmarks/energy.py [--units 40] [--claims 200]

Writes ``benchmarks/results/energy.json``; the README quotes it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text

from dualcarbon.accounting.engine import account
from dualcarbon.certificates.model import CertificateBatch, Purpose, Technology
from dualcarbon.energy.assessment import assess
from dualcarbon.energy.conditions import GradingConditions, UnitConditions
from dualcarbon.io.yaml_inventory import inventory_from_mapping
from dualcarbon.ledger.certificates import claim_certificates, import_batches
from dualcarbon.ledger.signing import Signer
from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import Organisation

HERE = Path(__file__).parent
RESULTS = HERE / "results"
GJ_PER_TCE = 29.3076


def build(units: int, seed: int = 2026) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    fuel, production, electricity = [], [], []
    for unit in range(1, units + 1):
        name = f"#{unit}"
        for month in range(1, 13):
            coal = float(rng.uniform(80_000, 120_000))
            for part, share in (("a", 0.6), ("b", 0.4)):
                fuel.append(
                    {
                        "unit": name,
                        "month": month,
                        "fuel": "coal",
                        "consumption": coal * share,
                        "consumption_ref": f"皮带秤 BS-{unit}{part}",
                        "ncv": float(rng.uniform(20.5, 22.5)),
                        "ncv_ref": f"热值 {unit}-{month}{part}",
                        "carbon_content": float(rng.uniform(54, 57)),
                        "carbon_content_ref": f"元素碳 {unit}-{month}{part}",
                    }
                )
            supply = coal * 21.5 / GJ_PER_TCE / 0.300  # about 300 gce/kWh
            production.append(
                {
                    "unit": name,
                    "month": month,
                    "generation": supply * 1.06,
                    "supply": supply,
                    "heat_supply": float(rng.uniform(0, 50_000)),
                    "heat_ratio": float(rng.uniform(0, 0.12)),
                    "operating_hours": 600,
                    "capacity": 600,
                }
            )
    for month in range(1, 13):
        electricity.append({"month": month, "amount": 1500.0, "amount_ref": f"结算单 {month}"})
    return {
        "inventory": {
            "organisation": "基准电力集团",
            "year": 2024,
            "methodology": "cn-mee-power-2022",
        },
        "fuel": fuel,
        "production": production,
        "electricity": electricity,
    }


def by_hand(document: dict[str, Any]) -> tuple[float, dict[str, float]]:
    total = 0.0
    kgce: dict[tuple[str, int], float] = defaultdict(float)
    for row in document["fuel"]:
        value = row["consumption"] * row["ncv"] / GJ_PER_TCE * 1000
        kgce[(row["unit"], row["month"])] += value
        total += value
    total += sum(r["amount"] for r in document["electricity"]) * 1000 * 0.1229
    # the plant's net supply of power and heat leaves the boundary (GB/T 2589: subtracted)
    total -= sum(r["supply"] for r in document["production"]) * 1000 * 0.1229
    total -= sum(r["heat_supply"] for r in document["production"]) * 1000 * 0.03412
    rates: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in document["production"]:
        sums = rates[row["unit"]]
        sums[0] += kgce[(row["unit"], row["month"])] * (1 - row["heat_ratio"])
        sums[1] += row["supply"]
    return total / 1000, {unit: s[0] / s[1] for unit, s in rates.items()}


def energy(units: int) -> dict[str, Any]:
    document = build(units)
    start = time.perf_counter()
    expected, rates = by_hand(document)
    plain = time.perf_counter() - start
    start = time.perf_counter()
    inventory = inventory_from_mapping(document, source="bench.yaml")
    result = account(inventory, plausibility=False)
    accounted = time.perf_counter() - start
    conditions = GradingConditions(
        units={f"#{u}": UnitConditions("subc_600") for u in range(1, units + 1)}
    )
    start = time.perf_counter()
    assessment = assess(inventory, result, conditions)
    assessed = time.perf_counter() - start
    supply = {
        g.value.scope: g.value.value
        for g in assessment.grades
        if g.value.indicator == "supply_coal_rate"
    }
    worst = max(abs(supply[u] - rates[u]) / rates[u] for u in rates)
    return {
        "fuel_records": len(document["fuel"]),
        "units": units,
        "total_tce": assessment.balance.total_tce,
        "by_hand_tce": expected,
        "relative_difference": abs(assessment.balance.total_tce - expected) / expected,
        "worst_unit_rate_difference": worst,
        "grades": len(assessment.grades),
        "plain_python_s": round(plain, 4),
        "emissions_account_s": round(accounted, 3),
        "energy_assess_s": round(assessed, 3),
        "ratio_assess_to_plain": round(assessed / plain, 1),
    }


def ledger(claims: int) -> dict[str, Any]:
    signer = Signer.generate()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/ledger.sqlite"
        upgrade(url)
        engine = make_engine(url)
        with session_scope(engine) as session:
            holder = Organisation(name="基准铝业")
            session.add(holder)
            session.flush()
            holder_id = holder.id
            batch = CertificateBatch(
                serial_from="GEC2026W0000000001",
                serial_to=f"GEC2026W{claims * 10:010d}",
                quantity=claims * 10,
                plant="W-BENCH",
                plant_name="基准风电场",
                technology=Technology.WIND,
                production_year=2026,
                production_month=1,
            )
            import_batches(session, signer, holder_id, [batch], source="bench", imported_by="b")
        start = time.perf_counter()
        for number in range(claims):
            with session_scope(engine) as session:
                claim_certificates(
                    session,
                    signer,
                    holder_id,
                    10,
                    purpose=Purpose.PRODUCT,
                    subject=f"product-{number}",
                    consumption_from=dt.date(2026, 1, 1),
                    consumption_to=dt.date(2026, 12, 31),
                    claimed_by="bench",
                    on=dt.date(2026, 6, 30),
                )
        claimed = time.perf_counter() - start
        with session_scope(engine) as session:
            remaining = session.execute(text("SELECT remaining FROM certificate_batches")).scalar()
        start = time.perf_counter()
        for number in range(claims):
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO certificate_claims (batch_id, organisation_id, reference, "
                        "quantity, purpose, subject, consumption_from, consumption_to, "
                        "claimed_by, claimed_at) VALUES (1, :o, :r, 10, 'product', 's', "
                        "'2026-01-01', '2026-12-31', 'bench', '2026-06-30 00:00:00')"
                    ),
                    {"o": holder_id, "r": f"BARE-{number}"},
                )
        bare = time.perf_counter() - start
        engine.dispose()
    return {
        "claims": claims,
        "remaining_after": remaining,
        "claims_per_s": round(claims / claimed, 1),
        "bare_inserts_per_s": round(claims / bare, 1),
        "ratio_claim_to_bare_insert": round(claimed / bare, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--claims", type=int, default=200)
    args = parser.parse_args()
    report = {
        "energy": energy(args.units),
        "ledger": ledger(args.claims),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "energy.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    assert report["energy"]["relative_difference"] < 1e-12, "the balance and the hand disagree"
    assert report["energy"]["worst_unit_rate_difference"] < 1e-12
    assert report["ledger"]["remaining_after"] == 0


if __name__ == "__main__":
    main()
