"""The words of the accounting report, in Chinese (the default) and English.

Every label the report prints lives here, once per language, so the template holds no language of
its own. Both languages carry the same keys (a unit test checks it).
"""

from __future__ import annotations

from collections.abc import Mapping

LANGS: tuple[str, ...] = ("zh", "en")

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "{organisation} {facility} {year}年度温室气体排放核算报告",
        "subtitle": "温室气体排放核算报告",
        "meta": "报告信息",
        "organisation": "重点排放单位",
        "facility": "设施",
        "year": "核算年度",
        "methodology": "核算方法",
        "computed_at": "计算时间",
        "engine": "计算程序",
        "inventory_digest": "清单数据摘要 (SHA-256)",
        "inventory_source": "清单数据文件",
        "toc": "目录",
        "summary": "排放总量",
        "total": "排放总量",
        "total_note": "计入总量的排放源合计（扣减项已扣除）",
        "reported_separately": "单独报告（不计入总量）",
        "default_share": "燃料排放中采用元素碳缺省值的比例",
        "default_months": "采用缺省值的月份数（机组×燃料×月）",
        "by_source": "按排放源",
        "by_gas": "按温室气体",
        "by_unit": "按设施和机组",
        "source": "排放源",
        "status": "计入方式",
        "counted": "计入总量",
        "deducted": "从总量中扣减",
        "separate": "单独报告",
        "gas": "温室气体",
        "unit": "机组/排放单元",
        "lines": "明细行数",
        "share": "占比",
        "tco2e": "排放量 (tCO2e)",
        "tco2": "排放量 (tCO2)",
        "monthly": "逐月排放",
        "monthly_chart": "逐月排放量（按排放源堆叠，tCO2e）",
        "monthly_note": "柱状图为计入总量的排放源；单独报告的排放源以折线表示，不计入柱高。",
        "month": "月份",
        "month_total": "当月合计",
        "year_total": "全年",
        "tiers": "数据质量：元素碳含量的数据来源",
        "uncertainty": "测量不确定度",
        "uncertainty_headline": (
            "排放总量 {value} ± {U} tCO2e（k = {k}，包含概率 {coverage}，{method}）"
        ),
        "uncertainty_relative": "相对扩展不确定度 {relative}",
        "uncertainty_by_source": "按排放源",
        "uncertainty_budget": "不确定度分量（按对总方差的贡献排序）",
        "uncertainty_input": "输入量",
        "uncertainty_share": "方差占比",
        "uncertainty_without": "{n} 个输入量未给出不确定度，按准确值计入。",
        "uncertainty_method_gum": "GUM 不确定度传播律",
        "uncertainty_method_mcm": "蒙特卡洛法",
        "distribution_normal": "正态",
        "distribution_rectangular": "矩形",
        "tiers_chart": "燃料燃烧排放按元素碳含量数据来源的构成",
        "organisations_chart": "各组织年度排放量（按排放源堆叠，tCO2e）",
        "intensity_chart": "逐月供电碳排放强度（tCO2/MWh）",
        "tiers_note": "缺省值按核算方法的保守规定取值；占比越低，排放量越多地建立在实测数据上。",
        "tier": "数据来源",
        "no_fuel": "本次核算无化石燃料燃烧排放。",
        "parameters_monthly": "逐月燃料参数",
        "parameters_monthly_note": (
            "高亮的月份采用了缺省值，说明列给出原因及取值依据。"
            "元素碳含量为收到基，低位发热量为收到基。"
        ),
        "fuel": "燃料",
        "consumption": "消耗量",
        "ncv": "低位发热量",
        "carbon_content": "元素碳含量",
        "oxidation_rate": "碳氧化率",
        "explanation": "说明",
        "default_badge": "缺省值",
        "annual_parameters": "年度加权参数",
        "annual_parameters_note": "低位发热量与元素碳含量按各月消耗量加权平均。",
        "default_lines": "缺省值月数",
        "production": "生产数据与排放强度",
        "trace": "逐行计算过程",
        "trace_note": (
            "每一行是一个排放源 × 温室气体 × 月 × 机组的计算，列出全部输入、数据来源与依据条款。"
        ),
        "trace_summary": "展开全部 {n} 行计算明细",
        "line": "行",
        "item": "项目",
        "activity": "活动数据",
        "parameters": "参数",
        "emission": "排放量",
        "clause": "条款与公式",
        "input_row": "输入行",
        "emission_factor": "排放因子",
        "gwp": "全球增温潜势",
        "factors": "所用排放因子及参数版本",
        "factor_ref": "编号@版本",
        "factor_name": "名称",
        "value": "数值",
        "value_unit": "单位",
        "document": "来源文件",
        "table": "表/条款",
        "verified": "来源文件核对状态",
        "no_factors": "未使用缺省因子。",
        "footer": (
            "本报告由 {engine} 根据清单数据自动生成。每个合计均可在“逐行计算过程”中追溯至"
            "输入数据、数据来源及因子版本。"
        ),
        "none": "—",
        "caption_sep": "。",
        "months": "1月|2月|3月|4月|5月|6月|7月|8月|9月|10月|11月|12月",
        "mixed": "混合",
    },
    "en": {
        "html_lang": "en",
        "title": "{organisation} {facility}: greenhouse-gas emissions {year}",
        "subtitle": "Greenhouse-gas emissions accounting report",
        "meta": "About this report",
        "organisation": "Organisation",
        "facility": "Facility",
        "year": "Reporting year",
        "methodology": "Methodology",
        "computed_at": "Computed at",
        "engine": "Engine",
        "inventory_digest": "Inventory digest (SHA-256)",
        "inventory_source": "Inventory file",
        "toc": "Contents",
        "summary": "Total emissions",
        "total": "Total emissions",
        "total_note": "Sum of the sources counted in the total (deductions subtracted)",
        "reported_separately": "Reported separately (not in the total)",
        "default_share": "Share of fuel emissions on default carbon content",
        "default_months": "Months with a default (unit × fuel × month)",
        "by_source": "By source",
        "by_gas": "By gas",
        "by_unit": "By facility and unit",
        "source": "Source",
        "status": "Treatment",
        "counted": "Counted",
        "deducted": "Deducted",
        "separate": "Reported separately",
        "gas": "Gas",
        "unit": "Unit",
        "lines": "Lines",
        "share": "Share",
        "tco2e": "Emissions (tCO2e)",
        "tco2": "Emissions (tCO2)",
        "monthly": "Monthly emissions",
        "monthly_chart": "Monthly emissions by source (stacked, tCO2e)",
        "monthly_note": (
            "Bars stack the sources counted in the total; sources reported separately are drawn "
            "as lines and are not part of the bars."
        ),
        "month": "Month",
        "month_total": "Month total",
        "year_total": "Year",
        "tiers": "Data quality: where the carbon content comes from",
        "uncertainty": "Measurement uncertainty",
        "uncertainty_headline": (
            "Total {value} ± {U} tCO2e (k = {k}, coverage {coverage}, {method})"
        ),
        "uncertainty_relative": "Relative expanded uncertainty {relative}",
        "uncertainty_by_source": "By source",
        "uncertainty_budget": "Uncertainty budget (by share of the total's variance)",
        "uncertainty_input": "Input",
        "uncertainty_share": "Share of variance",
        "uncertainty_without": "{n} input(s) have no stated uncertainty and count as exact.",
        "uncertainty_method_gum": "GUM law of propagation",
        "uncertainty_method_mcm": "Monte Carlo",
        "distribution_normal": "normal",
        "distribution_rectangular": "rectangular",
        "tiers_chart": "Fuel-combustion emissions by tier of carbon content",
        "organisations_chart": "Emissions of the year by organisation (stacked by source, tCO2e)",
        "intensity_chart": "Monthly supply emission intensity (tCO2/MWh)",
        "tiers_note": (
            "Defaults follow the methodology's conservative rule; the lower their share, the more "
            "the emissions rest on measurement."
        ),
        "tier": "Tier",
        "no_fuel": "No fossil-fuel combustion in this inventory.",
        "parameters_monthly": "Monthly fuel parameters",
        "parameters_monthly_note": (
            "Highlighted months use a default; the explanation says why and how it was applied. "
            "Carbon content and NCV are on an as-received basis."
        ),
        "fuel": "Fuel",
        "consumption": "Consumption",
        "ncv": "NCV",
        "carbon_content": "Carbon content",
        "oxidation_rate": "Oxidation rate",
        "explanation": "Explanation",
        "default_badge": "default",
        "annual_parameters": "Annual weighted parameters",
        "annual_parameters_note": "NCV and carbon content are weighted by monthly consumption.",
        "default_lines": "Months on default",
        "production": "Production and emission intensity",
        "trace": "Line-by-line trace",
        "trace_note": (
            "Each line is one source × gas × month × unit, with every input, its tier and "
            "evidence, and the clause it follows."
        ),
        "trace_summary": "Show all {n} lines",
        "line": "Line",
        "item": "Item",
        "activity": "Activity",
        "parameters": "Parameters",
        "emission": "Emissions",
        "clause": "Clause and formula",
        "input_row": "Input row",
        "emission_factor": "EF",
        "gwp": "GWP",
        "factors": "Factor versions used",
        "factor_ref": "id@version",
        "factor_name": "Name",
        "value": "Value",
        "value_unit": "Unit",
        "document": "Source document",
        "table": "Table / clause",
        "verified": "How the source documents were checked",
        "no_factors": "No default factors were used.",
        "footer": (
            "Generated by {engine} from the inventory. Every total can be followed to its inputs, "
            "their tiers and the factor versions in the line-by-line trace."
        ),
        "none": "—",
        "caption_sep": ". ",
        "months": "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec",
        "mixed": "mixed",
    },
}

