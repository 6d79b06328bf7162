"""The energy report (能源消费与能耗限额对标报告): one self-contained HTML page, Chinese by default.

The comprehensive energy consumption by GB/T 2589-2020 with the coefficient each line used and
why, the energy per carrier, unit and month, and every graded indicator with its clause, class,
corrected limits step by step, the grade held and how far the next one is.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from dualcarbon import __version__
from dualcarbon.energy.assessment import EnergyAssessment
from dualcarbon.energy.balance import BASIS_EN, BASIS_ZH
from dualcarbon.energy.grade import GradeResult
from dualcarbon.energy.metrology import KEY_UNIT_CLAUSE
from dualcarbon.energy.quotas import get_quota_standard
from dualcarbon.reports.energy_charts import grade_chart, monthly_energy_chart
from dualcarbon.reports.html import fmt, fmt_sig, templates
from dualcarbon.reports.i18n import check_lang

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "能源消费与单位产品能耗限额对标报告",
        "organisation": "单位",
        "facility": "设施",
        "year": "年度",
        "methodology": "排放核算方法学（同一套数据）",
        "digest": "清单数据摘要 (SHA-256)",
        "calibre": "电力折标",
        "equivalent": "当量值（GB/T 2589-2020）",
        "equal_value": "等价值（申报）",
        "s_balance": "一、综合能耗（GB/T 2589-2020）",
        "total": "综合能耗",
        "consumed": "消耗",
        "exported": "输出（扣减）",
        "u": "标准不确定度",
        "carrier": "能源品种",
        "flow": "流向",
        "quantity": "实物量",
        "unit_col": "单位",
        "tce": "折标准煤 tce",
        "share": "占比",
        "s_units": "按生产单元",
        "scope": "生产单元",
        "site": "全厂（厂级计量）",
        "s_month": "按月",
        "s_coefficients": "折标系数",
        "basis": "依据",
        "lines": "行数",
        "coefficient": "系数",
        "source": "来源",
        "s_grades": "二、单位产品能耗与限额等级",
        "indicator": "指标",
        "standard": "标准",
        "class": "类别",
        "value": "实际值",
        "grade": "等级",
        "limits": "各级限额（修正后）",
        "to_next": "距上一等级",
        "headroom": "本级余量",
        "over": "超过限定值",
        "none_graded": "本清单所属行业没有可由清单直接计算的限额指标。",
        "grade_n": "{n}级",
        "reduce": "需降低 {d}（达{n}级）",
        "corrections": "修正过程",
        "confidence": "数值可信度",
        "notes": "说明",
        "not_computed": "未由清单计算的指标（可用 dualcarbon energy grade --value 按数值评级）",
        "s_green": "三、绿色电力消费",
        "over_claimed": "超出购入电量的核销（不对应本年用电）",
        "purchased": "购入电力",
        "claimed": "已核销绿证",
        "green_share": "绿电占比",
        "location_tco2": "间接排放（基于位置）",
        "market_tco2": "间接排放（基于市场）",
        "not_allowed": "不适用",
        "reference": "申报编号",
        "technology": "类型",
        "plant": "电站",
        "production": "生产月份",
        "no_claims": "未在证书账本中查到本单位本年度的绿电消费申报（主体“单位名称 年度”）。",
        "s_metrology": "四、能源计量",
        "key": "重点用能单位（年综合能源消费量 ≥ 1 万吨标准煤）",
        "designatable": "可被指定为重点用能单位（5 000 – 10 000 吨标准煤）",
        "other": "非重点用能单位（< 5 000 吨标准煤）",
        "status": "用能单位类别",
        "tier": "实物量数据来源",
        "measured_ncv": "燃料按实测低位发热量折标的比例",
        "unmeasured": "实物量非计量所得的行",
        "review_hint": "计量器具配备率、准确度等级与检定状态按 GB 17167 审查："
        "dualcarbon instruments review 台账.xlsx",
        "footer": "由 dualcarbon {version} 生成。限额数值的可信度：VERIFIED 已与标准原文核对；"
        "CORROBORATED 两份独立公开资料一致；"
        "TRANSCRIBED 仅一份自称依据标准原文的转录，未与原文核对；"
        "UNVERIFIED 未找到公开来源。",
    },
    "en": {
        "html_lang": "en",
        "title": "Energy consumption and quota grades",
        "organisation": "Organisation",
        "facility": "Facility",
        "year": "Year",
        "methodology": "Emissions methodology (same data)",
        "digest": "Inventory digest (SHA-256)",
        "calibre": "Electricity",
        "equivalent": "calorific equivalent (GB/T 2589-2020)",
        "equal_value": "equal value (declared)",
        "s_balance": "1. Comprehensive energy consumption (GB/T 2589-2020)",
        "total": "Comprehensive energy consumption",
        "consumed": "consumed",
        "exported": "exported (subtracted)",
        "u": "standard uncertainty",
        "carrier": "Carrier",
        "flow": "Flow",
        "quantity": "Quantity",
        "unit_col": "Unit",
        "tce": "tce",
        "share": "Share",
        "s_units": "By process unit",
        "scope": "Unit",
        "site": "site (fence meters)",
        "s_month": "By month",
        "s_coefficients": "Conversion coefficients",
        "basis": "Basis",
        "lines": "Lines",
        "coefficient": "Coefficient",
        "source": "Source",
        "s_grades": "2. Energy per unit product and quota grades",
        "indicator": "Indicator",
        "standard": "Standard",
        "class": "Class",
        "value": "Value",
        "grade": "Grade",
        "limits": "Limits (corrected)",
        "to_next": "To the next grade",
        "headroom": "Headroom",
        "over": "above the limiting value",
        "none_graded": "The standards of this sector define no indicator the inventory can "
        "compute.",
        "grade_n": "grade {n}",
        "reduce": "reduce by {d} (grade {n})",
        "corrections": "Corrections",
        "confidence": "Confidence of the numbers",
        "notes": "Notes",
        "not_computed": "Indicators not computed from the inventory (grade a value with "
        "dualcarbon energy grade --value)",
        "s_green": "3. Green electricity",
        "over_claimed": "Claimed beyond the electricity bought (covers nothing here)",
        "purchased": "Electricity bought",
        "claimed": "Certificates claimed",
        "green_share": "Green share",
        "location_tco2": "Indirect emissions (location-based)",
        "market_tco2": "Indirect emissions (market-based)",
        "not_allowed": "not applicable",
        "reference": "Claim",
        "technology": "Technology",
        "plant": "Plant",
        "production": "Produced",
        "no_claims": "The certificate ledger holds no green-electricity claim of this "
        "organisation for this year (subject '<organisation> <year>').",
        "s_metrology": "4. Energy metering",
        "key": "key energy-using unit (10 000 tce a year or more)",
        "designatable": "may be designated a key energy-using unit (5 000 – 10 000 tce)",
        "other": "not a key energy-using unit (below 5 000 tce)",
        "status": "Organisation",
        "tier": "Quantity source",
        "measured_ncv": "Share of fuel energy on a measured calorific value",
        "unmeasured": "Lines whose quantity was not metered",
        "review_hint": "Meter coverage, accuracy classes and calibration against GB 17167: "
        "dualcarbon instruments review register.xlsx",
        "footer": "Made by dualcarbon {version}. Confidence of quota numbers: VERIFIED read in "
        "the standard; CORROBORATED two independent public copies agree; TRANSCRIBED one public "
        "transcription that states it was taken from the standard, not read against it; "
        "UNVERIFIED no public source found.",
    },
}


def render_energy_report(assessment: EnergyAssessment, *, lang: str = "zh") -> str:
    lang = check_lang(lang)
    w = WORDS[lang]
    zh = lang == "zh"
    balance = assessment.balance
    total = balance.total_tce
    carriers = [
        {
            "carrier": row["carrier_zh"] if zh else str(row["carrier"]).replace("_", " "),
            "flow": w[row["flow"]],
            "quantity": fmt_sig(row["quantity"]),
            "unit": row["quantity_unit"],
            "tce": fmt(row["tce"], 2),
            "share": f"{100 * row['tce'] / total:.1f} %" if total else "",
        }
        for row in balance.by_carrier().iter_rows(named=True)
    ]
    units = [
        {
            "scope": row["unit"] if row["unit"] not in ("", "all") else w["site"],
            "tce": fmt(row["tce"], 2),
        }
        for row in balance.by_unit().iter_rows(named=True)
    ]
    bases = (
        balance.lines.group_by("carrier", "coefficient_basis", "coefficient_unit")
        .agg(
            pl.len().alias("lines"),
            pl.col("coefficient").min().alias("low"),
            pl.col("coefficient").max().alias("high"),
            pl.col("coefficient_ref").first().alias("ref"),
        )
        .sort("carrier", "coefficient_basis")
    )
    coefficients = []
    for row in bases.iter_rows(named=True):
        low, high = row["low"], row["high"]
        shown = fmt_sig(low, 5) if low == high else f"{fmt_sig(low, 5)} – {fmt_sig(high, 5)}"
        ref = row["ref"] or ""
        factor = balance.coefficients.get(ref)
        coefficients.append(
            {
                "carrier": str(row["carrier"]).replace("_", " "),
                "basis": (BASIS_ZH if zh else BASIS_EN)[row["coefficient_basis"]],
                "lines": row["lines"],
                "coefficient": f"{shown} {row['coefficient_unit']}",
                "source": factor.citation(lang) if factor else ref,
            }
        )
    grades = []
    chart_rows = []
    for scoped in assessment.grades:
        result, value = scoped.result, scoped.value
        name = result.name_zh if zh else result.name_en
        scope = value.scope or w["site"]
        chart_rows.append((f"{name}（{scope}）" if zh else f"{name} ({scope})", result))
        to_next = result.to_next
        grades.append(
            {
                "indicator": name,
                "scope": scope,
                "standard": result.clause,
                "class": result.class_name_zh or result.quota_class or "",
                "value": f"{fmt(result.value, 2)} {result.unit}",
                "grade": w["grade_n"].format(n=result.grade) if result.grade else w["over"],
                "met": result.meets_limit,
                "limits": "；".join(
                    f"{w['grade_n'].format(n=limit.grade)} {fmt(limit.limit, 2)}"
                    for limit in result.limits
                ),
                "to_next": ""
                if to_next is None
                else w["reduce"].format(d=fmt(to_next[1], 2), n=to_next[0]),
                "headroom": "" if result.headroom is None else fmt(result.headroom, 2),
                "steps": [
                    f"{w['grade_n'].format(n=limit.grade)}：{fmt(limit.base, 2)} → "
                    + "；".join(s.description_zh if zh else s.description_en for s in limit.steps)
                    + f" → {fmt(limit.limit, 2)}（{'；'.join(s.clause for s in limit.steps)}）"
                    for limit in result.limits
                    if limit.steps
                ],
                "confidence": result.confidence,
                "notes": _numerator_note(result, zh)
                + list(result.notes_zh if zh else result.notes_en)
                + (
                    [value.scope_note_zh if zh else value.scope_note_en]
                    if value.scope_note_en
                    else []
                ),
            }
        )
    context: dict[str, Any] = {
        "w": w,
        "title": w["title"],
        "particulars": [
            (w["organisation"], balance.organisation),
            (w["facility"], balance.facility),
            (w["year"], str(balance.year)),
            (w["methodology"], balance.methodology),
            (w["calibre"], w[balance.calibre]),
            (w["digest"], balance.inventory_digest),
        ],
        "total": fmt(total, 2),
        "balance_notes": list(balance.notes_zh if zh else balance.notes_en),
        "consumed": fmt(balance.consumed_tce, 2),
        "exported": fmt(balance.exported_tce, 2),
        "u": None if balance.total_u_tce is None else fmt(balance.total_u_tce, 2),
        "carriers": carriers,
        "units": units,
        "monthly_chart": monthly_energy_chart(balance, lang),
        "coefficients": coefficients,
        "grades": grades,
        "grade_chart": grade_chart(chart_rows, lang),
        "green": _green(assessment, w, zh),
        "metrology": _metrology(assessment, w, zh),
        "not_computed": [
            (s, zh_why if zh else en_why) for s, _, zh_why, en_why in assessment.not_computed
        ],
        "footer": w["footer"].format(version=__version__),
    }
    return templates().get_template("energy_report.html.j2").render(**context)


def _green(assessment: EnergyAssessment, w: dict[str, str], zh: bool) -> dict[str, Any] | None:
    green = assessment.green
    if green is None:
        return None
    rule = green.rule
    return {
        "facts": [
            (w["purchased"], f"{fmt(green.purchased_mwh, 2)} MWh"),
            (w["claimed"], f"{fmt(green.claimed_mwh, 0)} MWh"),
            (w["green_share"], f"{100 * green.share:.1f} %"),
            *(
                [(w["over_claimed"], f"{fmt(green.over_claimed_mwh, 0)} MWh")]
                if green.over_claimed_mwh
                else []
            ),
            (
                w["location_tco2"],
                f"{fmt(green.location_tco2, 2)} tCO2（{green.grid_factor:g} tCO2/MWh）",
            ),
            (
                w["market_tco2"],
                w["not_allowed"]
                if green.market_tco2 is None
                else f"{fmt(green.market_tco2, 2)} tCO2",
            ),
        ],
        "rule": None
        if rule is None
        else f"{rule.note_zh if zh else rule.note_en}（{rule.clause}）",
        "claims": [
            {
                "reference": c.reference,
                "mwh": fmt(c.mwh, 0),
                "technology": c.technology,
                "plant": c.plant,
                "production": c.production,
            }
            for c in green.claimed
        ],
    }


def _numerator_note(result: GradeResult, zh: bool) -> list[str]:
    """What the indicator's numerator holds, as its quota file says (e.g. cement grinding)."""
    numerator = get_quota_standard(result.standard).indicator(result.indicator).numerator
    if numerator is None or not numerator.note_en:
        return []
    return [numerator.note_zh if zh else numerator.note_en]


def _metrology(assessment: EnergyAssessment, w: dict[str, str], zh: bool) -> dict[str, Any] | None:
    found = assessment.metrology
    if found is None:
        return None
    return {
        "status": f"{w[found.status]}（{KEY_UNIT_CLAUSE}）",
        "tiers": [
            (tier, fmt(tce, 2), f"{100 * share:.1f} %") for tier, tce, share in found.by_tier
        ],
        "measured_ncv": f"{100 * found.measured_coefficient_share:.1f} %",
        "unmeasured": [
            (f"{c} {u} {m}月 {t}" if zh else f"{c} {u} month {m} {t}").strip()
            for c, u, m, t in found.unmeasured
        ],
    }
