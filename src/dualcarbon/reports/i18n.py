"""The words of the accounting report, in Chinese (the default) and English.

Every label the report prints lives here, once per language, so the template holds no language of
its own. Both languages carry the same keys (a unit test checks it).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from dualcarbon.methodologies.definition import all_methodologies

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
        "findings": "数据检查发现",
        "findings_note": "合理性与完整性检查的提示，以及经确认的警告"
        "（确认人、理由与时间随结果记入证据链）。",
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
        "uncertainty_share_note": "方差占比：该输入量对合成方差的贡献 (c_i·u(x_i))² / u_c²(y)，"
        "c_i 为灵敏系数（JJF 1059.1-2012 第 4 章）；占比大的输入量最值得改进计量。",
        "uncertainty_without": "{n} 个输入量未给出不确定度，按准确值计入。",
        "uncertainty_method_gum": "GUM 不确定度传播律",
        "uncertainty_method_mcm": "蒙特卡洛法",
        "improvements": "计量改进优先级",
        "improvements_note": (
            "逐项假设一项计量改进（计量器具提高一个准确度等级、检测由第二家认可实验室复检取均值、"
            "缺省值改为本企业实测值），按 GUM 重算总量的扩展不确定度 U；按 U 的降幅排序。"
            "各输入量相互独立（同一缺省值为一个输入量），仅不确定度改变时结果是精确的。"
        ),
        "improvements_action": "改进措施",
        "improvements_share": "现方差占比",
        "improvements_after": "改进后 U",
        "improvements_fall": "U 降低",
        "improvements_basis": "依据",
        "improvements_chart": "各项改进后总量的扩展不确定度 U（tCO2e）",
        "improvements_emissions": "缺省值改为实测值对排放量的影响",
        "improvements_difference": "排放量变化 tCO2e",
        "improvements_calibrations": "超期或失效的计量器具",
        "improvements_restored": "恢复为实测的排放量 tCO2e",
        "improvements_unstated": "未给出准确度或不确定度的数据（无法排序）",
        "improvements_today": "现状",
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
        "transcribed_note": "该数值未能在官方文本（或其副本）中核对：取自引用该文件的公开转录，"
        "或尚未核实；各来源的核对情况见下。",
        "confidence_corroborated": "转录值：与引用该文件的公开转录一致，未读到官方文本",
        "confidence_unverified": "未核实：未在任何公开来源中核对",
        "confidence_verified": "已核对官方文本",
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
        "findings": "Findings on the data",
        "findings_note": "Notes of the plausibility and completeness checks, and the warnings "
        "someone acknowledged (who, why and when are kept with the result in the evidence).",
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
        "uncertainty_share_note": "Share of variance: the input's part of the combined "
        "variance, (c_i·u(x_i))² / u_c²(y), c_i its sensitivity coefficient (JCGM 100:2008, "
        "5.1.3); the largest shares are where better measurement pays most.",
        "uncertainty_without": "{n} input(s) have no stated uncertainty and count as exact.",
        "uncertainty_method_gum": "GUM law of propagation",
        "uncertainty_method_mcm": "Monte Carlo",
        "improvements": "Which measurement to improve first",
        "improvements_note": (
            "Each improvement is assumed alone (a meter one accuracy class better, each analysis "
            "repeated by a second accredited laboratory and averaged, a default replaced by the "
            "enterprise's own measured value) and the expanded uncertainty U of the total computed "
            "again by the GUM; ranked by the fall of U. The inputs are independent (a default "
            "shared by lines is one input), so a change of uncertainty alone is exact."
        ),
        "improvements_action": "Improvement",
        "improvements_share": "Share of variance today",
        "improvements_after": "U after",
        "improvements_fall": "U falls by",
        "improvements_basis": "Basis",
        "improvements_chart": "Expanded uncertainty U of the total after each improvement (tCO2e)",
        "improvements_emissions": "Defaults replaced by measured values: the emissions change",
        "improvements_difference": "Emissions change tCO2e",
        "improvements_calibrations": "Instruments overdue or failed",
        "improvements_restored": "Emissions whose amounts count as measured again tCO2e",
        "improvements_unstated": "Values without a stated accuracy or uncertainty (not ranked)",
        "improvements_today": "today",
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
        "transcribed_note": "This value could not be checked against the official text (or a copy "
        "of it): it comes from a public transcription that cites the document, or is not yet "
        "verified; how each source was checked is listed below.",
        "confidence_corroborated": "corroborated: agrees with public transcriptions citing the "
        "document; the official text was not read",
        "confidence_unverified": "unverified: not checked in any public source",
        "confidence_verified": "checked against the official text",
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
    """The report's name of a source kind; a kind only a methodology file declares (a sector's
    clinker_process) takes that file's name for it."""
    named = SOURCES[lang].get(kind)
    if named is not None:
        return named
    names = _declared_source_names().get(kind)
    return kind if names is None else names[0 if lang == "zh" else 1]


@cache
def _declared_source_names() -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for methodology in all_methodologies().values():
        for source in methodology.sources:
            found.setdefault(source.kind, (source.name_zh, source.name_en))
    return found


def production_label(column: str, lang: str) -> str:
    return PRODUCTION[lang].get(column, column)


def month_label(month: int | None, lang: str) -> str:
    if month is None or not 1 <= month <= 12:
        return TEXT[lang]["none"] if month is None else str(month)
    return TEXT[lang]["months"].split("|")[month - 1]


# -- the CFP study report (dualcarbon.reports.footprint_report) ----------------------------------

