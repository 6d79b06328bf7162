"""The zero-carbon park evaluation: each indicator of the notice's indicator system against its
threshold, the core one by the park's size (``parks/data/zero-carbon-parks-2025.yaml``, its source
and confidence in its header)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from dualcarbon.energy.assessment import ScopedGrade
from dualcarbon.guards.safe_yaml import safe_load
from dualcarbon.parks.account import ParkAccount

Outcome = Literal["met", "not_met", "not_evaluated"]


@dataclass(frozen=True)
class Criterion:
    id: str
    kind: str
    name_zh: str
    name_en: str
    unit: str
    comparison: str
    limit: float | None
    bands: tuple[dict[str, Any], ...]
    note_zh: str
    note_en: str


@dataclass(frozen=True)
class IndicatorSystem:
    id: str
    document_zh: str
    document_en: str
    url: str
    confidence: str
    criteria: tuple[Criterion, ...]
    clean_fuels: frozenset[str]
    clean_source_zh: str
    clean_source_en: str


@cache
def indicator_system() -> IndicatorSystem:
    text = (
        resources.files("dualcarbon.parks")
        .joinpath("data", "zero-carbon-parks-2025.yaml")
        .read_text("utf-8")
    )
    raw: Any = safe_load(text)
    return IndicatorSystem(
        id=str(raw["id"]),
        document_zh=str(raw["document_zh"]),
        document_en=str(raw["document_en"]),
        url=str(raw["url"]),
        confidence=str(raw["confidence"]),
        criteria=tuple(
            Criterion(
                id=str(c["id"]),
                kind=str(c["kind"]),
                name_zh=str(c["name_zh"]),
                name_en=str(c["name_en"]),
                unit=str(c.get("unit", "")),
                comparison=str(c["comparison"]),
                limit=None if c.get("limit") is None else float(c["limit"]),
                bands=tuple(c.get("bands") or ()),
                note_zh=str(c.get("note_zh", "")),
                note_en=str(c.get("note_en", "")),
            )
            for c in raw["indicators"]
        ),
        clean_fuels=frozenset(raw["clean_energy"]["fuels"]),
        clean_source_zh=str(raw["clean_energy"]["source_zh"]),
        clean_source_en=str(raw["clean_energy"]["source_en"]),
    )


@dataclass(frozen=True)
class Assessed:
    criterion: Criterion
    value: float | None
    limit: float | None
    outcome: Outcome
    why_zh: str
    why_en: str


@dataclass(frozen=True)
class Evaluation:
    system: IndicatorSystem
    account: ParkAccount
    results: tuple[Assessed, ...]

    @property
    def core_met(self) -> bool:
        return all(r.outcome == "met" for r in self.results if r.criterion.kind == "core")


def evaluate(account: ParkAccount) -> Evaluation:
    system = indicator_system()
    return Evaluation(system, account, tuple(_assess(c, account) for c in system.criteria))


def _compare(value: float, limit: float, comparison: str) -> Outcome:
    met = value <= limit if comparison == "at_most" else value >= limit
    return "met" if met else "not_met"


def _assess(criterion: Criterion, account: ParkAccount) -> Assessed:
    if criterion.id == "carbon_per_energy":
        return _carbon(criterion, account)
    if criterion.id == "clean_energy_share":
        share = account.clean_energy_share
        if share is None or criterion.limit is None:
            return Assessed(
                criterion,
                None,
                criterion.limit,
                "not_evaluated",
                "园区无能源消费",
                "the park uses no energy",
            )
        value = share * 100
        return Assessed(
            criterion,
            value,
            criterion.limit,
            _compare(value, criterion.limit, criterion.comparison),
            f"清洁能源 {account.clean_energy_tce:,.0f} tce ÷ "
            f"能源消费 {account.gross_energy_tce:,.0f} tce",
            f"clean energy {account.clean_energy_tce:,.0f} tce ÷ energy used "
            f"{account.gross_energy_tce:,.0f} tce",
        )
    if criterion.id == "product_energy_grade":
        return _grades(criterion, account)
    declared = account.park.declared.get(criterion.id)
    if declared is None:
        return Assessed(
            criterion, None, criterion.limit, "not_evaluated", "园区未申报", "not declared"
        )
    if declared.not_applicable is not None:
        return Assessed(
            criterion,
            None,
            criterion.limit,
            "not_evaluated",
            f"不适用：{declared.not_applicable}",
            f"not applicable: {declared.not_applicable}",
        )
    assert declared.value is not None and criterion.limit is not None
    return Assessed(
        criterion,
        declared.value,
        criterion.limit,
        _compare(declared.value, criterion.limit, criterion.comparison),
        f"园区申报，证据：{declared.evidence or '未注明'}",
        f"declared by the park; evidence: {declared.evidence or 'not stated'}",
    )


def _carbon(criterion: Criterion, account: ParkAccount) -> Assessed:
    energy = account.energy_tce
    value = account.carbon_per_energy
    band = next(
        (
            b
            for b in criterion.bands
            if energy >= float(b.get("from_tce", 0))
            and energy < float(b.get("below_tce", float("inf")))
        ),
        None,
    )
    limit = None if band is None or band.get("limit") is None else float(band["limit"])
    size_zh = f"年综合能源消费量 {energy / 10000:,.2f} 万 tce"
    size_en = f"annual comprehensive energy {energy:,.0f} tce"
    if value is None:
        return Assessed(
            criterion, None, limit, "not_evaluated", "园区无能源消费", "the park uses no energy"
        )
    if value <= 0:
        return Assessed(
            criterion,
            value,
            limit,
            "not_evaluated",
            f"{size_zh}：园区向外输出的电力、热力按排放因子扣减后排放量为 "
            f"{account.market_tco2e:,.0f} tCO2，不大于零，"
            "该比值不能说明园区的低碳水平（决定 0026）",
            f"{size_en}: after the energy sold outside is deducted at its factors the park's "
            f"emissions are {account.market_tco2e:,.0f} tCO2, not above zero; the ratio says "
            "nothing of the park (decision 0026)",
        )
    if limit is None:
        return Assessed(
            criterion,
            value,
            None,
            "not_evaluated",
            f"{size_zh}：不足 20 万 tce 的园区的限值未查到",
            f"{size_en}: the threshold for parks under 200,000 tce was not found",
        )
    return Assessed(
        criterion,
        value,
        limit,
        _compare(value, limit, criterion.comparison),
        f"{size_zh}，适用 ≤ {limit:g} tCO2/tce；"
        f"碳排放 {account.market_tco2e:,.0f} tCO2（绿电按零计）",
        f"{size_en}, threshold ≤ {limit:g} tCO2/tce; emissions {account.market_tco2e:,.0f} tCO2 "
        "(green electricity at zero)",
    )


def _grades(criterion: Criterion, account: ParkAccount) -> Assessed:
    graded = [(m.name, g) for m in account.members for g in m.grades]
    if not graded:
        return Assessed(
            criterion,
            None,
            criterion.limit,
            "not_evaluated",
            "没有成员给出能耗限额评级条件，或其产品无国家能耗限额标准",
            "no member gave grading conditions, or its products have no national quota",
        )
    limit = int(criterion.limit or 2)
    grades = [g.result.grade for _, g in graded]
    short = [grade for grade in grades if grade is None or grade > limit]

    def scope(g: ScopedGrade) -> str:
        return f" {g.value.scope}" if g.value.scope else ""

    listed_zh = "；".join(
        f"{name}{scope(g)} {g.result.name_zh} "
        + (f"{g.result.grade} 级" if g.result.grade else "未达限定值")
        for name, g in graded
    )
    listed_en = "; ".join(
        f"{name}{scope(g)} {g.result.name_en} "
        + (f"grade {g.result.grade}" if g.result.grade else "beyond the limiting value")
        for name, g in graded
    )
    worst = None if any(grade is None for grade in grades) else float(max(g for g in grades if g))
    return Assessed(
        criterion, worst, float(limit), "not_met" if short else "met", listed_zh, listed_en
    )


def evaluation_json(evaluation: Evaluation) -> dict[str, object]:
    system = evaluation.system
    return {
        "indicator_system": {
            "id": system.id,
            "document_zh": system.document_zh,
            "document_en": system.document_en,
            "url": system.url,
            "confidence": system.confidence,
        },
        "core_met": evaluation.core_met,
        "indicators": [
            {
                "id": r.criterion.id,
                "kind": r.criterion.kind,
                "name_zh": r.criterion.name_zh,
                "name_en": r.criterion.name_en,
                "unit": r.criterion.unit,
                "comparison": r.criterion.comparison,
                "value": r.value,
                "limit": r.limit,
                "outcome": r.outcome,
                "why_zh": r.why_zh,
                "why_en": r.why_en,
            }
            for r in evaluation.results
        ],
    }
