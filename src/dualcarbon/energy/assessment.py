"""An inventory's energy assessment: its GB/T 2589 balance, and the grade of every indicator the
quota standards of its sector define and the inventory can compute."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dualcarbon.accounting.inventory import Inventory
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.energy.balance import EnergyBalance, EqualValue, energy_balance
from dualcarbon.energy.conditions import GradingConditions
from dualcarbon.energy.grade import GradeResult, grade
from dualcarbon.energy.green_electricity import (
    ClaimedCertificates,
    GreenElectricity,
    green_electricity,
)
from dualcarbon.energy.indicators import IndicatorValue, indicator_values
from dualcarbon.energy.metrology import KEY_UNIT_CLAUSE, EnergyMetrology, energy_metrology
from dualcarbon.energy.quotas import QuotaStandard, standards_for_sector
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.methodologies.definition import get_methodology


@dataclass(frozen=True)
class ScopedGrade:
    """One indicator of one scope (a unit, or the facility), its value and its grade."""

    value: IndicatorValue
    result: GradeResult


@dataclass(frozen=True)
class EnergyAssessment:
    balance: EnergyBalance
    grades: tuple[ScopedGrade, ...]
    standards: tuple[QuotaStandard, ...]
    not_computed: tuple[tuple[str, str, str, str], ...]
    """(standard, indicator, why in Chinese, why in English) for indicators of the sector's
    standards the inventory cannot give (graded from a given value with ``energy grade``)."""
    green: GreenElectricity | None = None
    metrology: EnergyMetrology | None = None

    def to_json(self) -> dict[str, Any]:
        balance = self.balance
        return {
            "schema": "dualcarbon.energy/1",
            "organisation": balance.organisation,
            "facility": balance.facility,
            "year": balance.year,
            "methodology": balance.methodology,
            "inventory_digest": balance.inventory_digest,
            "standard": "GB/T 2589-2020",
            "electricity_calibre": balance.calibre,
            "comprehensive_energy_tce": balance.total_tce,
            "consumed_tce": balance.consumed_tce,
            "exported_tce": balance.exported_tce,
            "u_tce": balance.total_u_tce,
            "by_carrier": balance.by_carrier().to_dicts(),
            "by_unit": balance.by_unit().to_dicts(),
            "coefficients": {
                ref: {"value": f.value, "unit": f.unit, "source": f.citation("en")}
                for ref, f in balance.coefficients.items()
            },
            "lines": balance.lines.to_dicts(),
            "grades": [grade_json(g.result, g.value) for g in self.grades],
            "green_electricity": None if self.green is None else green_json(self.green),
            "metrology": None
            if self.metrology is None
            else {
                "key_energy_using_unit": self.metrology.status,
                "clause": KEY_UNIT_CLAUSE,
                "by_tier": [
                    {"tier": t, "tce": tce, "share": share}
                    for t, tce, share in self.metrology.by_tier
                ],
                "measured_ncv_share": self.metrology.measured_coefficient_share,
                "unmeasured": [
                    {"carrier": c, "unit": u, "month": m, "tier": t}
                    for c, u, m, t in self.metrology.unmeasured
                ],
            },
            "not_computed": [
                {"standard": s, "indicator": i, "why_zh": zh, "why_en": en}
                for s, i, zh, en in self.not_computed
            ],
        }


def green_json(green: GreenElectricity) -> dict[str, Any]:
    rule = green.rule
    return {
        "purchased_mwh": green.purchased_mwh,
        "claimed_mwh": green.claimed_mwh,
        "share": green.share,
        "over_claimed_mwh": green.over_claimed_mwh,
        "location_based_tco2": green.location_tco2,
        "market_based_tco2": green.market_tco2,
        "grid_factor": {"value": green.grid_factor, "ref": green.grid_factor_ref},
        "contractual_allowed": green.allowed,
        "rule": None if rule is None else rule.model_dump(),
        "claims": [c.__dict__ for c in green.claimed],
    }


def grade_json(result: GradeResult, value: IndicatorValue | None = None) -> dict[str, Any]:
    to_next = result.to_next
    document: dict[str, Any] = {
        "standard": result.standard_number,
        "indicator": result.indicator,
        "name_zh": result.name_zh,
        "name_en": result.name_en,
        "clause": result.clause,
        "class": result.quota_class,
        "value": result.value,
        "unit": result.unit,
        "grade": result.grade,
        "meets_limit": result.meets_limit,
        "headroom": result.headroom,
        "to_next": None if to_next is None else {"grade": to_next[0], "reduce_by": to_next[1]},
        "limits": [
            {
                "grade": limit.grade,
                "base": limit.base,
                "limit": limit.limit,
                "reached": limit.reached,
                "steps": [
                    {
                        "correction": step.correction,
                        "clause": step.clause,
                        "before": step.before,
                        "after": step.after,
                        "declared": step.declared,
                        "zh": step.description_zh,
                        "en": step.description_en,
                    }
                    for step in limit.steps
                ],
            }
            for limit in result.limits
        ],
        "confidence": result.confidence,
        "notes_zh": list(result.notes_zh),
        "notes_en": list(result.notes_en),
    }
    if value is not None:
        document["scope"] = value.scope
        document["numerator"] = {"value": value.numerator, "unit": value.numerator_unit}
        document["denominator"] = {"value": value.denominator, "unit": value.denominator_unit}
    return document


def assess(
    inventory: Inventory,
    result: AccountingResult,
    conditions: GradingConditions | None = None,
    *,
    equal_value: EqualValue | None = None,
    standard_ids: tuple[str, ...] = (),
    conditions_source: str = "--conditions",
    claimed: tuple[ClaimedCertificates, ...] = (),
    with_grades: bool = True,
) -> EnergyAssessment:
    """The balance, then every computable indicator of the sector's standards, per scope.

    Every problem with the conditions (a unit without its class, a correction without its
    number) is reported at once; nothing is graded half.
    """
    conditions = conditions or GradingConditions()
    balance = energy_balance(inventory, result, equal_value=equal_value)
    # the quotas computed here (cement, coal units) state their limits with electricity at its
    # calorific equivalent; an equal value declared for the balance does not move them
    grade_balance = balance if equal_value is None else energy_balance(inventory, result)
    methodology = get_methodology(inventory.header.methodology)
    sector = methodology.sector
    standards = [
        s
        for s in (standards_for_sector(sector) if with_grades else [])
        if not standard_ids or s.id in standard_ids
    ]
    grades: list[ScopedGrade] = []
    skipped: list[tuple[str, str, str, str]] = []
    problems: list[InputProblem] = []
    for standard in standards:
        for indicator in standard.indicators:
            if not indicator.computable:
                skipped.append(
                    (
                        standard.number,
                        indicator.id,
                        f"{indicator.name_zh}：清单不能直接给出，请用 dualcarbon energy grade "
                        "--value 按数值评级",
                        f"{indicator.name_en}: not computable from the inventory; grade a given "
                        "value with dualcarbon energy grade --value",
                    )
                )
                continue
            try:
                values = indicator_values(indicator, grade_balance, inventory)
            except InputError as exc:
                problems += exc.problems
                continue
            for value in values:
                scoped = conditions.for_unit(value.scope)
                try:
                    graded = grade(
                        standard,
                        indicator.id,
                        value.value,
                        quota_class=scoped.quota_class,
                        conditions=scoped.numbers,
                        declared_clauses=scoped.clauses,
                        source=f"{conditions_source}: {value.scope or 'site'}",
                    )
                except InputError as exc:
                    problems += exc.problems
                    continue
                grades.append(ScopedGrade(value, graded))
    if problems:
        raise InputError(_once(problems))
    return EnergyAssessment(
        balance,
        tuple(grades),
        tuple(standards),
        tuple(skipped),
        green=green_electricity(result, methodology, claimed),
        metrology=energy_metrology(balance),
    )


def _once(problems: list[InputProblem]) -> list[InputProblem]:
    seen: dict[tuple[object, ...], InputProblem] = {}
    for p in problems:
        seen.setdefault((p.file, p.rule, p.field, p.row), p)
    return list(seen.values())