FOOTPRINT_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "{product} 产品碳足迹研究报告",
        "subtitle": "依据 GB/T 24067-2024《温室气体 产品碳足迹 量化要求和指南》（ISO 14067:2018）",
        "toc": "目录",
        "not_stated": "未说明",
        "stated": "已说明",
        "breached": "不符合",
        "engine_only": "仅有计算程序给出的排放因子敏感性；研究自身的敏感性分析未说明",
        "label_interval": "不确定性",
        "label_interval_value": "{coverage} 区间 {low} – {high} kgCO2e（蒙特卡洛 {draws} 次）",
        "label_dqr": "数据质量（DQR，1 优 – 5 差）",
        "label_dqr_value": (
            "技术 {technological} · 地理 {geographical} · 时间 {temporal}（覆盖 {coverage} 排放）"
        ),
        "not_applicable_gate": "从摇篮到大门：不含使用与生命末期阶段，不适用",
        "cutoff_over_threshold": "排除的“{product}”实测占 {share}，超过单项阈值 {threshold}",
        "cutoff_over_total": "排除项实测合计占 {share}，超过总量上限 {cap}",
        "dqr_partial": "数据质量评分仅覆盖 {share} 的排放",
        "measured_share": "实测占比（按 {unit}）",
        "measured_share_none": "实测占比（排放准则：无法实测）",
        "none_in_study": "本研究无此项。",
        "caption_sep": "。",
        "product": "产品",
        "product_system": "产品系统",
        "commissioner": "委托方",
        "practitioner": "实施方",
        "report_date": "报告日期",
        "version": "报告版本",
        "intended_application": "预期用途",
        "intended_audience": "目标受众",
        "standard": "依据标准",
        "standard_value": "GB/T 24067-2024 / ISO 14067:2018",
        "inputs_digest": "研究输入摘要 (SHA-256)",
        "engine": "计算程序",
        "checklist": "报告要素对照表",
        "checklist_note": (
            "GB/T 24067-2024 / ISO 14067:2018 第7章要求碳足迹研究报告包含的要素，"
            "及其在本报告中的位置。"
            "“未说明”表示研究未提供该信息。"
        ),
        "element": "要素",
        "clause": "条款",
        "section": "章节",
        "status": "状态",
        "cl_unit": "功能单位/声明单位及基准流",
        "cl_boundary": "系统边界及生命周期阶段",
        "cl_capital": "资本货物是否纳入及理由",
        "cl_scenarios": "使用阶段与生命末期情景",
        "cl_cutoff": "取舍准则，排除的阶段与过程及其理由（实测占比不超过准则）",
        "cl_data": "数据来源及初级数据占比",
        "cl_collection": "数据收集方式及缺失数据的处理",
        "cl_dqr": "活动数据的数据质量评分（覆盖全部排放）",
        "cl_allocation": "分配程序（共生产品、回收）",
        "cl_period": "时间范围与地理范围",
        "cl_stages": "各生命周期阶段的结果",
        "cl_components": "化石、生物源排放、生物源清除、直接土地利用变化、航空运输分别报告",
        "cl_carbon": "产品中的碳含量（单独记录，不扣减）",
        "cl_gwp": "所用 GWP 值及 IPCC 报告版本",
        "cl_electricity": "电力的处理",
        "cl_uncertainty": "不确定性评估（蒙特卡洛）",
        "cl_sensitivity": "敏感性分析",
        "cl_assumptions": "假设与价值选择",
        "cl_interpretation": "结果解释：重要问题、假设、局限与结论",
        "cl_pcr": "所用的产品碳足迹类别规则（CFP-PCR）",
        "cl_review": "鉴定性评审",
        "cl_identity": "委托方、实施方、报告日期与版本",
        "cl_declaration": "产品碳足迹声明（碳标识）",
        "cl_trace": "贡献分析与逐项计算过程",
        "summary": "结果摘要",
        "total": "产品碳足迹",
        "per_unit": "每{kind}：{unit}",
        "unit_functional": "功能单位",
        "unit_declared": "声明单位",
        "primary_share": "初级数据占比",
        "primary_note": "采用现场（初级）数据的排放占总排放绝对值之和的比例",
        "interval": "{coverage} 区间",
        "interval_note": "蒙特卡洛模拟，{draws} 次抽样",
        "uncertainty": "不确定性",
        "no_monte_carlo": "本报告未附蒙特卡洛不确定性分析结果。",
        "sankey_title": "碳足迹流向图：过程 → 生命周期阶段 → 总量（kgCO2e）",
        "sankey_note": (
            "带宽与排放量成正比，过程旁的占比为其排放占抵扣前排放的比例；"
            "负值（清除、替代抵扣）不以带表示，见总量旁的标注。"
        ),
        "sankey_total": "碳足迹",
        "sankey_gross": "排放",
        "sankey_credits": "抵扣",
        "label": "产品碳足迹声明（碳标识）",
        "label_brand": "产品碳足迹 · CARBON FOOTPRINT",
        "label_per": "每",
        "label_id": "标识编号",
        "label_issued": "签发日期",
        "label_draft": "未签发：仅为预览，尚无编号、核查与有效期。",
        "label_note": (
            "碳标识记录由 dualcarbon.footprint.label 生成，可导出为 JSON；"
            "其中的研究输入摘要与本报告页首一致时，标识与本研究对应。"
        ),
        "verification": "核查状态",
        "validity": "有效期",
        "scope": "功能单位与系统边界",
        "reference_flow": "基准流",
        "boundary": "系统边界",
        "capital_goods": "资本货物",
        "scenarios": "使用阶段与生命末期情景",
        "stages_in_boundary": "生命周期阶段",
        "stage": "生命周期阶段",
        "included": "纳入",
        "excluded": "未纳入",
        "reason": "理由",
        "partial_cfp_reason": "产品部分碳足迹（从摇篮到大门），该阶段不在系统边界内",
        "processes": "单元过程",
        "process_id": "过程编号",
        "process": "过程",
        "location": "地点",
        "products": "产品",
        "cutoff": "取舍准则与排除项",
        "cutoff_criterion": "取舍依据",
        "cutoff_threshold": "单项阈值",
        "cutoff_total": "合计上限",
        "criterion_mass": "质量",
        "criterion_energy": "能量",
        "criterion_emission": "温室气体排放",
        "justification": "理由",
        "exclusions": "排除的输入",
        "exclusions_note": "排除项不计入碳足迹；估计占比为筛选估计值，列出以便评估其影响。",
        "where_used": "使用位置（过程 #交换：数量）",
        "estimated_share": "估计占比",
        "sum": "合计",
        "data": "数据来源与数据质量",
        "data_collection": "数据收集",
        "missing_data": "缺失数据的处理",
        "dqr": "数据质量评级（PACT v3 DQR，1 最好 – 5 最差）",
        "dqr_note": (
            "即谱系矩阵评分（1–5），按各交换的排放绝对值加权平均；"
            "覆盖率为有评分的排放占总排放绝对值之和的比例。"
        ),
        "dqr_activity": "活动数据",
        "dqr_factors": "次级排放因子（背景数据）",
        "dqr_coverage": "覆盖率",
        "dqi_reliability": "可靠性",
        "dqi_completeness": "完整性",
        "dqi_temporal": "时间",
        "dqi_geographical": "地理",
        "dqi_technological": "技术",
        "background": "背景数据（次级数据）",
        "name": "名称",
        "factor": "因子",
        "unit": "单位",
        "factor_source": "因子来源",
        "pedigree": "谱系评分",
        "origin": "温室气体类别",
        "origin_fossil": "化石",
        "origin_biogenic": "生物源",
        "origin_land_use_change": "直接土地利用变化",
        "allocation": "分配程序",
        "co_products": "共生产品分配",
        "allocation_method": "方法",
        "allocation_basis": "依据",
        "allocation_physical": "物理关系分配",
        "allocation_economic": "经济价值分配",
        "co_product": "共生产品",
        "allocation_factor": "分配系数",
        "system_expansion": "系统扩展（替代）",
        "exchange": "交换",
        "kind": "类型",
        "eol_recycling": "生命末期回收抵扣",
        "substitution": "替代",
        "recycling": "回收",
        "recycling_method": "回收分配方法",
        "recycling_cut_off": "截断法（100:0，再生含量法）",
        "recycling_avoided_burden": "避免负担法（生命末期回收法）",
        "recycling_cut_off_why": (
            "再生材料只承担其回收再加工的负担；送去回收的材料不带负担离开系统，也不获抵扣"
            "（dualcarbon 默认，决策 0007）。"
        ),
        "recycling_avoided_burden_why": "",
        "material": "材料",
        "recycled_content": "再生含量",
        "period_geography": "时间范围与地理范围",
        "period": "数据时间范围",
        "geography": "地理范围（市场）",
        "process_locations": "过程所在地",
        "results": "各生命周期阶段的结果",
        "results_note": (
            "单位 kgCO2e/基准流。化石、生物源排放、生物源清除与直接土地利用变化之和为碳足迹；"
            "航空运输为其中的一部分，单独列出（ISO 14067 6.4.9）。"
        ),
        "kgco2e": "kgCO2e",
        "share": "占比",
        "fossil": "化石",
        "biogenic_emissions": "生物源排放",
        "biogenic_removals": "生物源清除",
        "dluc": "直接土地利用变化",
        "aircraft": "其中：航空运输",
        "not_included": "未纳入系统边界",
        "carbon_content": "产品中的碳",
        "carbon_note": "产品所含的碳单独记录，不从碳足迹中扣减（ISO 14067 6.4.9）。每基准流。",
        "mass": "产品质量",
        "fossil_carbon": "化石碳含量",
        "biogenic_carbon": "生物源碳含量",
        "recycled_carbon": "再生碳含量",
        "value": "数值",
        "as_co2": "折合 kgCO2",
        "gwp": "全球变暖潜势（GWP）",
        "gwp_set": "GWP 数据集",
        "gwp_report": "IPCC 报告版本",
        "gwp_document": "出处",
        "gwp_horizon": "时间尺度",
        "gwp_horizon_value": "100 年（GWP100）",
        "gwp_values": "本研究涉及的温室气体及其 GWP 值",
        "gas": "温室气体",
        "gwp100": "GWP100",
        "factor_ref": "编号@版本",
        "factor_ref_source": "因子编号@版本 / 来源",
        "table": "表",
        "gwp_background_note": (
            "背景数据与电力因子以 kgCO2e（或 kgCO2）给出，其 GWP 取值以其来源为准。"
        ),
        "electricity": "电力的处理",
        "basis": "电力来源",
        "amount": "数量",
        "factor_per_unit": "因子 (kgCO2e/单位)",
        "instrument": "因子编号/合同工具",
        "evidence": "证明材料",
        "grid_evidence": "主管部门发布的电网平均排放因子",
        "on_site_instrument": "系统内自发电过程",
        "on_site_evidence": "按自发电过程直接建模",
        "electricity_share": "外购电力合计 {value} kgCO2e，占碳足迹的 {share}。",
        "location_based": "含合同电力工具（绿证、绿电交易或供应商特定电力）：按合同计的碳足迹为 "
        "{market} kgCO2e；同一产品系统按所在电网因子（基于位置）计为 {location} kgCO2e，"
        "两者并列报告（ISO 14067 6.4.9.4）。",
        "no_electricity": "本研究未使用外购电力。",
        "electricity_as_products": "外购电力以一般产品（过程或背景数据）建模，未标注电力来源"
        "（基于位置或合同），其贡献计入相应过程；请在模型中为电力输入标注来源。",
        "grid_limitation": (
            "所用电网排放因子为生态环境部/国家统计局发布的仅含 CO2 的发电侧因子，"
            "不含上游燃料开采运输与输配损耗；GB/T 24067 要求电力采用全生命周期排放，"
            "电力排放可能被低估。"
        ),
        "uncertainty_sensitivity": "不确定性与敏感性",
        "mc_draws": "抽样次数",
        "mc_seed": "随机数种子",
        "mc_deterministic": "确定性结果",
        "mc_median": "中位数",
        "mc_relative": "区间相对确定性结果",
        "mc_solves": "求解方式",
        "mc_solves_value": "迭代 {iterative} 次，直接分解 {direct} 次",
        "mc_solves_exact": "技术矩阵无不确定度：各次抽样共用一次精确求解",
        "mc_method": (
            "方法：蒙特卡洛模拟。每次抽样对技术矩阵 A 与环境矩阵 B 的每个不确定交换按对数正态分布"
            "（以其数值为中位数，σ 来自谱系矩阵评分与基本不确定度或给定分布）重新取值，"
            "求解 A s = f "
            "并计算 cᵀ B s；每个背景与电力因子每次抽样只取一次值，用到它的各处一起变动；"
            "同一种子得到相同结果（三条 PCG64 随机数流）。"
        ),
        "sensitivity": "排放因子的敏感性",
        "sensitivity_note": (
            "碳足迹对每个排放因子和 GWP 值都是线性的，因此归一化敏感系数 (∂h/∂k)(k/h) "
            "正好等于该因子所在各行占总量的比例：因子变化 +10 % 时，碳足迹变化系数 × 10 %。"
        ),
        "sensitivity_coefficient": "归一化敏感系数",
        "sensitivity_ten": "因子 +10 % 时总量变化",
        "study_sensitivity": "研究自身的敏感性分析",
        "interpretation": "结果解释",
        "significant_issues": "重要问题（由结果计算）",
        "top_process": "贡献最大的过程为“{process}”：{value} kgCO2e，占 {share}。",
        "top_stage": "贡献最大的生命周期阶段为“{stage}”：{value} kgCO2e，占 {share}。",
        "top_flow": "贡献最大的排放来源为“{flow}”：{value} kgCO2e，占 {share}。",
        "hotspots": "贡献不低于 {threshold} 的过程共 {n} 个（{names}），合计占 {share}。",
        "zero_total": "碳足迹为零，无贡献可分析。",
        "assumptions": "假设",
        "value_choices": "价值选择",
        "limitations": "局限性",
        "conclusions": "结论",
        "engine_note": "［计算程序提示］",
        "limit_partial": "本研究为产品部分碳足迹（从摇篮到大门），不含分销、使用与生命末期阶段。",
        "limit_cutoff": "按取舍准则排除的输入估计占 {share}，未计入碳足迹。",
        "limit_exact_factors": "蒙特卡洛分析中以下因子未给出不确定度，按准确值计入：{names}。",
        "review": "类别规则、鉴定性评审与报告信息",
        "pcr": "产品碳足迹类别规则（CFP-PCR）",
        "critical_review": "鉴定性评审",
        "contributions": "贡献分析",
        "by_process": "按过程",
        "by_stage": "按生命周期阶段",
        "by_flow": "按排放来源（基本流、背景数据、电力）",
        "flow_id": "编号",
        "flow": "排放来源",
        "flow_background": "背景数据",
        "flow_electricity": "电力",
        "trace": "逐项计算过程",
        "trace_note": (
            "每一行是一个交换对碳足迹的贡献：数量（已按分配系数和过程规模折算到基准流）× 因子"
            "（GWP、背景因子或电力因子）= kgCO2e。各行之和等于碳足迹。"
        ),
        "trace_summary": "全部 {n} 行",
        "target": "产品/基本流",
        "data_kind": "数据类型（谱系评分）",
        "primary": "初级",
        "secondary": "次级",
        "kind_production": "产出",
        "kind_technosphere": "输入",
        "kind_avoided_product": "替代产品",
        "kind_emission": "排放",
        "kind_resource": "资源",
        "basis_location_based": "电网平均排放因子（基于位置）",
        "basis_supplier_specific": "供应商特定电力（合同）",
        "basis_green_certificate": "绿色电力证书/绿电交易",
        "basis_on_site": "自发自用电力",
        "footer": (
            "本报告由 {engine} 根据产品系统数据自动生成。每个合计均可在“逐项计算过程”中追溯至"
            "交换、因子及其来源。"
        ),
    },
    "en": {
        "html_lang": "en",
        "title": "Carbon footprint study report: {product}",
        "subtitle": (
            "Following GB/T 24067-2024 (Greenhouse gases — Carbon footprint of products — "
            "Requirements and guidelines for quantification) and ISO 14067:2018"
        ),
        "toc": "Contents",
        "not_stated": "not stated",
        "stated": "stated",
        "breached": "breached",
        "engine_only": "the engine's factor sensitivity only; the study's own analysis is not "
        "stated",
        "label_interval": "Uncertainty",
        "label_interval_value": (
            "{coverage} interval {low} – {high} kgCO2e (Monte Carlo, {draws} draws)"
        ),
        "label_dqr": "Data quality (DQR, 1 good – 5 poor)",
        "label_dqr_value": (
            "technological {technological} · geographical {geographical} · temporal {temporal} "
            "(covering {coverage} of emissions)"
        ),
        "not_applicable_gate": "cradle to gate: no use or end-of-life stage, not applicable",
        "cutoff_over_threshold": "excluded {product!r} measures {share}, above the {threshold} "
        "threshold per input",
        "cutoff_over_total": "the exclusions measure {share} together, above the {cap} cap",
        "dqr_partial": "data-quality scores cover only {share} of the emissions",
        "none_in_study": "None in this study.",
        "caption_sep": ". ",
        "product": "Product",
        "product_system": "Product system",
        "commissioner": "Commissioner",
        "practitioner": "Practitioner",
        "report_date": "Report date",
        "version": "Report version",
        "intended_application": "Intended application",
        "intended_audience": "Intended audience",
        "standard": "Standard",
        "standard_value": "GB/T 24067-2024 / ISO 14067:2018",
        "inputs_digest": "Study inputs digest (SHA-256)",
        "engine": "Engine",
        "checklist": "Checklist of report elements",
        "checklist_note": (
            "The elements GB/T 24067-2024 / ISO 14067:2018 clause 7 require of a CFP study report, "
            'and where this report gives them. "not stated" marks what the study leaves open.'
        ),
        "element": "Element",
        "clause": "Clause",
        "section": "Section",
        "status": "Status",
        "cl_unit": "Functional or declared unit, and reference flow",
        "cl_boundary": "System boundary and life-cycle stages",
        "cl_capital": "Capital goods: included or not, and why",
        "cl_scenarios": "Use-stage and end-of-life scenarios",
        "cl_cutoff": (
            "Cut-off criteria; excluded stages and processes with reasons (measured shares "
            "within the criteria)"
        ),
        "cl_data": "Data sources and primary-data share",
        "cl_collection": "How data were collected and missing data treated",
        "cl_dqr": "Data-quality ratings of the activity data (covering every emission)",
        "cl_allocation": "Allocation procedures (co-products, recycling)",
        "cl_period": "Time period and geography",
        "cl_stages": "Results per life-cycle stage",
        "cl_components": (
            "Fossil, biogenic emissions, biogenic removals, dLUC and aircraft reported separately"
        ),
        "cl_carbon": "Carbon in the product (documented, not subtracted)",
        "cl_gwp": "GWP values used and IPCC report version",
        "cl_electricity": "Treatment of electricity",
        "cl_uncertainty": "Uncertainty assessment (Monte Carlo)",
        "cl_sensitivity": "Sensitivity analysis",
        "cl_assumptions": "Assumptions and value choices",
        "cl_interpretation": "Interpretation: significant issues, assumptions, limitations",
        "cl_pcr": "CFP-PCR used",
        "cl_review": "Critical review",
        "cl_identity": "Commissioner, practitioner, report date and version",
        "cl_declaration": "CFP declaration (carbon label)",
        "cl_trace": "Contribution analysis and full trace",
        "summary": "Summary",
        "total": "Carbon footprint",
        "per_unit": "per {kind}: {unit}",
        "unit_functional": "functional unit",
        "unit_declared": "declared unit",
        "primary_share": "Primary-data share",
        "primary_note": "Share of the absolute emissions that rest on site-specific (primary) data",
        "interval": "{coverage} interval",
        "interval_note": "Monte Carlo, {draws} draws",
        "uncertainty": "Uncertainty",
        "no_monte_carlo": "No Monte Carlo uncertainty analysis came with this report.",
        "sankey_title": "Where the footprint comes from: processes → stages → total (kgCO2e)",
        "sankey_note": (
            "Band widths are proportional to emissions, and a process's share is of the emissions "
            "before credits; negative lines (removals, credits) are not drawn as bands but noted "
            "at the total."
        ),
        "sankey_total": "Carbon footprint",
        "sankey_gross": "emissions",
        "sankey_credits": "credits",
        "label": "CFP declaration (carbon label)",
        "label_brand": "CARBON FOOTPRINT · 产品碳足迹",
        "label_per": "per",
        "label_id": "Label id",
        "label_issued": "Issued",
        "label_draft": "Not issued: a preview with no id, verification or validity yet.",
        "label_note": (
            "The label record is made by dualcarbon.footprint.label and exports as JSON; when "
            "its study inputs digest equals the one at the top of this report, it belongs to this "
            "study."
        ),
        "verification": "Verification",
        "validity": "Valid",
        "scope": "Functional unit and system boundary",
        "reference_flow": "Reference flow",
        "boundary": "System boundary",
        "capital_goods": "Capital goods",
        "scenarios": "Use-stage and end-of-life scenarios",
        "stages_in_boundary": "Life-cycle stages",
        "stage": "Life-cycle stage",
        "included": "included",
        "excluded": "excluded",
        "reason": "Reason",
        "partial_cfp_reason": "Partial CFP (cradle to gate): the stage lies outside the boundary",
        "processes": "Unit processes",
        "process_id": "Process id",
        "process": "Process",
        "location": "Location",
        "products": "Products",
        "cutoff": "Cut-off criteria and exclusions",
        "cutoff_criterion": "Criterion",
        "cutoff_threshold": "Threshold per input",
        "cutoff_total": "Cap for all exclusions",
        "criterion_mass": "mass",
        "criterion_energy": "energy",
        "criterion_emission": "GHG emissions",
        "justification": "Justification",
        "exclusions": "Excluded inputs",
        "exclusions_note": (
            "Exclusions are not in the footprint; their estimated shares are screening estimates, "
            "listed so their effect can be judged."
        ),
        "where_used": "Where used (process #exchange: amount)",
        "estimated_share": "Estimated share",
        "measured_share": "Measured share (by {unit})",
        "measured_share_none": "Measured share (emission criterion: not measurable)",
        "sum": "Sum",
        "data": "Data sources and data quality",
        "data_collection": "Data collection",
        "missing_data": "Treatment of missing data",
        "dqr": "Data quality ratings (PACT v3 DQR, 1 good – 5 poor)",
        "dqr_note": (
            "The pedigree scores (1–5), averaged with each exchange's "
            "absolute emissions; coverage is the share of the absolute emissions that carry scores."
        ),
        "dqr_activity": "Activity data",
        "dqr_factors": "Secondary factors (background)",
        "dqr_coverage": "Coverage",
        "dqi_reliability": "Reliability",
        "dqi_completeness": "Completeness",
        "dqi_temporal": "Temporal",
        "dqi_geographical": "Geographical",
        "dqi_technological": "Technological",
        "background": "Background (secondary) data",
        "name": "Name",
        "factor": "Factor",
        "unit": "Unit",
        "factor_source": "Factor source",
        "pedigree": "Pedigree",
        "origin": "GHG category",
        "origin_fossil": "fossil",
        "origin_biogenic": "biogenic",
        "origin_land_use_change": "dLUC",
        "allocation": "Allocation procedures",
        "co_products": "Co-product allocation",
        "allocation_method": "Method",
        "allocation_basis": "Basis",
        "allocation_physical": "physical relationship",
        "allocation_economic": "economic value",
        "co_product": "Co-product",
        "allocation_factor": "Factor",
        "system_expansion": "System expansion (substitution)",
        "exchange": "Exchange",
        "kind": "Kind",
        "eol_recycling": "end-of-life recycling credit",
        "substitution": "substitution",
        "recycling": "Recycling",
        "recycling_method": "Recycling allocation",
        "recycling_cut_off": "cut-off (100:0, recycled content)",
        "recycling_avoided_burden": "avoided burden (end-of-life recycling)",
        "recycling_cut_off_why": (
            "Secondary material carries only the burdens of its reprocessing; material sent to "
            "recycling leaves without burden and earns no credit (dualcarbon default, decision "
            "0007)."
        ),
        "recycling_avoided_burden_why": "",
        "material": "Material",
        "recycled_content": "Recycled content",
        "period_geography": "Time period and geography",
        "period": "Period the data represent",
        "geography": "Geography (market)",
        "process_locations": "Process locations",
        "results": "Results per life-cycle stage",
        "results_note": (
            "kgCO2e per reference flow. Fossil, biogenic emissions, biogenic removals and dLUC add "
            "up to the footprint; aircraft is a part of them, shown apart (ISO 14067 6.4.9)."
        ),
        "kgco2e": "kgCO2e",
        "share": "Share",
        "fossil": "Fossil",
        "biogenic_emissions": "Biogenic emissions",
        "biogenic_removals": "Biogenic removals",
        "dluc": "dLUC",
        "aircraft": "of which aircraft",
        "not_included": "outside the boundary",
        "carbon_content": "Carbon in the product",
        "carbon_note": (
            "The carbon the product holds is documented, not subtracted from the footprint "
            "(ISO 14067 6.4.9). Per reference flow."
        ),
        "mass": "Product mass",
        "fossil_carbon": "Fossil carbon",
        "biogenic_carbon": "Biogenic carbon",
        "recycled_carbon": "Recycled carbon",
        "value": "Value",
        "as_co2": "as kg CO2",
        "gwp": "Global warming potentials (GWP)",
        "gwp_set": "GWP set",
        "gwp_report": "IPCC report",
        "gwp_document": "Source",
        "gwp_horizon": "Time horizon",
        "gwp_horizon_value": "100 years (GWP100)",
        "gwp_values": "Gases in this study and their GWP",
        "gas": "Gas",
        "gwp100": "GWP100",
        "factor_ref": "id@version",
        "factor_ref_source": "Factor id@version / source",
        "table": "Table",
        "gwp_background_note": (
            "Background and electricity factors come in kgCO2e (or kgCO2); their GWP values are "
            "those of their sources."
        ),
        "electricity": "Treatment of electricity",
        "basis": "Sourcing",
        "amount": "Amount",
        "factor_per_unit": "Factor (kgCO2e/unit)",
        "instrument": "Factor id / instrument",
        "evidence": "Evidence",
        "grid_evidence": "grid-average factor published by the authorities",
        "on_site_instrument": "on-site generation process of the system",
        "on_site_evidence": "modelled directly as a process",
        "electricity_share": "Purchased electricity: {value} kgCO2e, {share} of the footprint.",
        "location_based": "Contractual electricity instruments (certificates, green-power trades "
        "or supplier-specific electricity) are used: the footprint is {market} kgCO2e with them "
        "and {location} kgCO2e at the grid's factor (location-based); both are reported "
        "(ISO 14067 6.4.9.4).",
        "no_electricity": "The study uses no purchased electricity.",
        "electricity_as_products": "Purchased electricity is modelled as an ordinary product (a "
        "process or a background supply) with no sourcing choice (location-based or "
        "contractual); its contribution is in its provider's. Mark the electricity inputs' "
        "sourcing in the model.",
        "grid_limitation": (
            "The grid factor used is the MEE/NBS CO2-only, generation-side factor, without "
            "upstream fuel supply or grid losses; GB/T 24067 asks for life-cycle electricity "
            "emissions, so electricity may be understated."
        ),
        "uncertainty_sensitivity": "Uncertainty and sensitivity",
        "mc_draws": "Draws",
        "mc_seed": "Seed",
        "mc_deterministic": "Deterministic result",
        "mc_median": "Median",
        "mc_relative": "Interval relative to the deterministic result",
        "mc_solves": "Solves",
        "mc_solves_value": "{iterative} iterative, {direct} direct",
        "mc_solves_exact": "technosphere exact: every draw shares one exact solve",
        "mc_method": (
            "Method: Monte Carlo. Each draw resamples every uncertain exchange of the "
            "technosphere A and the biosphere B, lognormal about its amount (its median; σ from "
            "the pedigree scores and basic uncertainty, or a given distribution), solves A s = f "
            "and scores cᵀ B s. Each background and electricity factor is drawn once per draw and "
            "moves as one number wherever it is used. The same seed gives the same draws (three "
            "PCG64 streams)."
        ),
        "sensitivity": "Sensitivity to the factors",
        "sensitivity_note": (
            "The footprint is linear in every emission factor and GWP, so a factor's normalised "
            "sensitivity coefficient (∂h/∂k)(k/h) is exactly the share of the total its lines "
            "make: +10 % on the factor moves the footprint by the coefficient × 10 %."
        ),
        "sensitivity_coefficient": "Normalised coefficient",
        "sensitivity_ten": "Change for factor +10 %",
        "study_sensitivity": "The study's own sensitivity analysis",
        "interpretation": "Interpretation",
        "significant_issues": "Significant issues (computed from the result)",
        "top_process": (
            "The largest contributor is the process “{process}”: {value} kgCO2e, {share}."
        ),
        "top_stage": "The largest stage is “{stage}”: {value} kgCO2e, {share}.",
        "top_flow": "The largest source is “{flow}”: {value} kgCO2e, {share}.",
        "hotspots": (
            "{n} process(es) contribute at least {threshold} each ({names}), {share} together."
        ),
        "zero_total": "The footprint is zero; there is nothing to attribute.",
        "assumptions": "Assumptions",
        "value_choices": "Value choices",
        "limitations": "Limitations",
        "conclusions": "Conclusions",
        "engine_note": "[engine]",
        "limit_partial": (
            "This is a partial CFP (cradle to gate): distribution, use and end of life are not "
            "included."
        ),
        "limit_cutoff": (
            "Inputs excluded by the cut-off rule, estimated at {share}, are not counted."
        ),
        "limit_exact_factors": (
            "In the Monte Carlo analysis these factors state no uncertainty and count as "
            "exact: {names}."
        ),
        "review": "PCR, critical review and report identity",
        "pcr": "CFP-PCR",
        "critical_review": "Critical review",
        "contributions": "Contribution analysis",
        "by_process": "By process",
        "by_stage": "By life-cycle stage",
        "by_flow": "By source (elementary flow, background, electricity)",
        "flow_id": "Id",
        "flow": "Source",
        "flow_background": "background",
        "flow_electricity": "electricity",
        "trace": "Full trace",
        "trace_note": (
            "Each line is one exchange's share of the footprint: amount (allocated and scaled to "
            "the reference flow) × factor (GWP, background or electricity factor) = kgCO2e. The "
            "lines add up to the footprint."
        ),
        "trace_summary": "All {n} lines",
        "target": "Product / flow",
        "data_kind": "Data (pedigree)",
        "primary": "primary",
        "secondary": "secondary",
        "kind_production": "output",
        "kind_technosphere": "input",
        "kind_avoided_product": "avoided product",
        "kind_emission": "emission",
        "kind_resource": "resource",
        "basis_location_based": "grid average (location-based)",
        "basis_supplier_specific": "supplier-specific (contract)",
        "basis_green_certificate": "green certificate",
        "basis_on_site": "on-site generation",
        "footer": (
            "Generated by {engine} from the product system. Every total can be followed to its "
            "exchanges, factors and their sources in the full trace."
        ),
    },
}


