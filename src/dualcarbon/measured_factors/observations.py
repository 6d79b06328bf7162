"""Measured values that check a default: one laboratory analysis of one month's fuel, say.

From an accounting result, every fuel line whose net calorific value, or whose element carbon
with its NCV, was measured gives an observation of the quantity its methodology would otherwise
have taken from a default:

- NCV measured: NCV_ar (GJ per unit of fuel) checks the methodology's NCV default;
- element carbon and NCV both measured: CC = C_ar / NCV_ar (tC/GJ) checks the default carbon
  per unit heat; their analyses are separate instruments (an elemental analyser, GB/T 31391,
  and a bomb calorimeter, GB/T 213), so u_rel(CC)² = u_rel(C_ar)² + u_rel(NCV_ar)².

A carbon content measured with the NCV defaulted is not an observation of carbon per unit heat:
half of it would be the default it is meant to check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dualcarbon.accounting.result import AccountingResult
from dualcarbon.datum import Tier
from dualcarbon.methodologies.definition import get_methodology


@dataclass(frozen=True)
class Observation:
    """One measured value of the quantity a default factor stands for.

    ``default`` is the id (or ``id@version``) of the default it checks; ``holder`` who holds the
    measurement (an organisation's facility), the unit of the spread between enterprises;
    ``origin`` where it was read (a result's line, a file's row)."""

    default: str
    value: float
    unit: str
    u: float | None
    holder: str
    year: int | None
    origin: str
    organisation: str = ""
    """The organisation the holder belongs to, when the holder is one of its facilities: the
    disclosure threshold counts organisations (empty: the holder is one)."""

    @property
    def owner(self) -> str:
        return self.organisation or self.holder


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def observations_from_result(result: AccountingResult, origin: str) -> list[Observation]:
    """The measured NCVs and carbon per unit heat of a result's fuel lines, each against the
    default its methodology names for that fuel (fuels without a default give none)."""
    # the methodology as shipped now: its defaults are the ones to check
    methodology = get_methodology(result.meta.methodology.split("@", 1)[0])
    holder = f"{result.meta.organisation} / {result.meta.facility}"
    found: list[Observation] = []
    lab = Tier.LAB.value
    for line in result.lines.iter_rows(named=True):
        fuel = methodology.fuels.get(line["item"] or "")
        if line["source"] != "fuel_combustion" or fuel is None or line["ncv_tier"] != lab:
            continue
        ncv, ncv_u = _number(line["ncv"]), _number(line["ncv_u"])
        if ncv is None or ncv <= 0.0:
            continue
        where = f"{origin} line {line['line']}"
        ncv_default = fuel.net_calorific_value.fallback
        if ncv_default is not None:
            found.append(
                Observation(
                    ncv_default.factor,
                    ncv,
                    f"GJ/{line['activity_unit']}",
                    ncv_u,
                    holder,
                    result.meta.year,
                    where,
                    result.meta.organisation,
                )
            )
        carbon_default = fuel.carbon_content.fallback
        carbon, carbon_u = _number(line["carbon_content"]), _number(line["carbon_u"])
        if carbon_default is None or line["carbon_tier"] != lab or carbon is None:
            continue
        per_heat = carbon / ncv
        u = (
            per_heat * math.hypot(carbon_u / carbon, ncv_u / ncv)
            if carbon_u is not None and ncv_u is not None and carbon > 0.0
            else None
        )
        year = result.meta.year
        found.append(
            Observation(
                carbon_default.factor,
                per_heat,
                "tC/GJ",
                u,
                holder,
                year,
                where,
                result.meta.organisation,
            )
        )
    return found
