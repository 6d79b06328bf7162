"""The verifier's checklist (核查清单) and the checks dualcarbon runs on a result to help answer it.

The items are data (``data/checklist.yaml``): the document-review and site points of the MEE
verification guide, with the sector guides' own points for the sectors they name. An item may
name an automatic check; each reads the stored result (its lines, inputs, findings and factors)
and says what it found and what it suggests. The verifier's outcome decides; the suggestion is
shown beside it, never written for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import numpy as np
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dualcarbon.accounting.findings import Finding, Severity
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.cems.comparison import MonthlyCo2, accounting_monthly, compare
from dualcarbon.errors import DualcarbonError, FactorDataError
from dualcarbon.guards.safe_yaml import safe_load
from dualcarbon.i18n import Lang, pick
from dualcarbon.methodologies.registry import get_calculator

Outcome = Literal["conform", "nonconform", "not_applicable"]
"""What the verifier concludes on an item: 符合, 不符合 (a finding is raised), 不适用."""
OUTCOMES: tuple[Outcome, ...] = ("conform", "nonconform", "not_applicable")
Hint = Literal["conform", "nonconform", "review", "not_applicable"]
Automatic = Literal[
    "completeness",
    "methodology",
    "instruments",
    "laboratory",
    "evidence",
    "recomputation",
    "plausibility",
    "cems",
    "carbon_tiers",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChecklistItem(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    clause: str
    stage: Literal["document_review", "site"]
    text_zh: str
    text_en: str
    automatic: Automatic | None = None
    sectors: tuple[str, ...] = Field(
        default=(), description="the sectors the item is for; empty: every sector"
    )


class Checklist(_Frozen):
    document: str
    document_en: str
    items: tuple[ChecklistItem, ...]

    def for_sector(self, sector: str) -> tuple[ChecklistItem, ...]:
        return tuple(i for i in self.items if not i.sectors or sector in i.sectors)


@cache
def checklist() -> Checklist:
    text = resources.files("dualcarbon.verification").joinpath("data", "checklist.yaml")
    try:
        found = Checklist.model_validate(safe_load(text.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise FactorDataError("verification/data/checklist.yaml", None, str(exc)) from None
    ids = [item.id for item in found.items]
    if len(set(ids)) != len(ids):
        raise FactorDataError("verification/data/checklist.yaml", "items", "ids repeat")
    return found


@dataclass(frozen=True)
class AutoCheck:
    """What an automatic check found on a result, and what it suggests."""

    hint: Hint
    text_zh: str
    text_en: str


def automatic_check(
    kind: Automatic, result: AccountingResult, cems: Sequence[MonthlyCo2] = ()
) -> AutoCheck:
    """What the check finds on ``result`` (``cems``: monthly CEMS CO2 attached to it, which the
    ``cems`` check compares with the accounting). A check that cannot run says so and asks for
    a look by hand: it never takes the checklist down."""
    try:
        if kind == "cems":
            return _cems(result, cems)
        if kind in _NEED_FINDINGS and _unchecked(result):
            return AutoCheck(
                "review",
                "该结果未经合理性与完整性检查（旧版本保存或仅用于算法测试），请人工核实",
                "the result was not run through the plausibility checks (stored before them, or "
                "computed for arithmetic tests only): check by hand",
            )
        return _CHECKS[kind](result)
    except DualcarbonError as exc:
        return AutoCheck(
            "review", f"自动核对无法完成：{exc}", f"the automatic check could not run: {exc}"
        )


_NEED_FINDINGS = frozenset({"completeness", "plausibility"})


def _unchecked(result: AccountingResult) -> bool:
    """Whether the plausibility checks did not run on the result (computed without them, or
    stored before there were any): an empty list of findings would then say nothing."""
    return not result.checked


def _completeness(result: AccountingResult) -> AutoCheck:
    codes = {
        "duplicate_row",
        "missing_month",
        "months_not_reported",
        "production_without_fuel",
        "fuel_without_production",
        "deduction_without_clinker",
    }
    found = [f for f in result.findings if f.code in codes]
    if not found:
        return AutoCheck(
            "conform",
            "未发现重复行、缺月或缺少对应记录（合理性与完整性检查）",
            "no row twice, no month missing, no record without its counterpart",
        )
    return AutoCheck(
        "review",
        "完整性检查的提示与经确认的警告：" + "；".join(_finding_text(f, "zh") for f in found),
        "completeness notes and acknowledged warnings: "
        + "; ".join(_finding_text(f, "en") for f in found),
    )


def _methodology(result: AccountingResult) -> AutoCheck:
    meta = result.meta
    return AutoCheck(
        "conform",
        f"按 {meta.methodology_title}（{meta.methodology}）核算；该方法适用于 {meta.year} 年度数据",
        f"accounted by {meta.methodology}, which governs data of {meta.year}",
    )


def _instruments(result: AccountingResult) -> AutoCheck:
    lines = result.lines
    linked = lines.filter(pl.col("instrument").is_not_null())
    if not linked.height:
        return AutoCheck(
            "review",
            "读数未关联计量器具台账：请核对计量器具的检定/校准证书",
            "no reading is tied to the instrument register: check the certificates by hand",
        )
    flagged = linked.filter(pl.col("instrument_flag_zh").is_not_null())
    instruments = sorted(linked.get_column("instrument").unique().to_list())
    if flagged.height:
        names = sorted(flagged.get_column("instrument").unique().to_list())
        return AutoCheck(
            "nonconform",
            f"{flagged.height} 条读数的计量器具在读数月份超期或检定不合格：{', '.join(names)}",
            f"{flagged.height} reading(s) taken while their instrument was overdue or had "
            f"failed: {', '.join(names)}",
        )
    return AutoCheck(
        "conform",
        f"{linked.height} 条读数关联 {len(instruments)} 台计量器具，读数月份均在检定/校准有效期内",
        f"{linked.height} reading(s) tied to {len(instruments)} instrument(s), each within its "
        "calibration in the month read",
    )


_ACCREDITED = ("CMA", "CNAS")


def _laboratory(result: AccountingResult) -> AutoCheck:
    lab = result.inputs.filter(pl.col("tier") == "lab")
    if not lab.height:
        return AutoCheck("not_applicable", "没有实测（化验）数据", "no laboratory value")
    reports = sorted(lab.get_column("reference").drop_nulls().unique().to_list())
    silent = [r for r in reports if not any(mark in r.upper() for mark in _ACCREDITED)]
    if not silent:
        return AutoCheck(
            "conform",
            f"{len(reports)} 份检测报告均注明 CMA 或 CNAS",
            f"all {len(reports)} report(s) name CMA or CNAS",
        )
    shown = "、".join(silent[:8]) + ("…" if len(silent) > 8 else "")
    return AutoCheck(
        "review",
        f"{len(silent)} 份检测报告的编号未注明 CMA/CNAS，请核对化验机构资质：{shown}",
        f"{len(silent)} report(s) do not name CMA/CNAS; check the laboratory's accreditation: "
        + ", ".join(silent[:8]),
    )


def _evidence(result: AccountingResult) -> AutoCheck:
    weak = sorted(ref for ref, f in result.factors.items() if f.effective_confidence != "verified")
    if not weak:
        return AutoCheck(
            "conform",
            f"采用的 {len(result.factors)} 个缺省值均已对照出处核实",
            f"all {len(result.factors)} default(s) applied are verified against their source",
        )
    return AutoCheck(
        "review",
        f"{len(weak)} 个缺省值的出处尚未完全核实，请对照核算指南原文：{', '.join(weak)}",
        f"{len(weak)} default(s) not fully verified against their source: {', '.join(weak)}",
    )


def _recomputation(result: AccountingResult) -> AutoCheck:
    """Each line's emission recomputed from its inputs by its calculator's equation."""
    inputs = result.inputs
    wrong: list[int] = []
    for (calculator_id,), group in inputs.group_by("calculator"):
        calculator = get_calculator(str(calculator_id))
        equation = calculator.compiled()
        wide = group.pivot(on="slot", index="line", values="value", aggregate_function="first")
        missing = [name for name in equation.inputs if name not in wide.columns]
        if missing:
            continue
        values = {name: wide.get_column(name).to_numpy() for name in equation.inputs}
        computed = np.asarray(equation.evaluate(values), dtype=float)
        stated = (
            result.lines.select("line", "emission")
            .join(wide.select("line"), on="line", how="right")
            .get_column("emission")
            .to_numpy()
        )
        mismatch = ~np.isclose(computed, stated, rtol=1e-9, atol=1e-9)
        wrong += wide.get_column("line").filter(pl.Series(mismatch)).to_list()
    if wrong:
        return AutoCheck(
            "nonconform",
            f"{len(wrong)} 条排放记录重算不一致：第 {', '.join(map(str, wrong[:10]))} 条",
            f"{len(wrong)} line(s) do not recompute: {', '.join(map(str, wrong[:10]))}",
        )
    return AutoCheck(
        "conform",
        f"{result.lines.height} 条排放记录按计算器公式逐条重算一致",
        f"all {result.lines.height} line(s) recompute from their inputs by their equations",
    )


def _plausibility(result: AccountingResult) -> AutoCheck:
    accepted = [f for f in result.findings if f.accepted is not None]
    if not accepted:
        return AutoCheck(
            "conform",
            "合理性检查未发现须确认的警告",
            "the plausibility checks raised no warning to acknowledge",
        )
    return AutoCheck(
        "review",
        "经企业确认的警告（请核实其理由）：" + "；".join(_finding_text(f, "zh") for f in accepted),
        "warnings the enterprise acknowledged (check their reasons): "
        + "; ".join(_finding_text(f, "en") for f in accepted),
    )


def _cems(result: AccountingResult, cems: Sequence[MonthlyCo2]) -> AutoCheck:
    """Each unit-month's CEMS CO2 against the accounting: E_n = (E_CEMS − E_acc) /
    √(U_CEMS² + U_acc²), |E_n| ≤ 1 consistent (:mod:`dualcarbon.cems.comparison`)."""
    if not cems:
        return AutoCheck(
            "not_applicable",
            "未附在线监测月度数据；如有，请在本条上传（unit、month、co2_t、u_co2_t）",
            "no CEMS monthly data attached; where there is some, upload it on this item (unit, "
            "month, co2_t, u_co2_t)",
        )
    accounting = [m for m in accounting_monthly(result) if m.co2_t > 0]
    found = compare(cems, accounting)
    if not found.rows:
        return AutoCheck(
            "review",
            "在线监测数据与核算结果没有相同的机组·月份可对比",
            "the CEMS data and the result share no unit-month to compare",
        )
    outside = [r for r in found.rows if not r.consistent]
    shown = ", ".join(f"{r.unit}/{r.month}: {r.en:+.2f}" for r in outside[:8])
    if outside:
        return AutoCheck(
            "nonconform",
            f"{len(outside)}/{len(found.rows)} 个机组·月 |E_n| > 1"
            f"（差异超出两者不确定度）：{shown}",
            f"{len(outside)} of {len(found.rows)} unit-months with |E_n| > 1 (a gap beyond both "
            f"uncertainties): {shown}",
        )
    return AutoCheck(
        "conform",
        f"{len(found.rows)} 个机组·月在线监测与核算结果一致（|E_n| ≤ 1）",
        f"all {len(found.rows)} unit-months agree with CEMS (|E_n| ≤ 1)",
    )


def _carbon_tiers(result: AccountingResult) -> AutoCheck:
    fuel = result.lines.filter(pl.col("source") == "fuel_combustion")
    defaults = fuel.filter(pl.col("carbon_tier") == "default")
    if not fuel.height:
        return AutoCheck("not_applicable", "没有燃料燃烧记录", "no fuel combustion line")
    if not defaults.height:
        return AutoCheck(
            "conform",
            f"{fuel.height} 个机组·燃料·月份均采用实测元素碳含量",
            f"all {fuel.height} unit-fuel-months rest on measured carbon",
        )
    return AutoCheck(
        "review",
        f"{defaults.height}/{fuel.height} 个机组·燃料·月份采用缺省值（原因见各条说明）",
        f"{defaults.height} of {fuel.height} unit-fuel-months use the default (why: each line's "
        "explanation)",
    )


def _finding_text(finding: Finding, lang: Lang) -> str:
    rule = finding.rule_zh if lang == "zh" else finding.rule_en
    text = f"[{finding.code}] {finding.where(lang)} {rule}"
    given = finding.accepted
    if given is not None and finding.severity is Severity.WARNING:
        text += pick(lang, f"（{given.by}：{given.reason}）", f" ({given.by}: {given.reason})")
    return text


_CHECKS: dict[str, Callable[[AccountingResult], AutoCheck]] = {
    "completeness": _completeness,
    "methodology": _methodology,
    "instruments": _instruments,
    "laboratory": _laboratory,
    "evidence": _evidence,
    "recomputation": _recomputation,
    "plausibility": _plausibility,
    "carbon_tiers": _carbon_tiers,
}
