"""A project's reductions for a monitoring period, year by year, with what they rest on."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from dualcarbon.accounting.result import AccountingResult, result_to_json
from dualcarbon.accounting.uncertainty import AccountingUncertainty, Method, account_uncertainty
from dualcarbon.methodologies.definition import Methodology
from dualcarbon.metrology.calibration import CalibrationRecord
from dualcarbon.metrology.instruments import Instrument
from dualcarbon.projects.eligibility import ClauseOutcome
from dualcarbon.projects.model import Period, PlanEntry, ProjectHeader
from dualcarbon.projects.monitoring import Correction, Reading

PROJECT_RESULT_SCHEMA = "dualcarbon.project-result/1"


@dataclass(frozen=True)
class ProjectResult:
    header: ProjectHeader
    methodology: Methodology
    accounting: AccountingResult
    applicability: tuple[ClauseOutcome, ...]
    corrections: tuple[Correction, ...]
    readings: tuple[Reading, ...]
    """Every monthly reading of a monitored parameter, as metered and as used."""
    plan: tuple[PlanEntry, ...]
    register_meters: tuple[Instrument, ...]
    calibrations: tuple[CalibrationRecord, ...] = ()
    """The calibration records of the plan's meters, oldest first."""

    @property
    def total(self) -> float:
        """The methodology's signed total over the monitoring period [tCO2e]: ER = BE − PE − LE
        for a CCER project, the net stored CO2 for a storage chain."""
        return self.accounting.total()

    def terms(self, lang: str = "zh") -> list[tuple[str, str, str]]:
        """(key, symbol, name) of each column of :meth:`by_year` before the total: every source
        of the methodology, a CCER methodology's PE and LE even where they are nil, and the
        subtotals it reports."""
        rules = self.methodology.project
        zh = lang == "zh"
        found = [
            (s.kind, s.formula.split("=")[0].strip(), s.name_zh if zh else s.name_en)
            for s in self.methodology.sources
        ]
        kinds = {kind for kind, _, _ in found}
        if "baseline" in kinds:
            found += [
                (kind, symbol, name)
                for kind, symbol, name in (
                    ("project", "PE_y", "项目排放" if zh else "project emissions"),
                    ("leakage", "LE_y", "泄漏" if zh else "leakage"),
                )
                if kind not in kinds
            ]
        if rules is not None:
            found += [(t.key, t.key, t.name_zh if zh else t.name_en) for t in rules.subtotals]
        return found

    def by_year(self) -> pl.DataFrame:
        """Each source's sum [tCO2e], the methodology's subtotals, and the signed ``total``, by
        year; for a grid-connected project also the net supply EG_PJ,y [MWh]."""
        lines = self.accounting.lines.with_columns(
            year=pl.col("unit").str.slice(0, 4).cast(pl.Int64)
        )
        rules = self.methodology.project
        signed = pl.col("emission_co2e") * pl.col("sign")
        columns = [
            pl.col("emission_co2e").filter(pl.col("source") == kind).sum().alias(kind)
            for kind, _, _ in self.terms()
            if rules is None or kind not in {t.key for t in rules.subtotals}
        ]
        columns += [
            signed.filter(pl.col("source").is_in(list(t.sources))).sum().alias(t.key)
            for t in (rules.subtotals if rules else ())
        ]
        columns.append(signed.filter(pl.col("counted")).sum().alias("total"))
        if self.methodology.source("baseline") is not None:
            columns.append(
                pl.col("activity")
                .filter((pl.col("source") == "baseline") & (pl.col("activity_unit") == "MWh"))
                .sum()
                .alias("net_supply_mwh")
            )
        return lines.group_by("year").agg(*columns).sort("year")

    def uncertainty(
        self, method: Method = "gum", *, seed: int | None = None, trials: int = 200_000
    ) -> AccountingUncertainty:
        """The reduction's uncertainty: every line through its calculator's equation, the
        published margins and weights one input each, shared by every month using them."""
        return account_uncertainty(self.accounting, method, seed=seed, trials=trials)

    def to_json(
        self, *, lang: str = "zh", uncertainty: AccountingUncertainty | None = None
    ) -> dict[str, Any]:
        header = self.header
        rules = self.methodology.project
        return {
            "schema": PROJECT_RESULT_SCHEMA,
            "project": {
                "id": header.id,
                "name": header.name,
                "owner": header.owner,
                "plant": header.plant_code,
                "grid": header.grid,
                "grid_connected": _date(header.grid_connected),
                "crediting_period": None
                if header.crediting_period is None
                else _period(header.crediting_period),
                "monitoring_period": _period(header.monitoring_period),
                "facts": dict(header.facts),
            },
            "methodology": {
                "ref": self.methodology.ref,
                "document": self.methodology.document,
                "title": self.methodology.title_zh if lang == "zh" else self.methodology.title_en,
                "project_emissions": (
                    (rules.project_emissions_zh if lang == "zh" else rules.project_emissions_en)
                    if rules
                    else None
                ),
                "leakage": (rules.leakage_zh if lang == "zh" else rules.leakage_en)
                if rules
                else None,
            },
            "applicability": [
                {
                    "clause": o.clause,
                    "rule": o.rule_zh if lang == "zh" else o.rule_en,
                    "declared": o.shown_zh if lang == "zh" else o.shown_en,
                    "met": o.met,
                }
                for o in self.applicability
            ],
            "monitoring_plan": [
                {"parameter": e.parameter, "meter": e.meter, "point": e.point, "note": e.note}
                for e in self.plan
            ],
            "meters": [
                {
                    "id": m.id,
                    "name": m.name,
                    "accuracy": str(m.accuracy),
                    "interval_months": m.interval_months,
                    "calibrations": [
                        {
                            "date": str(c.date),
                            "certificate": c.certificate,
                            "institute": c.institute,
                            "result": c.result.value,
                        }
                        for c in self.calibrations
                        if c.instrument_id == m.id
                    ],
                }
                for m in self.register_meters
            ],
            "conservative_corrections": [c.to_json() for c in self.corrections],
            "readings": [r.to_json() for r in self.readings],
            "by_year": [
                {key: _finite(value) for key, value in row.items()}
                for row in self.by_year().iter_rows(named=True)
            ],
            "total_name": (rules.total_name_zh if lang == "zh" else rules.total_name_en)
            if rules
            else None,
            "total_tco2e": _finite(self.total),
            "uncertainty": None if uncertainty is None else uncertainty.to_json(),
            "accounting": result_to_json(self.accounting, lang=lang),
        }


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _date(value: object) -> str | None:
    return None if value is None else str(value)


def _period(period: Period) -> dict[str, str]:
    return {"start": str(period.start), "end": str(period.end)}
