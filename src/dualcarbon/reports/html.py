"""The HTML report of an accounting result: one self-contained page for a carbon manager and a
verifier.

The page holds the headline total and its splits, a monthly chart, the data tiers, the monthly and
annual fuel parameters (months on a default highlighted, with the engine's explanation), the
production indicators, the factor versions used and the full line trace. Charts are inline SVG,
styles are inline, and nothing is fetched from the network, so the file can be mailed, archived
and printed (A4) as it is.

Numbers are formatted here, in Python; the template (``templates/report.html.j2``, autoescaped)
only places strings.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import polars as pl
from markupsafe import Markup

from dualcarbon.accounting.improvements import Improvement, ImprovementRanking
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.accounting.uncertainty import AccountingUncertainty
from dualcarbon.errors import DualcarbonError
from dualcarbon.i18n import Lang, unit_label
from dualcarbon.methodologies.definition import Methodology, get_methodology
from dualcarbon.methodologies.registry import CalculatorNotFoundError, get_calculator
from dualcarbon.methodologies.tables import TABLES
from dualcarbon.reports import charts
from dualcarbon.reports.i18n import (
    PRODUCTION_ORDER,
    check_lang,
    month_label,
    production_label,
    source_label,
    text,
    tier_label,
)

NONE = "—"
TRANSPOSE_ROWS = 8
"""Production tables of at most this many rows are shown with one column per row."""

# -- numbers -------------------------------------------------------------------------------------


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def fmt(value: float | None, digits: int = 2) -> str:
    """A number with thousands separators and a fixed number of decimals; ``—`` when missing."""
    if value is None or _missing(value):
        return NONE
    result = f"{value:,.{digits}f}"
    if result.startswith("-") and not result.strip("-0.,"):
        result = result[1:]
    return result


def fmt_sig(value: float | None, significant: int = 6) -> str:
    """A published value as printed: up to ``significant`` digits, no trailing zeros."""
    if value is None or _missing(value):
        return NONE
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    digits = min(max(significant - 1 - magnitude, 0), 12)
    result = f"{value:,.{digits}f}"
    if "." in result:
        result = result.rstrip("0").rstrip(".")
    return result


def fmt_share(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.2887`` → ``28.9%``."""
    if value is None or _missing(value):
        return NONE
    return f"{value * 100:.{digits}f}%"


_PRODUCTION_DIGITS = {
    "generation": 2,
    "supply": 2,
    "heat_supply": 2,
    "operating_hours": 1,
    "capacity": 1,
    "emission_tco2": 2,
    "coal_tce": 2,
    "supply_coal_rate_gce_kwh": 2,
    "heat_coal_rate_kgce_gj": 2,
}
_PRODUCTION_FRACTIONS = {"heat_ratio", "load_factor"}


def _fmt_production(column: str, value: float | None) -> str:
    if column in _PRODUCTION_FRACTIONS:
        return fmt_share(value, 2)
    if column in _PRODUCTION_DIGITS:
        return fmt(value, _PRODUCTION_DIGITS[column])
    if column.endswith("intensity"):
        return fmt(value, 4)
    if value is not None and not _missing(value) and abs(value) >= 100:
        return fmt(value, 2)
    return fmt_sig(value)


# -- what the template receives ------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A table cell of a report; ``note`` is a second, smaller line (a source under its id)."""

    text: str
    numeric: bool = False
    css: str = ""
    note: str = ""


@dataclass(frozen=True)
class Table:
    headers: list[Cell]
    rows: list[list[Cell]]
    footer: list[Cell] = field(default_factory=list)


@dataclass(frozen=True)
class Ref:
    """Evidence named by a line; a factor version used is shown by its short label (``F3``),
    linked to its row in the factor table."""

    text: str
    anchor: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Value:
    """One input of a line: name, value with unit, tier and evidence."""

    name: str
    value: str
    unit: str
    tier: str
    is_default: bool
    ref: Ref | None


@dataclass(frozen=True)
class TraceLine:
    line: str
    month: str
    where: str
    source: str
    item: str
    gas: str
    separate: bool
    activity: Value
    parameters: list[Value]
    emission: str
    explanation: str
    clause: str
    formula: str
    input_row: str
    is_default: bool


