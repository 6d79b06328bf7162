"""A footprint result as plain JSON data: what the command line prints with ``--json`` and the
API returns (docs/footprint.md, "Result JSON").

Every kgCO2e figure is per reference flow (which fulfils the functional or declared unit). The
trace has one line per exchange that counts, and the lines sum to ``total``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dualcarbon.footprint.footprint import FootprintResult
from dualcarbon.footprint.montecarlo import MonteCarloResult

FORMAT = "dualcarbon.footprint/1"


def uncertainty_json(mc: MonteCarloResult, coverage: float = 0.95) -> dict[str, Any]:
    low, high = mc.interval(coverage)
    return {
        "method": "Monte Carlo (stats_arrays laws per exchange; one draw per factor)",
        "draws": mc.draws,
        "seed": mc.seed,
        "deterministic": mc.deterministic,
        "mean": float(np.mean(mc.scores)),
        "median": float(np.median(mc.scores)),
        "standard_deviation": float(np.std(mc.scores, ddof=1)) if mc.draws > 1 else 0.0,
        "coverage": coverage,
        "interval": [low, high],
    }


def footprint_json(
    result: FootprintResult, uncertainty: MonteCarloResult | None = None
) -> dict[str, Any]:
    parts = result.components
    amount, unit = result.reference_flow
    return {
        "format": FORMAT,
        "system": result.system_id,
        "functional_unit": result.functional_unit,
        "reference_flow": {"amount": amount, "unit": unit},
        "gwp_set": result.gwp_set,
        "unit": "kgCO2e",
        "total": result.total,
        "location_based_total": result.location_based_total,
        "components": {
            "fossil": parts.fossil,
            "biogenic_emissions": parts.biogenic_emissions,
            "biogenic_removals": parts.biogenic_removals,
            "land_use_change": parts.land_use_change,
            "aircraft": parts.aircraft,
            "excluding_biogenic_removals": parts.excluding_biogenic_removals,
        },
        "by_stage": {stage.value: value for stage, value in result.by_stage.items()},
        "by_process": result.by_process,
        "by_flow": result.by_flow,
        "electricity": [
            {
                "process": use.process,
                "exchange": use.exchange_index,
                "product": use.product,
                "basis": use.choice.basis.value,
                "grid_factor": use.choice.grid_factor,
                "instrument": use.choice.instrument,
                "evidence": use.choice.evidence,
                "amount": use.amount,
                "unit": use.unit,
                "factor": use.factor,
                "factor_ref": use.factor_ref,
                "contribution": use.contribution,
                "location_factor": use.choice.location_factor,
                "location_contribution": use.location_contribution,
            }
            for use in result.electricity
        ],
        "primary_data_share": result.primary_data_share,
        "cut_off": [
            {
                "process": c.process,
                "exchange": c.exchange_index,
                "product": c.product,
                "amount": c.amount,
                "unit": c.unit,
            }
            for c in result.cut_off
        ],
        "uncertainty": None if uncertainty is None else uncertainty_json(uncertainty),
        "trace": [
            {
                "process": line.process,
                "product": line.product,
                "stage": line.stage.value,
                "exchange": line.exchange_index,
                "kind": line.kind.value,
                "target": line.target,
                "amount": line.amount,
                "unit": line.unit,
                "factor": line.factor,
                "factor_ref": line.factor_ref,
                "factor_source": line.factor_source,
                "origin": line.origin.value,
                "aircraft": line.aircraft,
                "primary": line.primary,
                "contribution": line.contribution,
            }
            for line in result.trace
        ],
    }
