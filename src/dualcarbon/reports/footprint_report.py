"""The CFP study report of a product carbon footprint (GB/T 24067-2024 / ISO 14067:2018,
clause 7): one self-contained, printable (A4) HTML page, Chinese by default, English on request.

:func:`render_footprint_report` takes a :class:`~dualcarbon.footprint.footprint.FootprintResult`
(which carries its product system and, in it, the study's own facts,
:class:`~dualcarbon.footprint.study.StudyInfo`), optionally a Monte Carlo run and a carbon label,
and returns the page. Numbers are formatted here; the template
(``templates/footprint_report.html.j2``, autoescaped) only places strings. Whatever the study
leaves empty is printed as a visible "not stated" (未说明) marker, never invented.

Checklist: what the report holds, and why
-----------------------------------------
Clause numbers are those of ISO 14067:2018 as recalled by the team, not read in the official
text (confidence: low, the numbers are approximate); GB/T 24067-2024 (National Standard
Announcement 2024 No. 17) is modelled on ISO 14067 and adds the items marked "GB/T 24067"
(confidence: medium, from public summaries of it, not its text). The report's
own checklist table (section ``#checklist``) repeats this list with each item's status.

=====================================  =================================  ====================
Element                                Requirement                        Section
=====================================  =================================  ====================
Functional/declared unit, ref. flow    ISO 14067 6.3.3; 7                 ``#scope``
System boundary and its stages         ISO 14067 6.3.4; 7                 ``#scope``
Excluded stages and processes, with    ISO 14067 6.3.4 (cut-off           ``#cutoff``
reasons and estimated shares           criteria); 7
Data sources, data quality (pedigree,  ISO 14067 6.3.5; 7                 ``#data``
PACT DQR), primary-data share
Allocation: co-products, recycling     ISO 14067 6.4.6 (ISO 14044         ``#allocation``
                                       4.3.4); 7
Time period; geography of the data     ISO 14067 6.3.4; 7; GB/T 24067     ``#period``
                                       (geographic boundary of data)
Results per life-cycle stage           ISO 14067 7                        ``#results``
Fossil, biogenic emissions, biogenic   ISO 14067 6.4.9; 7                 ``#results``
removals, dLUC, aircraft — separately
Carbon in the product: documented,     ISO 14067 6.4.9 (storage); 7       ``#results``
not subtracted
GWP values and IPCC report version     ISO 14067 7 (GWP100, latest IPCC)  ``#gwp``
Treatment of electricity               ISO 14067 6.4.9.4; 7               ``#electricity``
Uncertainty and sensitivity            ISO 14067 7                        ``#uncertainty``
Interpretation: significant issues,    ISO 14067 7                        ``#interpretation``
assumptions, limitations, conclusions
CFP-PCR used                           ISO 14067 7                        ``#review``
Critical review                        ISO 14067 7 (ISO/TS 14071);        ``#review``
                                       GB/T 24067 (鉴定性评审)
Commissioner, practitioner, date,      ISO 14067 7                        ``#review``
version
CFP declaration (label)                GB/T 24067 (产品碳足迹声明)         ``#label``
Contributions and the full trace       supports 7 (transparency)          ``#contributions``,
                                                                          ``#trace``
=====================================  =================================  ====================
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from markupsafe import Markup

import dualcarbon
from dualcarbon.errors import DualcarbonError
from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.footprint.cut_off import BASIS_UNIT, check_cut_off
from dualcarbon.footprint.footprint import ContributionLine, FootprintResult, GhgComponents
from dualcarbon.footprint.label import CarbonLabel, study_digest
from dualcarbon.footprint.model import (
    Boundary,
    ElectricityBasis,
    ExchangeKind,
    ProductSystem,
    Stage,
)
from dualcarbon.footprint.montecarlo import MonteCarloResult
from dualcarbon.footprint.pedigree import INDICATORS, PedigreeScores, weighted_scores
from dualcarbon.reports.footprint_charts import display_name, footprint_sankey
from dualcarbon.reports.html import Cell, Kpi, Table, fmt, fmt_sig, templates, write_page
from dualcarbon.reports.i18n import check_lang, footprint_text

CO2_PER_C = 44.0095 / 12.011
"""kg CO2 per kg C (molar masses, IUPAC)."""
KG_DIGITS = 3
"""Decimals of kgCO2e figures."""
HOTSPOT_SHARE = 0.10
"""A process counts as a significant contributor from this share of the total up."""


# -- what the template receives ------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """A statement of the study; ``missing`` prints the "not stated" marker instead."""

    text: str = ""
    missing: bool = False

    @classmethod
    def of(cls, value: str | None) -> Fact:
        if value is None or not value.strip():
            return cls(missing=True)
        return cls(value.strip())


@dataclass(frozen=True)
class Status:
    """How a checklist element stands: stated or not, with a note (not applicable, partly
    covered) or a breach of the study's own rule."""

    stated: bool
    note: str = ""
    breached: bool = False


@dataclass(frozen=True)
class Item:
    """A row of the element checklist."""

    element: str
    clause: str
    anchor: str
    stated: bool
    note: str = ""
    breached: bool = False


@dataclass(frozen=True)
class LabelBlock:
    issued: bool
    value: str
    per: str
    rows: list[tuple[str, Fact]] = field(default_factory=list)


# -- building the page ---------------------------------------------------------------------------


def render_footprint_report(
    result: FootprintResult,
    *,
    lang: str = "zh",
    monte_carlo: MonteCarloResult | None = None,
    coverage: float = 0.95,
    label: CarbonLabel | None = None,
    catalogue: FactorCatalogue | None = None,
) -> str:
    """The CFP study report of ``result`` as one HTML page (``lang`` ``"zh"`` or ``"en"``).

    ``monte_carlo`` (:func:`~dualcarbon.footprint.montecarlo.monte_carlo` of the same system) adds
    its interval at ``coverage`` and its median; ``label`` adds the issued carbon label.
    """
    lang = check_lang(lang)
    report = _FootprintReport(result, lang, catalogue or default_catalogue())
    context = report.context(monte_carlo, coverage, label)
    return templates().get_template("footprint_report.html.j2").render(**context)