@dataclass(frozen=True)
class MonthRow:
    month: str
    consumption: str
    ncv: str
    ncv_tier: str
    carbon: str
    carbon_tier: str
    tco2: str
    explanations: list[str]
    ncv_default: bool = False
    carbon_default: bool = False

    @property
    def is_default(self) -> bool:
        return self.ncv_default or self.carbon_default


@dataclass(frozen=True)
class FuelGroup:
    title: str
    unit: str
    rows: list[MonthRow]
    annual: MonthRow | None


@dataclass(frozen=True)
class FactorRow:
    anchor: str
    label: str
    ref: str
    name: str
    value: str
    unit: str
    document: str
    table: str
    transcribed: str = ""
    """The mark of a value not read in the official text ('' for one that was), with its
    confidence in words as the tooltip and legend say."""


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    unit: str
    note: str = ""
    css: str = ""


# -- building the page ---------------------------------------------------------------------------


def render_html(
    result: AccountingResult,
    *,
    lang: str = "zh",
    uncertainty: AccountingUncertainty | None = None,
    improvements: ImprovementRanking | None = None,
) -> str:
    """The report as one self-contained HTML page (Chinese by default, ``lang="en"`` English)."""
    lang = check_lang(lang)
    context = _Report(result, lang).context()
    context["uncertainty"] = _uncertainty_context(uncertainty, lang) if uncertainty else None
    context["improvements"] = _improvements_context(improvements, lang) if improvements else None
    return templates().get_template("report.html.j2").render(**context)


def _improvements_context(ranking: ImprovementRanking, lang: str) -> dict[str, Any]:
    def action(i: Improvement) -> str:
        return i.action_zh if lang == "zh" else i.action_en

    def basis(i: Improvement) -> str:
        return i.basis_zh if lang == "zh" else i.basis_en

    return {
        "chart": charts.improvements_chart(ranking, lang),
        "by_uncertainty": [
            (action(i), fmt_share(i.variance_share), fmt(i.U_after), fmt(i.U_reduction), basis(i))
            for i in ranking.by_uncertainty
        ],
        "by_emissions": [
            (action(i), fmt(i.emission_difference), basis(i)) for i in ranking.by_emissions
        ],
        "calibrations": [(action(i), fmt(i.tier_restored), basis(i)) for i in ranking.calibrations],
        "unstated": [(action(i), basis(i)) for i in ranking.unstated],
    }


def _uncertainty_context(found: AccountingUncertainty, lang: str) -> dict[str, Any]:
    words = text(lang)
    return {
        "headline": words["uncertainty_headline"].format(
            value=fmt(found.value),
            U=fmt(found.U),
            k=f"{found.k:.2f}",
            coverage=fmt_share(found.coverage, 0),
            method=words[f"uncertainty_method_{found.method}"],
        ),
        "relative": words["uncertainty_relative"].format(relative=fmt_share(found.relative_U, 2)),
        "by_source": [
            (source_label(s.source, lang), fmt(s.value), fmt(s.u)) for s in found.by_source
        ],
        "budget": [
            (
                (b.label if lang == "zh" else b.label_en) or b.input,
                fmt_sig(b.value),
                fmt_sig(b.u, 3),
                b.distribution,
                fmt_share(b.variance_share),
            )
            for b in found.budget
        ],
        "without": words["uncertainty_without"].format(n=found.inputs_without_u)
        if found.inputs_without_u
        else "",
    }


def write_html(
    result: AccountingResult,
    path: str | os.PathLike[str],
    *,
    lang: str = "zh",
    uncertainty: AccountingUncertainty | None = None,
    improvements: ImprovementRanking | None = None,
) -> Path:
    """Render the report and write it to ``path`` (UTF-8) in one step: no half-written file."""
    page = render_html(result, lang=lang, uncertainty=uncertainty, improvements=improvements)
    return write_page(page, path)


def write_page(page: str, path: str | os.PathLike[str]) -> Path:
    """Write ``page`` to ``path`` (UTF-8) in one step — a partial file renamed into place — so
    a reader never finds a half-written report."""
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(target)
    return target