TIERS: dict[str, dict[str, str]] = {
    "zh": {
        "measured": "计量实测",
        "lab": "化验检测",
        "calculated": "计算",
        "supplier": "供应商提供",
        "default": "缺省值",
    },
    "en": {
        "measured": "measured",
        "lab": "lab analysis",
        "calculated": "calculated",
        "supplier": "supplier",
        "default": "default",
    },
}

SOURCES: dict[str, dict[str, str]] = {
    "zh": {
        "fuel_combustion": "化石燃料燃烧排放",
        "process": "工业生产过程排放",
        "purchased_electricity": "购入使用电力排放",
        "exported_electricity": "输出电力",
        "purchased_heat": "购入使用热力排放",
        "exported_heat": "输出热力",
        "co2_recovered": "CO2回收利用",
    },
    "en": {
        "fuel_combustion": "Fossil fuel combustion",
        "process": "Industrial processes",
        "purchased_electricity": "Purchased electricity",
        "exported_electricity": "Exported electricity",
        "purchased_heat": "Purchased heat",
        "exported_heat": "Exported heat",
        "co2_recovered": "CO2 recovered",
    },
}

PRODUCTION: dict[str, dict[str, str]] = {
    "zh": {
        "facility": "设施",
        "unit": "机组",
        "month": "月份",
        "generation": "发电量 (MWh)",
        "supply": "供电量 (MWh)",
        "heat_supply": "供热量 (GJ)",
        "heat_ratio": "供热比",
        "operating_hours": "运行小时数 (h)",
        "capacity": "装机容量 (MW)",
        "generation_intensity": "发电碳排放强度 (tCO2/MWh)",
        "supply_intensity": "供电碳排放强度 (tCO2/MWh)",
        "heat_intensity": "供热碳排放强度 (tCO2/GJ)",
        "load_factor": "负荷率",
        "emission_tco2": "化石燃料燃烧排放 (tCO2)",
        "coal_tce": "标准煤耗量 (tce)",
        "supply_coal_rate_gce_kwh": "供电煤耗 (gce/kWh)",
        "heat_coal_rate_kgce_gj": "供热煤耗 (kgce/GJ)",
    },
    "en": {
        "facility": "Facility",
        "unit": "Unit",
        "month": "Month",
        "generation": "Generation (MWh)",
        "supply": "Net supply (MWh)",
        "heat_supply": "Heat supplied (GJ)",
        "heat_ratio": "Heat-supply ratio",
        "operating_hours": "Operating hours (h)",
        "capacity": "Capacity (MW)",
        "generation_intensity": "Generation intensity (tCO2/MWh)",
        "supply_intensity": "Supply intensity (tCO2/MWh)",
        "heat_intensity": "Heat intensity (tCO2/GJ)",
        "load_factor": "Load factor",
        "emission_tco2": "Fuel-combustion emissions (tCO2)",
        "coal_tce": "Standard coal (tce)",
        "supply_coal_rate_gce_kwh": "Supply coal rate (gce/kWh)",
        "heat_coal_rate_kgce_gj": "Heat coal rate (kgce/GJ)",
    },
}

