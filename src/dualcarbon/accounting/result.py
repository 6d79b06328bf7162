"""A traced result: the lines of an accounting run, and the views a reader wants of them.

The lines are a columnar trace (one row per source × gas × month × unit, beside its inputs, their
tiers and evidence, factor versions and formula). Totals by gas, source, facility, unit and month
are computed from the lines on demand, and the JSON export nests them as a tree
(docs/result-json.md).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict

from dualcarbon.accounting.findings import Finding
from dualcarbon.accounting.inputs import INPUT_STRUCT, input_datum, line_inputs
from dualcarbon.factors.model import Factor
from dualcarbon.methodologies.registry import get_calculator

RESULT_SCHEMA_VERSION = "dualcarbon.result/2"
"""/2: line inputs keyed by calculator slot, from the inputs table (``accounting.inputs``);
/1 keyed them by the wide columns (``activity``, ``ncv`` …). Stored /1 exports are served as
stored."""

LINE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "line": pl.Int64,
    "facility": pl.String,
    "unit": pl.String,
    "month": pl.Int64,
    "source": pl.String,
    "item": pl.String,
    "item_zh": pl.String,
    "gas": pl.String,
    "formula": pl.String,
    "activity": pl.Float64,
    "activity_unit": pl.String,
    "activity_tier": pl.String,
    "activity_ref": pl.String,
    "activity_u": pl.Float64,
    "activity_distribution": pl.String,
    "instrument": pl.String,
    "instrument_flag_zh": pl.String,
    "instrument_flag_en": pl.String,
    "ncv": pl.Float64,
    "ncv_tier": pl.String,
    "ncv_ref": pl.String,
    "ncv_u": pl.Float64,
    "carbon_content": pl.Float64,
    "carbon_per_heat": pl.Float64,
    "carbon_tier": pl.String,
    "carbon_ref": pl.String,
    "carbon_u": pl.Float64,
    "oxidation_rate": pl.Float64,
    "oxidation_rate_ref": pl.String,
    "emission_factor": pl.Float64,
    "emission_factor_unit": pl.String,
    "emission_factor_tier": pl.String,
    "emission_factor_ref": pl.String,
    "emission_factor_u": pl.Float64,
    "emission": pl.Float64,
    "gwp": pl.Float64,
    "gwp_ref": pl.String,
    "emission_co2e": pl.Float64,
    "sign": pl.Int64,
    "counted": pl.Boolean,
    "clause": pl.String,
    "explanation_zh": pl.String,
    "explanation_en": pl.String,
    "input_row": pl.Int64,
    "inputs": pl.List(INPUT_STRUCT),
}


class ResultMeta(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation: str
    facility: str
    year: int
    methodology: str
    methodology_title: str
    factors: list[str]
    inventory_digest: str
    inventory_source: str
    computed_at: dt.datetime
    engine: str


@dataclass(frozen=True)
class AccountingResult:
    meta: ResultMeta
    lines: pl.DataFrame
    production: pl.DataFrame | None = None
    factors: Mapping[str, Factor] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    """Plausibility notes and acknowledged warnings (:mod:`dualcarbon.accounting.findings`)."""
    checked: bool = True
    """Whether the plausibility checks ran: not for ``account(plausibility=False)``, nor for a
    result stored before there were checks (its JSON has no ``findings``)."""

    @cached_property
    def inputs(self) -> pl.DataFrame:
        """Every input of every line, built once (:mod:`dualcarbon.accounting.inputs`)."""
        return line_inputs(self.lines)

    @property
    def signed(self) -> pl.Expr:
        return pl.col("emission_co2e") * pl.col("sign")

    def total(self) -> float:
        """Total emissions [tCO2e]: counted lines, deductions subtracted."""
        counted = self.lines.filter(pl.col("counted"))
        return float(counted.select(self.signed.sum()).item() or 0.0)

    def by(self, *keys: str, counted_only: bool = False) -> pl.DataFrame:
        """Signed tCO2e summed by the given line columns (e.g. ``"source"``, ``"month"``)."""
        frame = self.lines.filter(pl.col("counted")) if counted_only else self.lines
        return (
            frame.group_by(list(keys))
            .agg(self.signed.sum().alias("tco2e"), pl.len().alias("lines"))
            .sort(list(keys))
        )

    def tier_shares(self) -> pl.DataFrame:
        """Share of fuel-combustion emissions resting on measured vs default carbon content."""
        fuel = self.lines.filter(pl.col("source") == "fuel_combustion")
        total = fuel["emission_co2e"].sum() or 1.0
        return (
            fuel.group_by("carbon_tier")
            .agg(pl.col("emission_co2e").sum().alias("tco2e"))
            .with_columns((pl.col("tco2e") / total).alias("share"))
            .sort("carbon_tier")
        )

    def monthly_parameters(self) -> pl.DataFrame:
        """Per unit, fuel and month: consumption and the consumption-weighted NCV and carbon."""
        fuel = self.lines.filter(pl.col("source") == "fuel_combustion")
        return _weighted(fuel, ["facility", "unit", "item", "month"])

    def annual_parameters(self) -> pl.DataFrame:
        """Per unit and fuel: annual consumption, NCV and carbon weighted by monthly consumption."""
        fuel = self.lines.filter(pl.col("source") == "fuel_combustion")
        return _weighted(fuel, ["facility", "unit", "item"])

    def to_json_dict(self, *, lang: str = "zh") -> dict[str, Any]:
        return result_to_json(self, lang=lang)


def _weighted(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    weight = pl.col("activity")
    return (
        frame.group_by(list(keys))
        .agg(
            weight.sum().alias("consumption"),
            pl.col("activity_unit").first().alias("consumption_unit"),
            ((pl.col("ncv") * weight).sum() / weight.sum()).alias("ncv"),
            ((pl.col("carbon_content") * weight).sum() / weight.sum()).alias("carbon_content"),
            pl.col("emission").sum().alias("tco2"),
            (pl.col("carbon_tier") == "default").sum().alias("default_lines"),
        )
        .sort(list(keys))
    )


def _trace(row: Mapping[str, Any], lang: str, own: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One line as the export shows it, with its inputs (``own``: its rows of the inputs table)
    keyed by slot."""
    calculator = get_calculator(row["formula"])
    inputs: dict[str, Any] = {}
    for entry in own:
        datum = input_datum(entry)
        shown: dict[str, Any] = {
            "symbol": entry["symbol"],
            "value": datum.value,
            "unit": datum.unit,
            "tier": datum.provenance.tier.value,
            "ref": entry["reference"],
        }
        if datum.u is not None:
            shown["u"] = datum.u
        if entry["derived"]:
            derivation = calculator.slot(entry["slot"]).derive
            shown["derived"] = derivation.equation if derivation else True
        if entry["slot"] == calculator.activity_slot.name:
            shown["instrument"] = row["instrument"]
            shown["instrument_flag"] = row[
                "instrument_flag_zh" if lang == "zh" else "instrument_flag_en"
            ]
        inputs[entry["slot"]] = shown
    return {
        "line": row["line"],
        "month": row["month"],
        "item": row["item"],
        "gas": row["gas"],
        "tco2e": row["emission_co2e"] * row["sign"],
        "calculator": calculator.id,
        "formula": calculator.formula,
        "clause": row["clause"],
        "inputs": inputs,
        "explanation": row["explanation_zh"] if lang == "zh" else row["explanation_en"],
        "input_row": row["input_row"],
    }