@cache
def templates() -> jinja2.Environment:
    """The report templates (``reports/templates``), autoescaped, strict about missing names."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dualcarbon.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _methodology(result: AccountingResult) -> Methodology | None:
    """The methodology version the result was computed with, if this package still holds it
    (for its English names); the report falls back to the result's own labels otherwise."""
    try:
        methodology = get_methodology(result.meta.methodology.split("@", 1)[0])
    except DualcarbonError:
        return None
    return methodology if methodology.ref == result.meta.methodology else None


class _Report:
    """The strings and tables of one report, in one language."""

    def __init__(self, result: AccountingResult, lang: str) -> None:
        self.result = result
        self.lang = lang
        self.words = text(lang)
        self.methodology = _methodology(result)
        self.lines = result.lines.sort("line")
        refs = list(dict.fromkeys([*result.meta.factors, *result.factors]))
        self.anchors = {ref: f"factor-{index}" for index, ref in enumerate(refs, start=1)}
        self.labels = {ref: f"F{index}" for index, ref in enumerate(refs, start=1)}
        self.fuel = self.lines.filter(pl.col("source") == "fuel_combustion")

    # -- labels

    def ref(self, value: str | None) -> Ref | None:
        if not value:
            return None
        anchor = self.anchors.get(value)
        return Ref(value, anchor, self.labels.get(value))

    def item(self, source: str, item: str, item_zh: str | None) -> str:
        if self.lang == "zh":
            return item_zh or item
        methodology = self.methodology
        if source == "fuel_combustion" and methodology and item in methodology.fuels:
            return methodology.fuels[item].name_en
        if item_zh and methodology:
            rule = next((s for s in methodology.sources if s.name_zh == item_zh), None)
            if rule is not None:
                return rule.name_en
        return item

    def where(self, facility: str | None, unit: str | None) -> str:
        return " / ".join(part for part in (facility, unit) if part) or NONE

    def status(self, counted: bool, sign: int) -> str:
        if not counted:
            return self.words["separate"]
        return self.words["counted"] if sign >= 0 else self.words["deducted"]

    # -- sections

    def context(self) -> dict[str, Any]:
        result = self.result
        meta = result.meta
        words = self.words
        title = " ".join(
            words["title"]
            .format(organisation=meta.organisation, facility=meta.facility, year=meta.year)
            .split()
        )
        if self.lang == "en" and not meta.facility:
            title = title.replace(" :", ":")
        methodology_title = meta.methodology_title
        document = ""
        if self.methodology is not None:
            if self.lang == "en":
                methodology_title = self.methodology.title_en
            document = self.methodology.document
        separate = self.lines.filter(~pl.col("counted"))
        monthly_svg = charts.monthly_chart(result, self.lang) if self.lines.height else None
        tier_svg = charts.tier_chart(result, self.lang)
        factors, documents_checked = self.factor_rows()
        return {
            "w": words,
            "lang": self.lang,
            "title": title,
            "meta": meta,
            "meta_rows": self.meta_rows(methodology_title, document),
            "kpis": self.kpis(separate),
            "by_source": self.by_source(),
            "by_gas": self.by_gas(),
            "by_unit": self.by_unit(),
            "monthly_svg": Markup(monthly_svg) if monthly_svg else None,
            "monthly_table": self.monthly_table(),
            "tier_svg": Markup(tier_svg) if tier_svg else None,
            "tier_table": self.tier_table(),
            "fuel_groups": self.fuel_groups(),
            "annual_table": self.annual_table(),
            "production_table": self.production_table(),
            "factors": factors,
            "documents_checked": documents_checked,
            "findings": self.findings(),
            "trace": (trace := self.trace()),
            "trace_summary": words["trace_summary"].format(n=len(trace)),
            "footer": words["footer"].format(engine=meta.engine),
        }

    def findings(self) -> list[dict[str, str]]:
        """The plausibility notes and the warnings someone acknowledged, with who and why."""
        lang: Lang = "en" if self.lang == "en" else "zh"
        shown = []
        for finding in self.result.findings:
            given = finding.accepted
            shown.append(
                {
                    "severity": finding.severity.value,
                    "label": finding.severity.label(lang),
                    "code": finding.code,
                    "where": finding.where(lang),
                    "rule": finding.rule_zh if lang == "zh" else finding.rule_en,
                    "basis": finding.basis,
                    "accepted": "" if given is None else given.describe(lang),
                }
            )
        return shown

    def meta_rows(self, methodology_title: str, document: str) -> list[tuple[str, str, str]]:
        meta = self.result.meta
        computed = meta.computed_at
        if computed.tzinfo is not None:
            computed_text = f"{computed.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"
        else:
            computed_text = computed.isoformat(sep=" ")
        methodology = " ".join(part for part in (methodology_title, document) if part)
        rows = [
            (self.words["organisation"], meta.organisation, ""),
            (self.words["facility"], meta.facility or NONE, ""),
            (self.words["year"], str(meta.year), ""),
            (self.words["methodology"], f"{methodology} · {meta.methodology}", ""),
            (self.words["computed_at"], computed_text, ""),
            (self.words["engine"], meta.engine, ""),
            (self.words["inventory_digest"], meta.inventory_digest[:12], meta.inventory_digest),
            (self.words["inventory_source"], meta.inventory_source, ""),
        ]
        return rows

    def kpis(self, separate: pl.DataFrame) -> list[Kpi]:
        words = self.words
        found = [
            Kpi(words["total"], fmt(self.result.total()), "tCO2e", words["total_note"], "headline")
        ]
        if separate.height:
            value = float(separate.select(self.result.signed.sum()).item() or 0.0)
            found.append(Kpi(words["reported_separately"], fmt(value), "tCO2e"))
        if self.fuel.height:
            shares = self.result.tier_shares().filter(pl.col("carbon_tier") == "default")
            share = float(shares["share"].sum()) if shares.height else 0.0
            found.append(
                Kpi(
                    words["default_share"],
                    fmt_share(share),
                    "",
                    css="warn" if share > 0 else "good",
                )
            )
            months = self.result.monthly_parameters().filter(pl.col("default_lines") > 0).height
            found.append(Kpi(words["default_months"], str(months), ""))
        return found

    def by_source(self) -> Table:
        words = self.words
        frame = self.lines.group_by("source").agg(
            self.result.signed.sum().alias("tco2e"),
            pl.len().alias("lines"),
            pl.col("counted").first(),
            pl.col("sign").first(),
        )
        total = self.result.total()
        by_name = {row["source"]: row for row in frame.iter_rows(named=True)}
        rows = []
        for source in charts.source_order(list(by_name)):
            row = by_name[source]
            share = row["tco2e"] / total if row["counted"] and total else None
            rows.append(
                [
                    Cell(source_label(source, self.lang)),
                    Cell(
                        self.status(row["counted"], row["sign"]),
                        css="" if row["counted"] else "muted",
                    ),
                    Cell(fmt(row["tco2e"]), numeric=True),
                    Cell(fmt_share(share), numeric=True),
                    Cell(str(row["lines"]), numeric=True),
                ]
            )
        return Table(
            [
                Cell(words["source"]),
                Cell(words["status"]),
                Cell(words["tco2e"], True),
                Cell(words["share"], True),
                Cell(words["lines"], True),
            ],
            rows,
            [
                Cell(words["total"]),
                Cell(words["counted"]),
                Cell(fmt(total), True),
                Cell(""),
                Cell(""),
            ],
        )

    def by_gas(self) -> Table:
        words = self.words
        frame = self.result.by("gas", counted_only=True)
        return Table(
            [Cell(words["gas"]), Cell(words["tco2e"], True), Cell(words["lines"], True)],
            [
                [
                    Cell(row["gas"] or NONE),
                    Cell(fmt(row["tco2e"]), True),
                    Cell(str(row["lines"]), True),
                ]
                for row in frame.iter_rows(named=True)
            ],
        )

    def unit_label(self) -> str:
        """What a unit is in this sector: a clinker line, a steel process, a potline series, as
        the methodology's own table names it; else the generic word."""
        if self.methodology is not None:
            generic = TABLES["fuel"].column("unit")
            for table in TABLES.values():
                if table.name not in self.methodology.tables:
                    continue
                column = table.column("unit")
                if column.label_zh != generic.label_zh:
                    return column.label_zh if self.lang == "zh" else column.label_en
        return self.words["unit"]

    def by_unit(self) -> Table:
        words = self.words
        frame = self.result.by("facility", "unit", counted_only=True)
        return Table(
            [
                Cell(words["facility"]),
                Cell(self.unit_label()),
                Cell(words["tco2e"], True),
                Cell(words["lines"], True),
            ],
            [
                [
                    Cell(row["facility"] or NONE),
                    Cell(row["unit"] or NONE),
                    Cell(fmt(row["tco2e"]), True),
                    Cell(str(row["lines"]), True),
                ]
                for row in frame.iter_rows(named=True)
            ],
        )

    def monthly_table(self) -> Table | None:
        if not self.lines.height:
            return None
        words = self.words
        frame = self.lines.group_by("month", "source").agg(self.result.signed.sum().alias("t"))
        counted = dict(self.lines.group_by("source").agg(pl.col("counted").first()).iter_rows())
        sources = charts.source_order(list(counted))
        ordered = [s for s in sources if counted[s]] + [s for s in sources if not counted[s]]
        values = {(row["month"], row["source"]): row["t"] for row in frame.iter_rows(named=True)}
        totals = dict(self.result.by("month", counted_only=True).select("month", "tco2e").rows())
        headers = [Cell(words["month"])]
        for source in ordered:
            label = source_label(source, self.lang)
            if not counted[source]:
                label = f"{label} ({words['separate']})"
            headers.append(Cell(label, True))
        headers.append(Cell(words["month_total"], True))
        rows = []
        for month in sorted({m for m, _ in values}):
            cells = [Cell(month_label(month, self.lang))]
            cells += [
                Cell(fmt(values.get((month, s))), True, "" if counted[s] else "muted")
                for s in ordered
            ]
            cells.append(Cell(fmt(totals.get(month, 0.0)), True, "strong"))
            rows.append(cells)
        footer = [Cell(words["year_total"])]
        for source in ordered:
            footer.append(Cell(fmt(sum(v for (_, s), v in values.items() if s == source)), True))
        footer.append(Cell(fmt(self.result.total()), True))
        return Table(headers, rows, footer)

    def tier_table(self) -> Table | None:
        shares = self.result.tier_shares()
        if not shares.height:
            return None
        words = self.words
        rows = sorted(
            shares.iter_rows(named=True), key=lambda r: charts.tier_rank(r["carbon_tier"])
        )
        return Table(
            [Cell(words["tier"]), Cell(words["tco2"], True), Cell(words["share"], True)],
            [
                [
                    Cell(
                        tier_label(row["carbon_tier"], self.lang),
                        css="default" if row["carbon_tier"] == "default" else "",
                    ),
                    Cell(fmt(row["tco2e"]), True),
                    Cell(fmt_share(row["share"]), True),
                ]
                for row in rows
            ],
        )

    def _tiers(self, tiers: Sequence[str | None]) -> str:
        labels = [tier_label(t, self.lang) for t in tiers if t]
        return " + ".join(labels) if labels else NONE

    def fuel_groups(self) -> list[FuelGroup]:
        if not self.fuel.height:
            return []
        keys = ["facility", "unit", "item"]
        info = self.fuel.group_by([*keys, "month"]).agg(
            pl.col("carbon_tier").unique().sort().alias("carbon_tiers"),
            pl.col("ncv_tier").unique().sort().alias("ncv_tiers"),
            pl.col(f"explanation_{self.lang}").alias("explanations"),
        )
        monthly = self.result.monthly_parameters().join(
            info, on=[*keys, "month"], how="left", nulls_equal=True
        )
        annual = {
            (row["facility"], row["unit"], row["item"]): row
            for row in self.result.annual_parameters().iter_rows(named=True)
        }
        item_zh = dict(self.fuel.select("item", "item_zh").unique("item").iter_rows())
        groups = []
        for frame in monthly.sort([*keys, "month"]).partition_by(keys, maintain_order=True):
            first = frame.row(0, named=True)
            unit = first["consumption_unit"] or ""
            rows = []
            for row in frame.iter_rows(named=True):
                carbon_tiers = row["carbon_tiers"] or []
                ncv_tiers = row["ncv_tiers"] or []
                rows.append(
                    MonthRow(
                        month=month_label(row["month"], self.lang),
                        consumption=fmt(row["consumption"]),
                        ncv=fmt(row["ncv"], 3),
                        ncv_tier=self._tiers(ncv_tiers),
                        carbon=fmt(row["carbon_content"], 5),
                        carbon_tier=self._tiers(carbon_tiers),
                        tco2=fmt(row["tco2"]),
                        explanations=[e for e in row["explanations"] or [] if e],
                        ncv_default="default" in ncv_tiers,
                        carbon_default="default" in carbon_tiers,
                    )
                )
            year = annual.get((first["facility"], first["unit"], first["item"]))
            annual_row = None
            if year is not None:
                annual_row = MonthRow(
                    month=self.words["year_total"],
                    consumption=fmt(year["consumption"]),
                    ncv=fmt(year["ncv"], 3),
                    ncv_tier="",
                    carbon=fmt(year["carbon_content"], 5),
                    carbon_tier="",
                    tco2=fmt(year["tco2"]),
                    explanations=[],
                )
            label = self.item("fuel_combustion", first["item"], item_zh.get(first["item"]))
            groups.append(
                FuelGroup(
                    title=f"{self.where(first['facility'], first['unit'])} · {label}",
                    unit=unit,
                    rows=rows,
                    annual=annual_row,
                )
            )
        return groups

    def annual_table(self) -> Table | None:
        if not self.fuel.height:
            return None
        words = self.words
        item_zh = dict(self.fuel.select("item", "item_zh").unique("item").iter_rows())
        rows = []
        for row in self.result.annual_parameters().iter_rows(named=True):
            unit = row["consumption_unit"] or ""
            rows.append(
                [
                    Cell(row["facility"] or NONE),
                    Cell(row["unit"] or NONE),
                    Cell(self.item("fuel_combustion", row["item"], item_zh.get(row["item"]))),
                    Cell(f"{fmt(row['consumption'])} {unit}".strip(), True),
                    Cell(f"{fmt(row['ncv'], 3)} GJ/{unit}", True),
                    Cell(f"{fmt(row['carbon_content'], 5)} tC/{unit}", True),
                    Cell(fmt(row["tco2"]), True),
                    Cell(
                        str(row["default_lines"]), True, "default" if row["default_lines"] else ""
                    ),
                ]
            )
        return Table(
            [
                Cell(words["facility"]),
                Cell(words["unit"]),
                Cell(words["fuel"]),
                Cell(words["consumption"], True),
                Cell(words["ncv"], True),
                Cell(words["carbon_content"], True),
                Cell(words["tco2"], True),
                Cell(words["default_lines"], True),
            ],
            rows,
        )

    def production_table(self) -> Table | None:
        """Production indicators: whatever numeric columns the result carries, known ones first.

        A few rows (one per unit and year) are shown transposed, one column per unit, so that a
        dozen indicators fit the page; monthly rows keep one row per record.
        """
        production = self.result.production
        if production is None or not production.height:
            return None
        keys = [c for c in ("facility", "unit", "month") if c in production.columns]
        hidden = {"_row", "input_row", "line", "month"}
        numeric = [
            name
            for name, dtype in production.schema.items()
            if dtype.is_numeric()
            and name not in hidden
            and production[name].null_count() < production.height
        ]
        known = [c for c in PRODUCTION_ORDER if c in numeric]
        columns = known + sorted(c for c in numeric if c not in known)
        frame = production.sort(keys) if keys else production
        records = list(frame.iter_rows(named=True))
        names = [self._production_key(record, keys) for record in records]
        if len(records) <= TRANSPOSE_ROWS:
            headers = [Cell(""), *(Cell(name, True) for name in names)]
            rows = [
                [
                    Cell(production_label(column, self.lang)),
                    *(Cell(_fmt_production(column, _float(r[column])), True) for r in records),
                ]
                for column in columns
            ]
            return Table(headers, rows)
        headers = [Cell(production_label(c, self.lang)) for c in keys]
        headers += [Cell(production_label(c, self.lang), True) for c in columns]
        rows = []
        for record in records:
            cells = [Cell(self._production_key(record, [key])) for key in keys]
            cells += [Cell(_fmt_production(c, _float(record[c])), True) for c in columns]
            rows.append(cells)
        return Table(headers, rows)

    def _production_key(self, record: Mapping[str, Any], keys: Sequence[str]) -> str:
        parts = []
        for key in keys:
            value = record[key]
            if key == "month":
                parts.append(month_label(value, self.lang))
            elif value is not None:
                parts.append(str(value))
        return " / ".join(parts) or NONE

    def factor_rows(self) -> tuple[list[FactorRow], list[tuple[str, str]]]:
        """The factor versions used, and the checking status of each source document once."""
        found = []
        checked: dict[str, str] = {}
        for ref, anchor in self.anchors.items():
            factor = self.result.factors.get(ref)
            if factor is None:
                found.append(FactorRow(anchor, self.labels[ref], ref, NONE, NONE, NONE, NONE, NONE))
                continue
            source = factor.source
            document = (source.document_zh if self.lang == "zh" else None) or source.document
            if source.verified:
                checked.setdefault(document, source.verified)
            found.append(
                FactorRow(
                    anchor=anchor,
                    label=self.labels[ref],
                    ref=ref,
                    name=factor.name_zh if self.lang == "zh" else factor.name_en,
                    value=fmt_sig(factor.value),
                    unit=unit_label(factor.unit, "en" if self.lang == "en" else "zh"),
                    document=document,
                    table=factor.table,
                    transcribed=(
                        self.words[f"confidence_{factor.effective_confidence}"]
                        if factor.transcribed
                        else ""
                    ),
                )
            )
        return found, list(checked.items())

    def trace(self) -> list[TraceLine]:
        lang = self.lang
        found = []
        for row in self.lines.iter_rows(named=True):
            unit = row["activity_unit"] or ""
            activity = Value(
                "",
                fmt(row["activity"]),
                unit,
                tier_label(row["activity_tier"], lang),
                row["activity_tier"] == "default",
                self.ref(row["activity_ref"]),
            )
            parameters = list(self._parameters(row, unit))
            found.append(
                TraceLine(
                    line=str(row["line"]),
                    month=month_label(row["month"], lang),
                    where=self.where(row["facility"], row["unit"]),
                    source=source_label(row["source"], lang),
                    item=self.item(row["source"], row["item"], row["item_zh"]),
                    gas=row["gas"] or "",
                    separate=not row["counted"],
                    activity=activity,
                    parameters=parameters,
                    emission=fmt((row["emission_co2e"] or 0.0) * (row["sign"] or 1)),
                    explanation=row[f"explanation_{lang}"] or "",
                    clause=row["clause"] or "",
                    formula=_formula(row["formula"]),
                    input_row="" if row["input_row"] is None else str(row["input_row"]),
                    is_default=any(p.is_default for p in parameters),
                )
            )
        return found

    def _parameters(self, row: Mapping[str, Any], unit: str) -> Iterable[Value]:
        lang = self.lang
        words = self.words
        if row["formula"] == "fuel_combustion_co2":
            yield Value(
                words["ncv"],
                fmt(row["ncv"], 3),
                f"GJ/{unit}",
                tier_label(row["ncv_tier"], lang),
                row["ncv_tier"] == "default",
                self.ref(row["ncv_ref"]),
            )
            yield Value(
                words["carbon_content"],
                fmt(row["carbon_content"], 5),
                f"tC/{unit}",
                tier_label(row["carbon_tier"], lang),
                row["carbon_tier"] == "default",
                self.ref(row["carbon_ref"]),
            )
            yield Value(
                words["oxidation_rate"],
                fmt_sig(row["oxidation_rate"]),
                "",
                tier_label("default", lang),
                False,
                self.ref(row["oxidation_rate_ref"]),
            )
        elif row["emission_factor"] is not None:
            yield Value(
                words["emission_factor"],
                fmt_sig(row["emission_factor"]),
                row["emission_factor_unit"] or "",
                tier_label(row["emission_factor_tier"], lang),
                False,
                self.ref(row["emission_factor_ref"]),
            )
        if row["gas"] and row["gas"] != "CO2" and row["gwp"] is not None:
            yield Value(
                words["gwp"], fmt_sig(row["gwp"]), "tCO2e/t", "", False, self.ref(row["gwp_ref"])
            )


def _float(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _formula(calculator_id: str | None) -> str:
    """The calculator's formula as printed; an id no longer registered shows as itself."""
    try:
        return get_calculator(calculator_id or "").formula
    except CalculatorNotFoundError:
        return calculator_id or ""