PRODUCTION_ORDER: tuple[str, ...] = (
    "generation",
    "supply",
    "heat_supply",
    "heat_ratio",
    "operating_hours",
    "capacity",
    "load_factor",
    "emission_tco2",
    "coal_tce",
    "supply_coal_rate_gce_kwh",
    "heat_coal_rate_kgce_gj",
    "generation_intensity",
    "supply_intensity",
    "heat_intensity",
)
"""Known production columns, in the order the report shows them; unknown ones follow."""


def check_lang(lang: str) -> str:
    """The language code if the report speaks it; else a :class:`ValueError` naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"report language must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def text(lang: str) -> Mapping[str, str]:
    return TEXT[check_lang(lang)]


def tier_label(tier: str | None, lang: str) -> str:
    if not tier:
        return TEXT[lang]["none"]
    return TIERS[lang].get(tier, tier)


def source_label(kind: str, lang: str) -> str:
    return SOURCES[lang].get(kind, kind)


def production_label(column: str, lang: str) -> str:
    return PRODUCTION[lang].get(column, column)


def month_label(month: int | None, lang: str) -> str:
    if month is None or not 1 <= month <= 12:
        return TEXT[lang]["none"] if month is None else str(month)
    return TEXT[lang]["months"].split("|")[month - 1]