def footprint_text(lang: str) -> Mapping[str, str]:
    """The words of the CFP study report (:data:`FOOTPRINT_TEXT`) in ``lang``."""
    return FOOTPRINT_TEXT[check_lang(lang)]


# -- the CEMS QA and comparison reports (dualcarbon.reports.cems_report) -------------------------

CEMS_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "qa_title": "{source} 二氧化碳连续监测系统 (CEMS) 质量保证报告",
        "qa_subtitle": "相对准确度、校准漂移、校准误差与线性检查",
        "cmp_title": "{facility} {year}年 CO2 直接监测与核算结果比对报告",
        "cmp_subtitle": "逐机组、逐月比对：差值、相对偏差与归一化偏差 En",
        "meta": "报告信息",
        "source": "排放口/监测点",
        "analyser": "分析仪",
        "period": "检查时段",
        "generated": "生成时间",
        "engine": "计算程序",
        "facility": "设施",
        "year": "年度",
        "methodology": "核算方法",
        "inventory_digest": "清单数据摘要 (SHA-256)",
        "summary": "结论",
        "overall_pass": "全部检查项合格",
        "overall_fail": "存在不合格检查项",
        "tests": "检查项一览",
        "test": "检查项",
        "item": "对象",
        "statistic": "统计量",
        "limit": "限值",
        "verdict": "判定",
        "pass": "合格",
        "fail": "不合格",
        "clause": "依据条款",
        "rule": "判定规则",
        "confidence": "条款可信度",
        "confidence_verified": "已核对原文",
        "confidence_memory": "待核对原文",
        "basis_alternative": "（按替代绝对误差判定）",
        "test_rata": "相对准确度 (RATA)",
        "test_zero_drift": "24 h 零点漂移",
        "test_span_drift": "24 h 量程漂移",
        "test_calibration_error": "校准误差",
        "test_linearity": "线性误差",
        "test_relative_error": "相对误差（比对监测）",
        "details": "各检查项数据与计算",
        "run": "序号",
        "rm": "参比方法 RMᵢ",
        "cem": "CEMS CEMᵢ",
        "d": "差值 dᵢ = RMᵢ − CEMᵢ",
        "formulas": "计算公式",
        "rata_formulas": (
            "d̄ = Σdᵢ/n；S_d = √{[Σdᵢ² − (Σdᵢ)²/n]/(n − 1)}；cc = t₀.₉₇₅,ₙ₋₁ · S_d/√n；"
            "RA = (|d̄| + |cc|)/RM̄ × 100 %"
            "（40 CFR Part 75 附录 A 式 A-7～A-10；HJ 75-2017 相对准确度）"
        ),
        "drift_formula": "漂移 = (R₂₄ − R₀)/F.S. × 100 %",
        "ce_formula": "CE = |R − A|/S × 100 %（附录 A 式 A-5）",
        "le_formula": "LE = |R − Ā|/R × 100 %（附录 A 式 A-4）",
        "re_formula": "RE = (CEM̄ − RM̄)/RM̄ × 100 %（HJ 75-2017 相对误差）",
        "memory_note": (
            "标注“待核对原文”的限值系依据公开资料整理，尚未逐字核对标准原文；"
            "用于正式判定前请对照标准文本确认。"
        ),
        "notes": "说明",
        "signature": "签字",
        "tester": "检查人员",
        "reviewer": "审核人员",
        "verifier": "核查人员",
        "organisation": "核查机构",
        "date": "日期",
        "sign_here": "签名/盖章",
        "name": "姓名/名称",
        "conclusion": "核查结论",
        "conclusion_consistent": "直接监测结果与核算结果一致（|En| ≤ 1）",
        "conclusion_inconsistent": "存在显著差异，需说明原因（|En| > 1）",
        "conclusion_remarks": "其他意见：",
        "finding": "程序计算结果",
        "chart": "逐月比对图",
        "chart_caption": (
            "上图：CEMS（实心）与核算（空心）月排放量，误差棒为扩展不确定度 (k = 2)；"
            "下图：归一化偏差 En（标记形状同上图机组），虚线为 ±1。"
        ),
        "monthly": "逐月比对",
        "annual": "全年比对（按机组）",
        "unit": "机组",
        "month": "月份",
        "cems": "CEMS (tCO2)",
        "accounting": "核算 (tCO2)",
        "u_cems": "U_CEMS (k=2)",
        "u_accounting": "U_核算 (k=2)",
        "difference": "差值 ΔE (tCO2)",
        "relative_difference": "相对偏差 δ",
        "en": "En",
        "consistent": "一致",
        "inconsistent": "显著差异",
        "consistent_share": "|En| ≤ 1 的月份占比",
        "unpaired": "未配对的月份",
        "missing_cems": "缺 CEMS 数据",
        "missing_accounting": "缺核算结果",
        "method": "方法与假设",
        "method_text": (
            "ΔE = E_CEMS − E_核算；δ = (E_CEMS − E_核算)/E_核算；"
            "En = (E_CEMS − E_核算)/√(U_CEMS² + U_核算²)，U 为扩展不确定度 (k = {k})。"
            "|En| ≤ 1 判为一致（ISO/IEC 17043、ISO 13528 的 En 准则）。"
            "两侧结果相互独立（烟气测量与燃料计量、化验）。"
        ),
        "method_accounting": (
            "核算值为该机组当月计入总量的化石燃料燃烧 CO2（外购电力不属于烟囱排放，不计入）；"
            "其不确定度由核算模块的不确定度传播对该机组当月的明细行单独计算得到。"
        ),
        "method_annual": (
            "全年比对：CEMS 月度不确定度按相关系数 r = {r} 合成（系统误差逐月重复）；"
            "核算全年不确定度按核算模块对该机组全年明细行的传播（共用缺省值作为同一输入）。"
        ),
        "annual_curve": "全年排放量相对标准不确定度与小时间相关系数 r 的关系",
        "hourly": "CEMS 小时 CO2 排放量的不确定度评定（典型小时）",
        "hourly_summary": (
            "m = {m} t，u = {u} t（相对 {rel}，GUM 传播律）；蒙特卡洛法 u = {mcm} t，{ok}"
        ),
        "validated": "GUM 结果经蒙特卡洛法验证通过（JCGM 101 第 8 章）",
        "not_validated": "GUM 结果未通过蒙特卡洛法验证（JCGM 101 第 8 章）",
        "input": "输入量",
        "value": "估计值",
        "sensitivity": "灵敏系数 cᵢ",
        "share": "方差占比",
        "r": "系统误差的小时间相关系数 r",
        "u_rel": "相对标准不确定度",
        "footer": "由 {engine} 生成。",
        "months": "1月|2月|3月|4月|5月|6月|7月|8月|9月|10月|11月|12月",
        "year_row": "全年",
    },
    "en": {
        "html_lang": "en",
        "qa_title": "{source} CO2 CEMS quality-assurance report",
        "qa_subtitle": "Relative accuracy, calibration drift, calibration error and linearity",
        "cmp_title": "{facility} {year}: CO2 by direct measurement vs accounting",
        "cmp_subtitle": "Per unit and month: difference, relative difference, normalised error En",
        "meta": "Report",
        "source": "Stack / monitoring point",
        "analyser": "Analyser",
        "period": "Period",
        "generated": "Generated",
        "engine": "Engine",
        "facility": "Facility",
        "year": "Year",
        "methodology": "Accounting methodology",
        "inventory_digest": "Inventory digest (SHA-256)",
        "summary": "Conclusion",
        "overall_pass": "All tests passed",
        "overall_fail": "At least one test failed",
        "tests": "Tests",
        "test": "Test",
        "item": "Item",
        "statistic": "Statistic",
        "limit": "Limit",
        "verdict": "Verdict",
        "pass": "pass",
        "fail": "fail",
        "clause": "Clause",
        "rule": "Rule",
        "confidence": "Clause checked",
        "confidence_verified": "checked against the text",
        "confidence_memory": "to be checked against the text",
        "basis_alternative": " (passed on the alternative absolute criterion)",
        "test_rata": "Relative accuracy (RATA)",
        "test_zero_drift": "24-h zero drift",
        "test_span_drift": "24-h span drift",
        "test_calibration_error": "Calibration error",
        "test_linearity": "Linearity error",
        "test_relative_error": "Relative error (comparison)",
        "details": "Data and statistics of each test",
        "run": "Run",
        "rm": "Reference RMᵢ",
        "cem": "CEMS CEMᵢ",
        "d": "dᵢ = RMᵢ − CEMᵢ",
        "formulas": "Formulas",
        "rata_formulas": (
            "d̄ = Σdᵢ/n; S_d = √{[Σdᵢ² − (Σdᵢ)²/n]/(n − 1)}; cc = t₀.₉₇₅,ₙ₋₁ · S_d/√n; "
            "RA = (|d̄| + |cc|)/RM̄ × 100 % (40 CFR Part 75 App. A Eq. A-7…A-10; HJ 75-2017)"
        ),
        "drift_formula": "drift = (R₂₄ − R₀)/F.S. × 100 %",
        "ce_formula": "CE = |R − A|/S × 100 % (App. A Eq. A-5)",
        "le_formula": "LE = |R − Ā|/R × 100 % (App. A Eq. A-4)",
        "re_formula": "RE = (CEM̄ − RM̄)/RM̄ × 100 % (HJ 75-2017 relative error)",
        "memory_note": (
            "Limits marked 'to be checked' were compiled from public secondary sources and not yet "
            "checked word for word against the standard; confirm them before an official verdict."
        ),
        "notes": "Notes",
        "signature": "Signatures",
        "tester": "Tested by",
        "reviewer": "Reviewed by",
        "verifier": "Verifier",
        "organisation": "Verification body",
        "date": "Date",
        "sign_here": "Signature / seal",
        "name": "Name",
        "conclusion": "Conclusion",
        "conclusion_consistent": "Direct measurement and accounting agree (|En| ≤ 1)",
        "conclusion_inconsistent": "Significant differences to be explained (|En| > 1)",
        "conclusion_remarks": "Remarks:",
        "finding": "Computed finding",
        "chart": "Monthly comparison",
        "chart_caption": (
            "Top: monthly CO2 by CEMS (filled) and by accounting (open), error bars the expanded "
            "uncertainty (k = 2). Bottom: normalised error En (marker shapes per unit as above); "
            "dashed lines at ±1."
        ),
        "monthly": "Monthly comparison",
        "annual": "The year, per unit",
        "unit": "Unit",
        "month": "Month",
        "cems": "CEMS (tCO2)",
        "accounting": "Accounting (tCO2)",
        "u_cems": "U_CEMS (k=2)",
        "u_accounting": "U_acc (k=2)",
        "difference": "ΔE (tCO2)",
        "relative_difference": "δ",
        "en": "En",
        "consistent": "consistent",
        "inconsistent": "significant",
        "consistent_share": "Months with |En| ≤ 1",
        "unpaired": "Unpaired months",
        "missing_cems": "no CEMS data",
        "missing_accounting": "no accounting result",
        "method": "Method and assumptions",
        "method_text": (
            "ΔE = E_CEMS − E_acc; δ = (E_CEMS − E_acc)/E_acc; "
            "En = (E_CEMS − E_acc)/√(U_CEMS² + U_acc²), U expanded (k = {k}). "
            "|En| ≤ 1 is consistent (the En criterion of ISO/IEC 17043 and ISO 13528). "
            "The two results are independent (stack gas vs fuel metering and lab analysis)."
        ),
        "method_accounting": (
            "Accounting is the counted fossil-fuel combustion CO2 of the unit in the month "
            "(purchased electricity is no stack emission and is left out); its uncertainty is "
            "propagated by the accounting core on that unit and month's lines alone."
        ),
        "method_annual": (
            "The year: CEMS monthly uncertainties combined with correlation r = {r} (systematic "
            "errors repeat every month); accounting by the core's propagation over the unit's "
            "lines of the year (a shared default counts as one input)."
        ),
        "annual_curve": (
            "Relative standard uncertainty of the annual mass vs the hour-to-hour correlation r"
        ),
        "r": "correlation r of systematic errors between hours",
        "u_rel": "relative standard uncertainty",
        "hourly": "Uncertainty of the hourly CO2 mass by CEMS (a typical hour)",
        "hourly_summary": (
            "m = {m} t, u = {u} t ({rel} relative, law of propagation); Monte Carlo u = {mcm} t; "
            "{ok}"
        ),
        "validated": "the GUM result is validated by Monte Carlo (JCGM 101 clause 8)",
        "not_validated": "the GUM result is not validated by Monte Carlo (JCGM 101 clause 8)",
        "input": "Input",
        "value": "Estimate",
        "sensitivity": "Sensitivity cᵢ",
        "share": "Variance share",
        "footer": "Generated by {engine}.",
        "months": "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec",
        "year_row": "year",
    },
}


def cems_text(lang: str) -> Mapping[str, str]:
    """The words of the CEMS QA and comparison reports (:data:`CEMS_TEXT`) in ``lang``."""
    return CEMS_TEXT[check_lang(lang)]
