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

TERMS = ("baseline", "project", "leakage")
"""The sources of a project methodology: BE (sign +1), PE and LE (sign −1)."""


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
    def reduction(self) -> float:
        """ER = BE − PE − LE over the monitoring period [tCO2e]."""
        return self.accounting.total()

    def by_year(self) -> pl.DataFrame:
        """BE_y, PE_y, LE_y and ER_y [tCO2e], and the net supply EG_PJ,y [MWh], by year."""
        lines = self.accounting.lines.filter(pl.col("counted")).with_columns(
            year=pl.col("unit").str.slice(0, 4).cast(pl.Int64)
        )
        terms = [
            pl.col("emission_co2e").filter(pl.col("source") == term).sum().alias(term)
            for term in TERMS
        ]
        supply = (
            pl.col("activity")
            .filter((pl.col("source") == "baseline") & (pl.col("activity_unit") == "MWh"))
            .sum()
            .alias("net_supply_mwh")
        )
        table = lines.group_by("year").agg(*terms, supply).sort("year")
        return table.with_columns(
            reduction=pl.col("baseline") - pl.col("project") - pl.col("leakage")
        )

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
                "crediting_period": _period(header.crediting_period),
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
            "reduction_tco2e": _finite(self.reduction),
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