def result_to_json(result: AccountingResult, *, lang: str = "zh") -> dict[str, Any]:
    """The result as a JSON-ready tree: facility → source → unit → lines with traces."""
    lines = result.lines
    by_line: dict[int, list[dict[str, Any]]] = {}
    for entry in result.inputs.to_dicts():
        by_line.setdefault(entry["line"], []).append(entry)
    tree = []
    for (facility,), facility_lines in lines.group_by(["facility"], maintain_order=True):
        sources = []
        for (source,), source_lines in facility_lines.group_by(["source"], maintain_order=True):
            units = []
            for (unit,), unit_lines in source_lines.group_by(["unit"], maintain_order=True):
                units.append(
                    {
                        "unit": unit,
                        "tco2e": _signed_sum(unit_lines),
                        "lines": [
                            _trace(row, lang, by_line.get(row["line"], []))
                            for row in unit_lines.iter_rows(named=True)
                        ],
                    }
                )
            first = source_lines.row(0, named=True)
            sources.append(
                {
                    "source": source,
                    "counted": first["counted"],
                    "tco2e": _signed_sum(source_lines),
                    "units": units,
                }
            )
        tree.append(
            {
                "facility": facility,
                "tco2e": _signed_sum(facility_lines.filter(pl.col("counted"))),
                "sources": sources,
            }
        )
    return {
        "schema": RESULT_SCHEMA_VERSION,
        "meta": result.meta.model_dump(mode="json"),
        "total_tco2e": result.total(),
        "by_gas": _records(result.by("gas", counted_only=True)),
        "by_source": _records(result.by("source")),
        "by_month": _records(result.by("month", counted_only=True)),
        "tiers": _records(result.tier_shares()),
        "annual_parameters": _records(result.annual_parameters()),
        "production": None if result.production is None else _records(result.production),
        "factors": {
            ref: {
                "value": f.value,
                "unit": f.unit,
                "name_zh": f.name_zh,
                "name_en": f.name_en,
                "source": f.source.document,
                "table": f.table,
                "confidence": f.effective_confidence,
            }
            for ref, f in result.factors.items()
        },
        "findings": [finding.to_json() for finding in result.findings],
        "tree": tree,
    }


def _signed_sum(frame: pl.DataFrame) -> float:
    return float(frame.select((pl.col("emission_co2e") * pl.col("sign")).sum()).item() or 0.0)


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON objects. JSON has no NaN or Infinity: an undefined figure (a heat rate of a
    unit that supplied no heat, 0/0) is null, and the row says which and why in ``undefined``."""
    records = []
    for record in frame.drop("_row", strict=False).to_dicts():
        undefined = [
            name
            for name, value in record.items()
            if isinstance(value, float) and not math.isfinite(value)
        ]
        for name in undefined:
            record[name] = None
        if undefined:
            record["undefined"] = {
                "fields": undefined,
                "reason_zh": "分母为零（如该机组无供热或无发电），该指标无定义",
                "reason_en": "the denominator is zero (e.g. no heat or no power supplied by this "
                "unit): the figure is undefined",
            }
        records.append(record)
    return records