def write_footprint_report(
    result: FootprintResult,
    path: str | os.PathLike[str],
    *,
    lang: str = "zh",
    monte_carlo: MonteCarloResult | None = None,
    coverage: float = 0.95,
    label: CarbonLabel | None = None,
) -> Path:
    """Render the report and write it to ``path`` (UTF-8) in one step: no half-written file."""
    page = render_footprint_report(
        result, lang=lang, monte_carlo=monte_carlo, coverage=coverage, label=label
    )
    return write_page(page, path)


def kg(value: float | None) -> str:
    """kgCO2e as the report prints them (3 decimals, thousands separated)."""
    return fmt(value, KG_DIGITS)


def share(part: float, whole: float) -> str:
    """``part`` as a percentage of ``whole`` (1 decimal); ``—`` when ``whole`` is 0."""
    return f"{100.0 * part / whole:.1f}%" if whole else "—"


def unit_text(unit: str) -> str:
    """A unit as printed: ``m**2`` → ``m²``."""
    return unit.replace("**2", "²").replace("**3", "³").replace("**-1", "⁻¹")


def stage_components(result: FootprintResult) -> dict[Stage, GhgComponents]:
    """The ISO 14067 6.4.9 components of each stage of the system (from its trace lines)."""
    lines: dict[Stage, list[ContributionLine]] = defaultdict(list)
    for line in result.trace:
        lines[line.stage].append(line)
    stages = list(dict.fromkeys([*result.matrices.system.stages, *lines]))
    return {stage: GhgComponents.of(tuple(lines[stage])) for stage in stages}


def factor_sensitivities(result: FootprintResult) -> list[tuple[str, float, float]]:
    r"""``(factor ref, kgCO2e, coefficient)`` per factor, largest first.

    The score :math:`c^\mathsf{T} B s` is linear in every factor of :math:`c` and of the folded
    background and electricity rows of :math:`B`, so the normalised sensitivity coefficient
    :math:`(\partial h / \partial k)\,(k / h)` of a factor :math:`k` is exactly the share of the
    total its lines contribute: +1 % on the factor moves the total by that share of 1 %."""
    sums: dict[str, float] = defaultdict(float)
    for line in result.trace:
        sums[line.factor_ref] += line.contribution
    total = result.total
    rows = [(ref, value, value / total if total else math.nan) for ref, value in sums.items()]
    return sorted(rows, key=lambda row: -abs(row[1]))


def line_scores(system: ProductSystem, line: ContributionLine) -> PedigreeScores | None:
    """The pedigree scores of a trace line's exchange (the activity data), if it has them."""
    exchange = system.process(line.process).exchanges[line.exchange_index - 1]
    return exchange.data_quality


def factor_scores(system: ProductSystem, line: ContributionLine) -> PedigreeScores | None:
    """The pedigree scores of a trace line's secondary factor (a background supply's), if any."""
    if not line.biosphere_row.startswith("background:"):
        return None
    product = line.biosphere_row.split(":", 1)[1]
    supply = next(s for s in system.background if s.product == product)
    return supply.data_quality


