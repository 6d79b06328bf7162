"""A laboratory's natural-gas analysis report as a lab-tier input of an inventory.

A composition file (docs/gas-composition.md) gives the report (number, laboratory, accreditation,
date), the reference conditions and the composition. From it come the two parameters an
inventory's natural-gas line takes from a laboratory (GB/T 32151 series: measured NCV and carbon
content instead of the defaults), each with its standard uncertainty and the report as evidence:
``ncv`` in GJ/万Nm3 and ``carbon_content`` in tC/万Nm3, always per normal cubic metre (0 °C,
101.325 kPa), the inventories' unit, whatever the conditions the report is printed at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.gas.composition import Composition, composition_from_mapping
from dualcarbon.gas.properties import Conditions, GasModel, gas_model
from dualcarbon.gas.table import iso_6976

FILE_KEYS = ("report", "conditions", "unit", "normalised", "composition", "correlations")
"""The fields of a composition file (docs/gas-composition.md)."""
NORMAL_METERING_C = 0
"""The "N" of Nm³: 0 °C and 101.325 kPa (``units.txt``)."""
NORMAL_PRESSURE_KPA = 101.325


@dataclass(frozen=True)
class Report:
    number: str
    laboratory: str = ""
    accreditation: str = ""
    date: dt.date | None = None
    sample: str = ""

    @property
    def reference(self) -> str:
        """How an inventory cites it: ``天然气组分分析报告 GC-2025-0312（实验室, CNAS L1234,
        2025-03-12）``."""
        details = [p for p in (self.laboratory, self.accreditation, str(self.date or "")) if p]
        return f"{self.number}（{', '.join(details)}）" if details else self.number


@dataclass(frozen=True)
class GasAnalysis:
    report: Report
    composition: Composition
    conditions: Conditions

    def model(self) -> GasModel:
        """At the conditions the report states."""
        return gas_model(self.composition, self.conditions)

    def normal_model(self) -> GasModel:
        """Per normal cubic metre, burnt at the report's combustion temperature."""
        return gas_model(
            self.composition,
            Conditions(self.conditions.combustion_c, NORMAL_METERING_C, NORMAL_PRESSURE_KPA),
        )


@dataclass(frozen=True)
class LabFields:
    """What a natural-gas line of an inventory takes from the analysis (module docstring)."""

    ncv: float
    ncv_u: float
    carbon_content: float
    carbon_content_u: float
    reference: str

    def as_inventory(self, digits: int = 6) -> dict[str, object]:
        """The fuel-table fields (methodologies/data/tables/fuel.yaml), to paste into a line."""

        def rounded(x: float) -> float:
            return float(f"{x:.{digits}g}")

        return {
            "ncv": rounded(self.ncv),
            "ncv_u": rounded(self.ncv_u),
            "ncv_unit": "GJ/万Nm3",
            "ncv_ref": self.reference,
            "carbon_content": rounded(self.carbon_content),
            "carbon_content_u": rounded(self.carbon_content_u),
            "carbon_content_unit": "tC/万Nm3",
            "carbon_content_ref": self.reference,
        }


def lab_fields(analysis: GasAnalysis) -> LabFields:
    gum = analysis.normal_model().uncertainty().results
    return LabFields(
        ncv=gum["ncv_per_volume"].value,
        ncv_u=gum["ncv_per_volume"].u,
        carbon_content=gum["carbon_per_volume"].value,
        carbon_content_u=gum["carbon_per_volume"].u,
        reference=analysis.report.reference,
    )


def analysis_from_mapping(raw: Mapping[str, Any], *, source: str) -> GasAnalysis:
    """The analysis of a composition file; every problem at once as an :class:`InputError`."""
    problems: list[InputProblem] = [
        InputProblem(
            source,
            f"unknown field (known: {', '.join(FILE_KEYS)})",
            field=str(key),
        )
        for key in raw
        if key not in FILE_KEYS
    ]
    report = _report(raw.get("report"), source, problems)
    conditions = _conditions(raw.get("conditions"), source, problems)
    if conditions is not None:
        problems += conditions.problems(iso_6976(), source, prefix="conditions.")
    try:
        gas = composition_from_mapping(raw, source=source)
    except InputError as error:
        raise InputError([*problems, *error.problems]) from None
    if problems or report is None or conditions is None:
        raise InputError(problems)
    return GasAnalysis(report, gas, conditions)


def _report(raw: object, source: str, problems: list[InputProblem]) -> Report | None:
    if not isinstance(raw, Mapping) or not str(raw.get("number") or "").strip():
        problems.append(
            InputProblem(
                source,
                "needs a 'report' mapping with its number (the evidence an inventory cites)",
                field="report.number",
                rule_zh="须有 report（检测报告），至少写明报告编号 number：清单据此引用证据",
            )
        )
        return None
    date = raw.get("date")
    if date is not None and not isinstance(date, dt.date):
        try:
            date = dt.date.fromisoformat(str(date))
        except ValueError:
            problems.append(
                InputProblem(
                    source,
                    "a date as YYYY-MM-DD",
                    field="report.date",
                    value=date,
                    rule_zh="日期格式为 YYYY-MM-DD",
                )
            )
            date = None
    return Report(
        number=str(raw["number"]).strip(),
        laboratory=str(raw.get("laboratory") or "").strip(),
        accreditation=str(raw.get("accreditation") or "").strip(),
        date=date,
        sample=str(raw.get("sample") or "").strip(),
    )


def _conditions(raw: object, source: str, problems: list[InputProblem]) -> Conditions | None:
    if raw is None:
        return Conditions()
    if not isinstance(raw, Mapping):
        problems.append(
            InputProblem(
                source,
                "a mapping of combustion_c, metering_c and pressure_kpa",
                field="conditions",
                rule_zh="须为 combustion_c、metering_c、pressure_kpa 的映射",
            )
        )
        return None
    defaults = Conditions()
    known = {"combustion_c", "metering_c", "pressure_kpa"}
    for key in set(raw) - known:
        problems.append(
            InputProblem(
                source,
                f"unknown field (known: {', '.join(sorted(known))})",
                field=f"conditions.{key}",
            )
        )
    values: dict[str, Any] = {}
    for key in sorted(known):
        value = raw.get(key, getattr(defaults, key))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(
                InputProblem(
                    source, "a number", field=f"conditions.{key}", value=value, rule_zh="须为数值"
                )
            )
            continue
        values[key] = value
    if len(values) < len(known):
        return None
    temperatures = ("combustion_c", "metering_c")
    for key in temperatures:
        if values[key] != int(values[key]):
            problems.append(
                InputProblem(
                    source,
                    "a temperature of the table",
                    field=f"conditions.{key}",
                    value=values[key],
                )
            )
            return None
    return Conditions(
        int(values["combustion_c"]), int(values["metering_c"]), float(values["pressure_kpa"])
    )
