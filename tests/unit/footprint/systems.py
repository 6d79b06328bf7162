"""Small product systems shared by the footprint tests: one worked by hand (``tiny``) and the
PV example file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dualcarbon.demo import demo_footprint_path
from dualcarbon.footprint.model import ProductSystem, validate_product_system

ROOT = Path(__file__).resolve().parents[3]
PV = demo_footprint_path("pv-module-simple.yaml")
GRID = "cn-grid-ef-2022/co2_emission_factor/grid/CN"  # 0.5366 tCO2/MWh = 0.5366 kgCO2/kWh


def tiny_raw() -> dict[str, Any]:
    """1 kg widget (process ``make``, stage production) needs
    - 0.5 kg part from ``cast`` (a co-product process: 1 kg part + 0.25 kg slag, allocation
      0.7 / 0.3; raw_material_acquisition),
    - 2 kWh grid electricity (location based, 0.5366 kgCO2/kWh),
    - 0.5 kg resin (background, 3.0 kgCO2e/kg; primary data),
    - 3 MJ steam from ``heat`` (0.07 kg CO2/MJ),
    - 0.01 kg glue (cut off),
    and emits 0.1 kg CO2 and 2 g fossil CH4 (AR6 GWP 29.8).
    ``cast`` uses 10 kWh of a PPA (supplier specific, 0.4 kgCO2e/kWh), emits 1 kg CO2, and avoids
    0.2 kg steel (background, 2.0 kgCO2e/kg) and 1 MJ steam (exported waste heat)."""
    return {
        "id": "tiny",
        "name": "tiny",
        "functional_unit": {"kind": "declared", "description": "1 kg", "amount": 1, "unit": "kg"},
        "reference_process": "make",
        "reference_product": "widget",
        "reference_flow": {"amount": 1, "unit": "kg"},
        "boundary": "cradle_to_gate",
        "stages": ["raw_material_acquisition", "production"],
        "cut_off": {
            "criterion": "mass",
            "threshold_percent": 1,
            "justification": "screening",
            "exclusions": [{"product": "glue", "reason": "tiny", "estimated_share_percent": 0.1}],
        },
        "gwp_set": "AR6",
        "period": {"start": "2024-01-01", "end": "2024-12-31"},
        "geography": "CN",
        "flows": [
            {"id": "co2", "name": "CO2", "compartment": "air", "unit": "kg", "gas": "CO2"},
            {"id": "ch4", "name": "CH4", "compartment": "air", "unit": "kg", "gas": "CH4_fossil"},
        ],
        "background": [
            {
                "product": "resin",
                "unit": "kg",
                "emission_factor": 3.0,
                "emission_factor_unit": "kgCO2e/kg",
                "source": "invented resin factor",
                "basic_uncertainty": 1.21,  # σ = ln √1.21 = ln 1.1
            },
            {
                "product": "steel",
                "unit": "kg",
                "emission_factor": 2.0,
                "emission_factor_unit": "kgCO2e/kg",
                "source": "invented steel factor",
            },
        ],
        "processes": [
            {
                "id": "make",
                "name": "make widgets",
                "stage": "production",
                "exchanges": [
                    {"kind": "production", "product": "widget", "amount": 1, "unit": "kg"},
                    {"kind": "technosphere", "product": "part", "amount": 0.5, "unit": "kg"},
                    {
                        "kind": "technosphere",
                        "product": "grid_power",
                        "amount": 2,
                        "unit": "kWh",
                        "electricity": {"basis": "location_based", "grid_factor": GRID},
                    },
                    {
                        "kind": "technosphere",
                        "product": "resin",
                        "amount": 0.5,
                        "unit": "kg",
                        "primary": True,
                        "basic_uncertainty": 1.44,  # σ = ln √1.44 = ln 1.2
                    },
                    {"kind": "technosphere", "product": "steam", "amount": 3, "unit": "MJ"},
                    {"kind": "technosphere", "product": "glue", "amount": 0.01, "unit": "kg"},
                    {
                        "kind": "emission",
                        "flow": "co2",
                        "amount": 0.1,
                        "unit": "kg",
                        "uncertainty": {"type": 3, "scale": 0.01},  # normal: σ 0 for now
                    },
                    {"kind": "emission", "flow": "ch4", "amount": 2, "unit": "g"},
                ],
            },
            {
                "id": "cast",
                "name": "cast parts",
                "stage": "raw_material_acquisition",
                "exchanges": [
                    {"kind": "production", "product": "part", "amount": 1, "unit": "kg"},
                    {"kind": "production", "product": "slag", "amount": 0.25, "unit": "kg"},
                    {
                        "kind": "technosphere",
                        "product": "ppa_power",
                        "amount": 10,
                        "unit": "kWh",
                        "electricity": {
                            "basis": "supplier_specific",
                            "instrument": "PPA-1",
                            "location_factor": "cn-grid-ef-2022/co2_emission_factor/grid/CN",
                            "evidence": "contract 2024",
                            "emission_factor": 0.4,
                            "emission_factor_unit": "kgCO2e/kWh",
                        },
                    },
                    {"kind": "emission", "flow": "co2", "amount": 1.0, "unit": "kg"},
                    {"kind": "avoided_product", "product": "steel", "amount": 0.2, "unit": "kg"},
                    {"kind": "avoided_product", "product": "steam", "amount": 1, "unit": "MJ"},
                ],
                "allocation": {
                    "method": "physical",
                    "basis": "mass",
                    "factors": {"part": 0.7, "slag": 0.3},
                },
            },
            {
                "id": "heat",
                "name": "steam boiler",
                "stage": "production",
                "exchanges": [
                    {"kind": "production", "product": "steam", "amount": 1, "unit": "MJ"},
                    {"kind": "emission", "flow": "co2", "amount": 0.07, "unit": "kg"},
                ],
            },
        ],
    }


def tiny() -> ProductSystem:
    return validate_product_system(tiny_raw())