class _FootprintReport:
    def __init__(self, result: FootprintResult, lang: str, catalogue: FactorCatalogue) -> None:
        self.result = result
        self.system = result.matrices.system
        self.study = self.system.study
        self.cut_off_check = check_cut_off(result)
        self.lang = lang
        self.w = footprint_text(lang)
        self.catalogue = catalogue
        self.total = result.total

    # -- small helpers ---------------------------------------------------------------------

    def name(self, text: str) -> str:
        return display_name(text, self.lang)

    def process_name(self, process_id: str) -> str:
        return self.name(self.system.process(process_id).name)

    def stage(self, stage: Stage) -> str:
        return stage.label("zh" if self.lang == "zh" else "en")

    def missing_cell(self) -> Cell:
        return Cell(self.w["not_stated"], css="not-stated")

    def facts(self, values: Sequence[str]) -> list[Fact]:
        return [Fact.of(v) for v in values] or [Fact(missing=True)]

    # -- the whole page ---------------------------------------------------------------------

    def context(
        self, monte_carlo: MonteCarloResult | None, coverage: float, label: CarbonLabel | None
    ) -> dict[str, Any]:
        w = self.w
        system = self.system
        title = w["title"].format(product=self.name(system.name))
        names = {p.id: self.process_name(p.id) for p in system.processes}
        sankey = footprint_sankey(self.result, self.lang, names)
        uncertainty = self.uncertainty(monte_carlo, coverage)
        return {
            "w": w,
            "title": title,
            "meta_rows": self.meta_rows(),
            "checklist": self.checklist(monte_carlo is not None),
            "kpis": self.kpis(uncertainty),
            "sankey_svg": Markup(sankey) if sankey else None,
            "label": self.label_block(label),
            "scope": self.scope(),
            "stage_table": self.stage_boundary_table(),
            "process_table": self.process_table(),
            "cutoff": self.cutoff(),
            "cutoff_table": self.cutoff_table(),
            "cutoff_breach": self.cutoff_breach(),
            "data": self.data_facts(),
            "dqr_table": self.dqr_table(),
            "background_table": self.background_table(),
            "allocation_table": self.allocation_table(),
            "avoided_table": self.avoided_table(),
            "recycling": self.recycling(),
            "recycled_table": self.recycled_table(),
            "period": self.period(),
            "results_table": self.results_table(),
            "carbon_table": self.carbon_table(),
            "carbon_stated": bool(system.product.model_fields_set),
            "by_process": self.by_process(),
            "by_stage": self.by_stage(),
            "by_flow": self.by_flow(),
            "gwp": self.gwp(),
            "gwp_table": self.gwp_table(),
            "electricity_table": self.electricity_table(),
            "electricity_notes": self.electricity_notes(),
            "uncertainty": uncertainty,
            "sensitivity_table": self.sensitivity_table(),
            "sensitivity_notes": self.facts(self.study.sensitivity),
            "interpretation": self.interpretation(),
            "assumptions": self.facts(self.study.assumptions),
            "limitations": self.limitations(),
            "value_choices": self.facts(self.study.value_choices),
            "conclusions": self.facts(self.study.conclusions),
            "review": self.review(),
            "trace_table": self.trace_table(),
            "trace_summary": w["trace_summary"].format(n=len(self.result.trace)),
            "footer": w["footer"].format(engine=f"dualcarbon {dualcarbon.__version__}"),
        }

    def meta_rows(self) -> list[tuple[str, Fact]]:
        w, study, system = self.w, self.study, self.system
        return [
            (w["product"], Fact(self.name(system.name))),
            (w["product_system"], Fact(system.id)),
            (w["commissioner"], Fact.of(study.commissioner)),
            (w["practitioner"], Fact.of(study.practitioner)),
            (w["report_date"], Fact.of(study.report_date.isoformat() if study.report_date else "")),
            (w["version"], Fact.of(study.version)),
            (w["intended_application"], Fact.of(study.intended_application)),
            (w["intended_audience"], Fact.of(study.intended_audience)),
            (w["standard"], Fact(w["standard_value"])),
            (w["inputs_digest"], Fact(study_digest(system, self.result.overrides))),
            (w["engine"], Fact(f"dualcarbon {dualcarbon.__version__}")),
        ]

    def checklist(self, has_monte_carlo: bool) -> list[Item]:
        """Each element clause 7 asks for, ticked only when the study gives it: an element the
        study leaves open shows "not stated", one that fails its own rule shows the failure."""
        w, study, system = self.w, self.study, self.system
        in_use = system.boundary is not Boundary.CRADLE_TO_GATE
        rows: list[tuple[str, str, str, bool | Status]] = [
            ("cl_unit", "ISO 14067 6.3.3; 7", "scope", True),
            ("cl_boundary", "ISO 14067 6.3.4; 7", "scope", True),
            ("cl_capital", "ISO 14067 6.3.4; 7", "scope", bool(study.capital_goods.strip())),
            (
                "cl_scenarios",
                "ISO 14067 6.3; 7",
                "scope",
                bool(study.scenarios) if in_use else Status(True, w["not_applicable_gate"]),
            ),
            ("cl_cutoff", "ISO 14067 6.3.4; 7", "cutoff", self.cutoff_status()),
            ("cl_data", "ISO 14067 6.3.5; 7", "data", True),
            (
                "cl_collection",
                "ISO 14067 6.3.5; 7",
                "data",
                bool(study.data_collection.strip() and study.missing_data.strip()),
            ),
            ("cl_dqr", "ISO 14067 6.3.5; 7", "data", self.activity_dqr_status()),
            ("cl_allocation", "ISO 14067 6.4.6; ISO 14044 4.3.4; 7", "allocation", True),
            ("cl_period", "ISO 14067 6.3.4; 7; GB/T 24067", "period", True),
            ("cl_stages", "ISO 14067 7", "results", True),
            ("cl_components", "ISO 14067 6.4.9; 7", "results", True),
            (
                "cl_carbon",
                "ISO 14067 6.4.9; 7",
                "results",
                bool(system.product.model_fields_set),
            ),
            ("cl_gwp", "ISO 14067 7", "gwp", True),
            ("cl_electricity", "ISO 14067 6.4.9.4; 7", "electricity", True),
            ("cl_uncertainty", "ISO 14067 7", "uncertainty", has_monte_carlo),
            (
                "cl_sensitivity",
                "ISO 14067 7",
                "uncertainty",
                True if study.sensitivity else Status(bool(self.result.trace), w["engine_only"]),
            ),
            (
                "cl_assumptions",
                "ISO 14067 7",
                "interpretation",
                bool(study.assumptions and study.value_choices),
            ),
            ("cl_interpretation", "ISO 14067 7", "interpretation", True),
            ("cl_pcr", "ISO 14067 7", "review", bool(study.pcr.strip())),
            (
                "cl_review",
                "ISO 14067 7 (ISO/TS 14071); GB/T 24067",
                "review",
                bool(study.critical_review.strip()),
            ),
            (
                "cl_identity",
                "ISO 14067 7",
                "review",
                all(
                    (
                        study.commissioner.strip(),
                        study.practitioner.strip(),
                        study.report_date,
                        study.version.strip(),
                    )
                ),
            ),
            ("cl_declaration", "GB/T 24067", "label", True),
            ("cl_trace", "ISO 14067 7", "trace", True),
        ]
        items = []
        for key, clause, anchor, status in rows:
            if isinstance(status, bool):
                status = Status(status)
            items.append(Item(w[key], clause, anchor, status.stated, status.note, status.breached))
        return items

    def cutoff_status(self) -> bool | Status:
        """Stated, or the breach when a measured share exceeds the rule
        (:mod:`dualcarbon.footprint.cut_off`)."""
        check = self.cut_off_check
        if not check.breached:
            return True
        w = self.w
        parts = [
            w["cutoff_over_threshold"].format(
                product=e.product,
                share=f"{fmt_sig(e.measured_percent or 0.0, 3)}%",
                threshold=f"{fmt_sig(check.threshold_percent)}%",
            )
            for e in check.over_threshold
        ]
        if check.over_total:
            parts.append(
                w["cutoff_over_total"].format(
                    share=f"{fmt_sig(check.measured_total_percent or 0.0, 3)}%",
                    cap=f"{fmt_sig(check.total_percent)}%",
                )
            )
        return Status(False, "; ".join(parts), breached=True)

    def activity_dqr_status(self) -> bool | Status:
        """Stated when data-quality scores cover the activity data of every line that
        contributes; otherwise the share they cover, or not stated."""
        weight = sum(abs(line.contribution) for line in self.result.trace)
        covered = sum(
            abs(line.contribution)
            for line in self.result.trace
            if line.contribution and line_scores(self.system, line) is not None
        )
        if not covered:
            return False
        if covered >= weight * (1 - 1e-9):
            return True
        return Status(False, self.w["dqr_partial"].format(share=share(covered, weight)))

    # -- summary ----------------------------------------------------------------------------

    def kpis(self, uncertainty: dict[str, Any] | None) -> list[Kpi]:
        w, result = self.w, self.result
        unit = self.system.functional_unit
        kpis = [
            Kpi(
                w["total"],
                kg(result.total),
                "kgCO2e",
                w["per_unit"].format(kind=w[f"unit_{unit.kind}"], unit=self.name(unit.description)),
                "headline",
            ),
            Kpi(w["primary_share"], f"{result.primary_data_share:.1f}", "%", w["primary_note"]),
        ]
        if uncertainty:
            kpis.append(
                Kpi(
                    w["interval"].format(coverage=uncertainty["coverage"]),
                    f"{uncertainty['low']} – {uncertainty['high']}",
                    "kgCO2e",
                    w["interval_note"].format(draws=uncertainty["draws"]),
                    "range",
                )
            )
        else:
            kpis.append(Kpi(w["uncertainty"], w["not_stated"], "", w["no_monte_carlo"], "warn"))
        return kpis

    def label_block(self, label: CarbonLabel | None) -> LabelBlock:
        w, system, result = self.w, self.system, self.result
        boundary = self.boundary_label(system.boundary)
        if label is None:
            return LabelBlock(
                issued=False,
                value=kg(result.total),
                per=self.name(system.functional_unit.description),
                rows=[
                    (w["label_id"], Fact(missing=True)),
                    (w["standard"], Fact(w["standard_value"])),
                    (w["boundary"], Fact(boundary)),
                    (w["gwp_set"], Fact(system.gwp_set)),
                    (w["verification"], Fact(missing=True)),
                    (w["validity"], Fact(missing=True)),
                ],
            )
        verification = label.verification
        status = verification.status.label_zh if self.lang == "zh" else verification.status.label_en
        if verification.verifier:
            status += f" · {verification.verifier}"
        if verification.date:
            status += f" · {verification.date.isoformat()}"
        return LabelBlock(
            issued=True,
            value=kg(label.value),
            per=self.name(label.per),
            rows=[
                (w["label_id"], Fact(label.label_id)),
                (w["standard"], Fact(label.standard)),
                (w["boundary"], Fact(self.boundary_label(label.boundary))),
                (w["gwp_set"], Fact(label.gwp_set)),
                (w["label_interval"], self.label_interval(label)),
                (w["label_dqr"], self.label_dqr(label)),
                (w["verification"], Fact(status)),
                (
                    w["validity"],
                    Fact(f"{label.valid_from.isoformat()} – {label.valid_until.isoformat()}"),
                ),
                (w["label_issued"], Fact(label.issued.isoformat())),
                (w["inputs_digest"], Fact(label.inputs_digest[:23] + "…")),
            ],
        )

    def label_interval(self, label: CarbonLabel) -> Fact:
        u = label.uncertainty
        if u is None:
            return Fact(missing=True)
        return Fact(
            self.w["label_interval_value"].format(
                coverage=f"{100 * u.coverage:g}%", low=kg(u.low), high=kg(u.high), draws=u.draws
            )
        )

    def label_dqr(self, label: CarbonLabel) -> Fact:
        q = label.data_quality
        if q is None:
            return Fact(missing=True)
        return Fact(
            self.w["label_dqr_value"].format(
                technological=f"{q.technological:.1f}",
                geographical=f"{q.geographical:.1f}",
                temporal=f"{q.temporal:.1f}",
                coverage=f"{q.coverage_percent:.0f}%",
            )
        )

    def boundary_label(self, boundary: Boundary) -> str:
        return boundary.label_zh if self.lang == "zh" else boundary.label_en

    # -- scope, boundary, cut-off -----------------------------------------------------------

    def scope(self) -> list[tuple[str, Fact]]:
        w, system = self.w, self.system
        unit = system.functional_unit
        amount, flow_unit = self.result.reference_flow
        return [
            (
                w[f"unit_{unit.kind}"],
                Fact(
                    f"{self.name(unit.description)} ({fmt_sig(unit.amount)} {unit_text(unit.unit)})"
                ),
            ),
            (
                w["reference_flow"],
                Fact(f"{fmt_sig(amount)} {unit_text(flow_unit)} {system.reference_product}"),
            ),
            (w["boundary"], Fact(self.boundary_label(system.boundary))),
            (w["capital_goods"], Fact.of(self.study.capital_goods)),
            (w["scenarios"], Fact.of("; ".join(self.study.scenarios))),
        ]

    def stage_boundary_table(self) -> Table:
        w, system = self.w, self.system
        reasons = {e.stage: e.justification for e in system.stage_exclusions}
        rows = []
        for stage in Stage:
            if stage in system.stages:
                rows.append([Cell(self.stage(stage)), Cell(w["included"]), Cell("")])
                continue
            if stage in reasons:
                reason = Cell(reasons[stage])
            elif system.boundary is Boundary.CRADLE_TO_GATE:
                reason = Cell(w["partial_cfp_reason"])
            else:
                reason = self.missing_cell()
            rows.append([Cell(self.stage(stage)), Cell(w["excluded"], css="muted"), reason])
        return Table([Cell(w["stage"]), Cell(w["status"]), Cell(w["reason"])], rows)

    def process_table(self) -> Table:
        w = self.w
        rows = [
            [
                Cell(p.id, css="mono"),
                Cell(self.name(p.name)),
                Cell(p.location) if p.location else self.missing_cell(),
                Cell(self.stage(p.stage)),
                Cell(", ".join(p.products)),
            ]
            for p in self.system.processes
        ]
        headers = [w["process_id"], w["process"], w["location"], w["stage"], w["products"]]
        return Table([Cell(h) for h in headers], rows)

    def cutoff(self) -> list[tuple[str, Fact]]:
        w, rule = self.w, self.system.cut_off
        return [
            (w["cutoff_criterion"], Fact(w[f"criterion_{rule.criterion}"])),
            (w["cutoff_threshold"], Fact(f"{fmt_sig(rule.threshold_percent)}%")),
            (w["cutoff_total"], Fact(f"{fmt_sig(rule.total_percent)}%")),
            (w["justification"], Fact.of(rule.justification)),
        ]

    def cutoff_breach(self) -> str:
        status = self.cutoff_status()
        return status.note if isinstance(status, Status) else ""

    def cutoff_table(self) -> Table:
        w, result = self.w, self.result
        measured = {e.product: e.measured_percent for e in self.cut_off_check.exclusions}
        unit = BASIS_UNIT.get(self.cut_off_check.criterion)
        rows = []
        for exclusion in self.system.cut_off.exclusions:
            uses = [c for c in result.cut_off if c.product == exclusion.product]
            where = "; ".join(
                f"{c.process} #{c.exchange_index}: {fmt_sig(c.amount)} {unit_text(c.unit)}"
                for c in uses
            )
            rows.append(
                [
                    Cell(exclusion.product, css="mono"),
                    Cell(exclusion.reason),
                    Cell(where) if where else self.missing_cell(),
                    Cell(f"{fmt_sig(exclusion.estimated_share_percent)}%", numeric=True),
                    self.measured_cell(measured.get(exclusion.product)),
                ]
            )
        estimated = sum(e.estimated_share_percent for e in self.system.cut_off.exclusions)
        headers = [
            Cell(w["product"]),
            Cell(w["reason"]),
            Cell(w["where_used"]),
            Cell(w["estimated_share"], numeric=True),
            Cell(
                w["measured_share"].format(unit=unit) if unit else w["measured_share_none"],
                numeric=True,
            ),
        ]
        footer = [
            Cell(w["sum"]),
            Cell(""),
            Cell(""),
            Cell(f"{fmt_sig(estimated)}%", numeric=True),
            self.measured_cell(self.cut_off_check.measured_total_percent),
        ]
        return Table(headers, rows, footer if rows else [])

    def measured_cell(self, percent: float | None) -> Cell:
        if percent is None:
            return Cell("—", numeric=True)
        return Cell(f"{fmt_sig(percent, 3)}%", numeric=True)

    # -- data and data quality --------------------------------------------------------------

    def data_facts(self) -> list[tuple[str, Fact]]:
        w = self.w
        return [
            (w["primary_share"], Fact(f"{self.result.primary_data_share:.1f}%")),
            (w["data_collection"], Fact.of(self.study.data_collection)),
            (w["missing_data"], Fact.of(self.study.missing_data)),
        ]

    def dqr_table(self) -> Table:
        """DQRs (pedigree scores, 1 good – 5 poor, as PACT v3), emission-weighted, of the
        activity data and of the secondary factors, with the share of the total's |kgCO2e|
        that carries scores."""
        w, system = self.w, self.system
        weight = sum(abs(line.contribution) for line in self.result.trace)
        rows = []
        for key, scores_of in (("dqr_activity", line_scores), ("dqr_factors", factor_scores)):
            items = [
                (scores, line.contribution)
                for line in self.result.trace
                if (scores := scores_of(system, line)) is not None and line.contribution
            ]
            covered = sum(abs(c) for _, c in items)
            cells = [Cell(w[key])]
            if items:
                dqr = weighted_scores(items)
                cells += [Cell(f"{dqr[name]:.2f}", numeric=True) for name in INDICATORS]
            else:
                cells += [self.missing_cell() for _ in INDICATORS]
            cells.append(Cell(share(covered, weight), numeric=True))
            rows.append(cells)
        headers = [Cell("")]
        headers += [Cell(w[f"dqi_{name}"], numeric=True) for name in INDICATORS]
        headers.append(Cell(w["dqr_coverage"], numeric=True))
        return Table(headers, rows)

    def background_table(self) -> Table:
        w = self.w
        rows = []
        for supply in self.system.background:
            scores = supply.data_quality
            rows.append(
                [
                    Cell(supply.product, css="mono"),
                    Cell(self.name(supply.name)) if supply.name else self.missing_cell(),
                    Cell(fmt_sig(supply.emission_factor), numeric=True),
                    Cell(supply.emission_factor_unit),
                    Cell(supply.source),
                    Cell(str(scores.as_tuple())) if scores else self.missing_cell(),
                    Cell(w[f"origin_{supply.origin.value}"]),
                ]
            )
        headers = [
            w["product"],
            w["name"],
            w["factor"],
            w["unit"],
            w["factor_source"],
            w["pedigree"],
            w["origin"],
        ]
        return Table([Cell(h, numeric=i == 2) for i, h in enumerate(headers)], rows)

    # -- allocation and recycling -----------------------------------------------------------

    def allocation_table(self) -> Table:
        w = self.w
        rows = []
        for process in self.system.processes:
            allocation = process.allocation
            if allocation is None:
                continue
            for product, factor in allocation.factors.items():
                rows.append(
                    [
                        Cell(process.id, css="mono"),
                        Cell(w[f"allocation_{allocation.method.value}"]),
                        Cell(allocation.basis),
                        Cell(product, css="mono"),
                        Cell(fmt_sig(factor), numeric=True),
                        Cell(allocation.justification)
                        if allocation.justification
                        else self.missing_cell(),
                    ]
                )
        headers = [
            w["process"],
            w["allocation_method"],
            w["allocation_basis"],
            w["co_product"],
            w["allocation_factor"],
            w["justification"],
        ]
        return Table([Cell(h, numeric=i == 4) for i, h in enumerate(headers)], rows)

    def avoided_table(self) -> Table:
        w = self.w
        rows = [
            [
                Cell(process.id, css="mono"),
                Cell(str(index + 1), numeric=True),
                Cell(exchange.target, css="mono"),
                Cell(w["eol_recycling"] if exchange.eol_recycling else w["substitution"]),
            ]
            for process in self.system.processes
            for index, exchange in enumerate(process.exchanges)
            if exchange.kind is ExchangeKind.AVOIDED_PRODUCT
        ]
        headers = [Cell(w["process"]), Cell(w["exchange"]), Cell(w["product"]), Cell(w["kind"])]
        return Table(headers, rows)

    def recycling(self) -> list[tuple[str, Fact]]:
        w, recycling = self.w, self.system.recycling
        return [
            (w["recycling_method"], Fact(w[f"recycling_{recycling.method.value}"])),
            (
                w["justification"],
                Fact.of(recycling.justification or w[f"recycling_{recycling.method.value}_why"]),
            ),
        ]

    def recycled_table(self) -> Table:
        w = self.w
        rows = []
        for process in self.system.processes:
            for material, part in self.system.recycled_content(process.id).items():
                rows.append(
                    [
                        Cell(process.id, css="mono"),
                        Cell(material),
                        Cell(f"{100.0 * part:.1f}%", numeric=True),
                    ]
                )
        headers = [Cell(w["process"]), Cell(w["material"]), Cell(w["recycled_content"], True)]
        return Table(headers, rows)

    def period(self) -> list[tuple[str, Fact]]:
        w, system = self.w, self.system
        locations = sorted({p.location for p in system.processes if p.location})
        return [
            (
                w["period"],
                Fact(f"{system.period.start.isoformat()} – {system.period.end.isoformat()}"),
            ),
            (w["geography"], Fact(system.geography)),
            (w["process_locations"], Fact.of(", ".join(locations))),
        ]

    # -- results ----------------------------------------------------------------------------

    def results_table(self) -> Table:
        w = self.w
        parts = stage_components(self.result)
        rows = []
        for stage, c in parts.items():
            rows.append(
                [
                    Cell(self.stage(stage)),
                    Cell(kg(c.total), numeric=True, css="strong"),
                    Cell(share(c.total, self.total), numeric=True),
                    Cell(kg(c.fossil), numeric=True),
                    Cell(kg(c.biogenic_emissions), numeric=True),
                    Cell(kg(c.biogenic_removals), numeric=True),
                    Cell(kg(c.land_use_change), numeric=True),
                    Cell(kg(c.aircraft), numeric=True),
                ]
            )
        for stage in Stage:
            if stage not in parts:
                rows.append(
                    [Cell(self.stage(stage), css="muted"), Cell(w["not_included"], css="muted")]
                    + [Cell("", numeric=True) for _ in range(6)]
                )
        c = self.result.components
        footer = [
            Cell(w["total"]),
            Cell(kg(self.total), numeric=True),
            Cell(share(self.total, self.total), numeric=True),
            Cell(kg(c.fossil), numeric=True),
            Cell(kg(c.biogenic_emissions), numeric=True),
            Cell(kg(c.biogenic_removals), numeric=True),
            Cell(kg(c.land_use_change), numeric=True),
            Cell(kg(c.aircraft), numeric=True),
        ]
        headers = [
            Cell(w["stage"]),
            Cell(w["kgco2e"], True),
            Cell(w["share"], True),
            Cell(w["fossil"], True),
            Cell(w["biogenic_emissions"], True),
            Cell(w["biogenic_removals"], True),
            Cell(w["dluc"], True),
            Cell(w["aircraft"], True),
        ]
        return Table(headers, rows, footer)

    def carbon_table(self) -> Table:
        """The carbon the product holds [kg C per reference flow, and as kg CO2]."""
        w, product = self.w, self.system.product
        given = product.model_fields_set
        rows = []
        if product.mass is None:
            rows.append([Cell(w["mass"]), self.missing_cell(), Cell(""), Cell("", numeric=True)])
        else:
            rows.append(
                [Cell(w["mass"]), Cell(fmt_sig(product.mass), True), Cell("kg"), Cell("", True)]
            )
        for name in ("fossil_carbon", "biogenic_carbon", "recycled_carbon"):
            value = getattr(product, name)
            if name in given:
                cells = [
                    Cell(fmt_sig(value), numeric=True),
                    Cell("kg C"),
                    Cell(kg(value * CO2_PER_C), numeric=True),
                ]
            else:
                cells = [self.missing_cell(), Cell(""), Cell("", numeric=True)]
            rows.append([Cell(w[name]), *cells])
        headers = [Cell(""), Cell(w["value"], True), Cell(w["unit"]), Cell(w["as_co2"], True)]
        return Table(headers, rows)

    def by_process(self) -> Table:
        w, result = self.w, self.result
        stages: dict[str, set[Stage]] = defaultdict(set)
        for line in result.trace:
            stages[line.process].add(line.stage)
        ordered = sorted(result.by_process.items(), key=lambda kv: -abs(kv[1]))
        rows = [
            [
                Cell(process, css="mono"),
                Cell(self.process_name(process)),
                Cell(", ".join(self.stage(s) for s in Stage if s in stages[process])),
                Cell(kg(value), numeric=True),
                Cell(share(value, self.total), numeric=True),
            ]
            for process, value in ordered
        ]
        headers = [
            Cell(w["process_id"]),
            Cell(w["process"]),
            Cell(w["stage"]),
            Cell(w["kgco2e"], True),
            Cell(w["share"], True),
        ]
        footer = [
            Cell(w["total"]),
            Cell(""),
            Cell(""),
            Cell(kg(sum(result.by_process.values())), True),
            Cell(share(sum(result.by_process.values()), self.total), True),
        ]
        return Table(headers, rows, footer)

    def by_stage(self) -> Table:
        w, result = self.w, self.result
        rows = [
            [
                Cell(self.stage(stage)),
                Cell(kg(value), numeric=True),
                Cell(share(value, self.total), numeric=True),
            ]
            for stage, value in result.by_stage.items()
        ]
        footer = [
            Cell(w["total"]),
            Cell(kg(sum(result.by_stage.values())), True),
            Cell(share(sum(result.by_stage.values()), self.total), True),
        ]
        return Table(
            [Cell(w["stage"]), Cell(w["kgco2e"], True), Cell(w["share"], True)], rows, footer
        )

    def flow_label(self, row_id: str) -> str:
        kind, _, ref = row_id.partition(":")
        if kind == "background":
            supply = next(s for s in self.system.background if s.product == ref)
            return f"{self.w['flow_background']}: {self.name(supply.name) or ref}"
        if kind == "electricity":
            return f"{self.w['flow_electricity']}: {ref}"
        flow = self.system.flow(row_id)
        return f"{flow.name} ({flow.gas})" if flow.gas else flow.name

    def by_flow(self) -> Table:
        w, result = self.w, self.result
        ordered = sorted(result.by_flow.items(), key=lambda kv: -abs(kv[1]))
        rows = [
            [
                Cell(row, css="mono"),
                Cell(self.flow_label(row)),
                Cell(kg(value), numeric=True),
                Cell(share(value, self.total), numeric=True),
            ]
            for row, value in ordered
        ]
        footer = [
            Cell(w["total"]),
            Cell(""),
            Cell(kg(sum(result.by_flow.values())), True),
            Cell(share(sum(result.by_flow.values()), self.total), True),
        ]
        headers = [
            Cell(w["flow_id"]),
            Cell(w["flow"]),
            Cell(w["kgco2e"], True),
            Cell(w["share"], True),
        ]
        return Table(headers, rows, footer)

    # -- GWP, electricity -------------------------------------------------------------------

    def gwp(self) -> list[tuple[str, Fact]]:
        w, gwp_set = self.w, self.system.gwp_set
        source = next(
            (f.source for f in self.catalogue if f.kind == "gwp" and f.source.id == gwp_set), None
        )
        if source is None:
            document = Fact(missing=True)
            edition = Fact(missing=True)
        else:
            text = (
                source.document_zh if self.lang == "zh" and source.document_zh else source.document
            )
            document, edition = Fact(text), Fact(f"{source.publisher} {source.edition}")
        return [
            (w["gwp_set"], Fact(gwp_set)),
            (w["gwp_report"], edition),
            (w["gwp_document"], document),
            (w["gwp_horizon"], Fact(w["gwp_horizon_value"])),
        ]

    def gwp_table(self) -> Table:
        """The GWP of each gas the trace characterises, from the factor catalogue."""
        w = self.w
        refs = sorted(
            {line.factor_ref for line in self.result.trace if line.biosphere_row in self.flows()}
        )
        rows = []
        for ref in refs:
            try:
                factor = self.catalogue.get(ref)
            except DualcarbonError:
                rows.append([Cell(ref), self.missing_cell(), Cell(ref, css="mono"), Cell("")])
                continue
            rows.append(
                [
                    Cell(factor.gas or factor.subject),
                    Cell(fmt_sig(factor.value), numeric=True),
                    Cell(ref, css="mono"),
                    Cell(factor.table),
                ]
            )
        headers = [Cell(w["gas"]), Cell(w["gwp100"], True), Cell(w["factor_ref"]), Cell(w["table"])]
        return Table(headers, rows)

    def flows(self) -> set[str]:
        return {row.id for row in self.result.matrices.biosphere_rows if row.kind == "flow"}

    def electricity_table(self) -> Table:
        w = self.w
        sources = {(t.process, t.exchange_index): t.factor_source for t in self.result.trace}
        rows = []
        for use in self.result.electricity:
            choice = use.choice
            basis = choice.basis.label_zh if self.lang == "zh" else w[f"basis_{choice.basis.value}"]
            if choice.basis is ElectricityBasis.LOCATION_BASED:
                instrument = Cell(use.factor_ref or choice.grid_factor or "", css="mono")
                document = sources.get((use.process, use.exchange_index), "")
                evidence = Cell(w["grid_evidence"], note=document)
            elif choice.basis is ElectricityBasis.ON_SITE:
                instrument = Cell(w["on_site_instrument"])
                evidence = Cell(w["on_site_evidence"])
            else:
                instrument = Cell(choice.instrument or "", css="mono")
                evidence = Cell(choice.evidence) if choice.evidence else self.missing_cell()
            factor = "" if use.factor is None else fmt_sig(use.factor)
            rows.append(
                [
                    Cell(use.process, css="mono", note=f"#{use.exchange_index} {use.product}"),
                    Cell(basis),
                    Cell(fmt_sig(use.amount), numeric=True),
                    Cell(unit_text(use.unit), css="nowrap"),
                    Cell(factor, numeric=True),
                    instrument,
                    evidence,
                    Cell(kg(use.contribution), numeric=True),
                ]
            )
        headers = [
            Cell(w["exchange"]),
            Cell(w["basis"]),
            Cell(w["amount"], True),
            Cell(w["unit"]),
            Cell(w["factor_per_unit"], True),
            Cell(w["instrument"]),
            Cell(w["evidence"]),
            Cell(w["kgco2e"], True),
        ]
        return Table(headers, rows)

    def co2_only_grid(self) -> bool:
        """Whether a location-based choice uses a catalogue grid factor in CO2 (not CO2e)."""
        for use in self.result.electricity:
            grid = use.choice.grid_factor
            if use.choice.basis is not ElectricityBasis.LOCATION_BASED or grid is None:
                continue
            try:
                factor = self.catalogue.get(grid)
            except DualcarbonError:
                continue
            if "CO2e" not in factor.unit:
                return True
        return False

    def electricity_as_products(self) -> bool:
        """Electricity bought as an ordinary product (an openLCA package's grid process, a
        background supply in kWh) rather than with a sourcing choice: the study does use it."""
        for process in self.system.processes:
            for exchange in process.exchanges:
                if exchange.kind is ExchangeKind.TECHNOSPHERE and _is_electric(exchange.unit):
                    return True
        return any(_is_electric(supply.unit) for supply in self.system.background)

    def electricity_notes(self) -> list[str]:
        w = self.w
        notes = []
        if self.result.electricity:
            total = sum(use.contribution for use in self.result.electricity)
            notes.append(
                w["electricity_share"].format(value=kg(total), share=share(total, self.total))
            )
        elif self.electricity_as_products():
            notes.append(w["electricity_as_products"])
        else:
            notes.append(w["no_electricity"])
        if self.result.contractual:
            notes.append(
                w["location_based"].format(
                    market=kg(self.total), location=kg(self.result.location_based_total)
                )
            )
        if self.co2_only_grid():
            notes.append(w["grid_limitation"])
        return notes

    # -- uncertainty, sensitivity, interpretation -------------------------------------------

    def uncertainty(
        self, monte_carlo: MonteCarloResult | None, coverage: float
    ) -> dict[str, Any] | None:
        if monte_carlo is None:
            return None
        deterministic = monte_carlo.deterministic
        if not math.isclose(deterministic, self.total, rel_tol=1e-6, abs_tol=1e-9):
            raise ValueError(
                f"the Monte Carlo run scores {deterministic} without draws, the footprint is "
                f"{self.total}: it belongs to another system"
            )
        low, high = monte_carlo.interval(coverage)
        median = float(np.median(monte_carlo.scores))
        w = self.w
        return {
            "coverage": f"{100 * coverage:g}%",
            "low": kg(low),
            "high": kg(high),
            "draws": f"{monte_carlo.draws:,}",
            "rows": [
                (w["mc_draws"], f"{monte_carlo.draws:,}"),
                (w["mc_seed"], str(monte_carlo.seed)),
                (w["mc_deterministic"], f"{kg(deterministic)} kgCO2e"),
                (w["mc_median"], f"{kg(median)} kgCO2e"),
                (
                    w["interval"].format(coverage=f"{100 * coverage:g}%"),
                    f"{kg(low)} – {kg(high)} kgCO2e",
                ),
                (
                    w["mc_relative"],
                    f"{share(low - deterministic, deterministic)} / "
                    f"+{share(high - deterministic, deterministic)}",
                ),
                (
                    w["mc_solves"],
                    w["mc_solves_exact"]
                    if monte_carlo.exact_technosphere
                    else w["mc_solves_value"].format(
                        iterative=monte_carlo.iterative_draws, direct=monte_carlo.direct_draws
                    ),
                ),
            ],
        }

    def sensitivity_table(self) -> Table:
        w = self.w
        rows = [
            [
                Cell(ref, css="mono"),
                Cell(kg(value), numeric=True),
                Cell(f"{coefficient:.3f}", numeric=True),
                Cell(f"{coefficient * 10:+.2f}%", numeric=True),
            ]
            for ref, value, coefficient in factor_sensitivities(self.result)[:10]
        ]
        headers = [
            Cell(w["factor_ref"]),
            Cell(w["kgco2e"], True),
            Cell(w["sensitivity_coefficient"], True),
            Cell(w["sensitivity_ten"], True),
        ]
        return Table(headers, rows)

    def interpretation(self) -> list[str]:
        w, result, total = self.w, self.result, self.total
        out: list[str] = []
        if not total:
            return [w["zero_total"]]
        processes = sorted(result.by_process.items(), key=lambda kv: -abs(kv[1]))
        top_id, top_value = processes[0]
        out.append(
            w["top_process"].format(
                process=self.process_name(top_id),
                value=kg(top_value),
                share=share(top_value, total),
            )
        )
        stage, stage_value = max(result.by_stage.items(), key=lambda kv: abs(kv[1]))
        out.append(
            w["top_stage"].format(
                stage=self.stage(stage), value=kg(stage_value), share=share(stage_value, total)
            )
        )
        flow, flow_value = max(result.by_flow.items(), key=lambda kv: abs(kv[1]))
        out.append(
            w["top_flow"].format(
                flow=self.flow_label(flow), value=kg(flow_value), share=share(flow_value, total)
            )
        )
        hotspots = [(p, v) for p, v in processes if abs(v) >= HOTSPOT_SHARE * abs(total)]
        out.append(
            w["hotspots"].format(
                threshold=f"{100 * HOTSPOT_SHARE:g}%",
                n=len(hotspots),
                names=", ".join(self.process_name(p) for p, _ in hotspots),
                share=share(sum(v for _, v in hotspots), total),
            )
        )
        electricity = sum(use.contribution for use in result.electricity)
        if result.electricity:
            out.append(
                w["electricity_share"].format(
                    value=kg(electricity), share=share(electricity, total)
                )
            )
        return out

    def limitations(self) -> list[Fact]:
        """The study's own limitations, then those the engine knows of."""
        w, system = self.w, self.system
        found = [Fact.of(text) for text in self.study.limitations]
        if not found:
            found.append(Fact(missing=True))
        engine = []
        if system.boundary is Boundary.CRADLE_TO_GATE:
            engine.append(w["limit_partial"])
        estimated = sum(e.estimated_share_percent for e in system.cut_off.exclusions)
        if estimated:
            engine.append(w["limit_cutoff"].format(share=f"{fmt_sig(estimated)}%"))
        if self.co2_only_grid():
            engine.append(w["grid_limitation"])
        exact = self.exact_factors()
        if exact:
            engine.append(w["limit_exact_factors"].format(names=", ".join(exact)))
        return found + [Fact(f"{w['engine_note']} {text}") for text in engine]

    def exact_factors(self) -> list[str]:
        """The background and electricity factors the Monte Carlo run holds exact (no law of
        their own, no published uncertainty), as :mod:`~dualcarbon.footprint.matrices` folds
        them."""
        matrices = self.result.matrices
        spread = matrices.factors
        return [
            row.ref
            for row, kind, sigma, low, high in zip(
                matrices.biosphere_rows,
                spread.kind,
                spread.sigma,
                spread.low,
                spread.high,
                strict=True,
            )
            if row.kind != "flow" and (kind in (0, 1) or (sigma == 0 and low == high))
        ]

    def review(self) -> list[tuple[str, Fact]]:
        w, study = self.w, self.study
        return [
            (w["pcr"], Fact.of(study.pcr)),
            (w["critical_review"], Fact.of(study.critical_review)),
            (w["commissioner"], Fact.of(study.commissioner)),
            (w["practitioner"], Fact.of(study.practitioner)),
            (w["report_date"], Fact.of(study.report_date.isoformat() if study.report_date else "")),
            (w["version"], Fact.of(study.version)),
        ]

    # -- trace ------------------------------------------------------------------------------

    def trace_table(self) -> Table:
        w, system = self.w, self.system
        rows = []
        for number, line in enumerate(self.result.trace, start=1):
            scores = line_scores(system, line)
            rows.append(
                [
                    Cell(str(number), numeric=True),
                    Cell(line.process, css="mono", note=self.stage(line.stage)),
                    Cell(
                        f"#{line.exchange_index} {w['kind_' + line.kind.value]}",
                        note=line.target,
                    ),
                    Cell(fmt_sig(line.amount), numeric=True),
                    Cell(unit_text(line.unit), css="nowrap"),
                    Cell(fmt_sig(line.factor), numeric=True),
                    Cell(line.factor_ref, css="mono", note=line.factor_source),
                    Cell(
                        w["primary"] if line.primary else w["secondary"],
                        note=", ".join(map(str, scores.as_tuple())) if scores else "",
                    ),
                    Cell(kg(line.contribution), numeric=True),
                ]
            )
        headers = [
            Cell("#", True),
            Cell(w["process"]),
            Cell(w["exchange"]),
            Cell(w["amount"], True),
            Cell(w["unit"]),
            Cell(w["factor_per_unit"], True),
            Cell(w["factor_ref_source"]),
            Cell(w["data_kind"]),
            Cell(w["kgco2e"], True),
        ]
        footer = [Cell(""), Cell(w["total"])] + [Cell("") for _ in range(6)]
        footer.append(Cell(kg(sum(line.contribution for line in self.result.trace)), True))
        return Table(headers, rows, footer)


def _is_electric(unit: str) -> bool:
    """kWh and its multiples: the unit electricity is metered and sold in (MJ is heat as often)."""
    return unit.replace(" ", "") in ("Wh", "kWh", "MWh", "GWh", "TWh", "wan_kWh")
