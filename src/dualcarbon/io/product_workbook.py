"""The Excel workbook of a product system: a template a carbon manager fills in, and a strict
reader (docs/footprint-workbook.md describes every sheet and column).

Layout (what :func:`write_product_workbook` writes and :func:`read_product_workbook` reads):

* ``system`` — one field a row: column A the key (``functional_unit.amount``, ``period.start`` …),
  column B its value, column C what it means (not read). Row 1 holds the titles.
* ``parameters``, ``flows``, ``background``, ``exclusions``, ``processes`` and one sheet per
  process, ``process <id>`` (its exchanges, one a row): row 1 the machine column keys (the reader
  keys on them), row 2 the labels (not read), data from row 3. Fully empty rows are skipped.
* ``说明 README`` — how to fill it in (not read).

Sheet names of Excel hold at most 31 characters and none of ``[]:*?/\\``. A process whose
``process <id>`` breaks that, or clashes (Excel ignores case) with an earlier one, gets the sheet
``process <id cut short>~<n>``, ``n`` its row number among the processes; the ``processes`` sheet
names each process's sheet in its ``sheet`` column, and the reader follows that column (blank:
``process <id>``).

The reader takes values only, like :mod:`dualcarbon.io.excel`: a formula cell, a macro-enabled or
legacy workbook is refused. It is all-or-nothing: a workbook with any problem yields one
:class:`~dualcarbon.errors.InputError` listing every problem, each naming the file, the sheet,
the row a user sees in Excel, the column key (``field``) and the rule — problems of the
workbook's shape and the model's own rules (:func:`~.model.validate_product_system`), the latter
moved from ``process <id>`` / exchange number to the sheet and row that hold the value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.footprint.background import BackgroundLibrary
from dualcarbon.footprint.model import (
    AllocationMethod,
    BackgroundSupply,
    Boundary,
    Compartment,
    ElectricityBasis,
    Exchange,
    ExchangeKind,
    FlowOrigin,
    Parameter,
    Process,
    ProductSystem,
    RecyclingMethod,
    Stage,
    Uncertainty,
    UncertaintyType,
    validate_product_system,
)
from dualcarbon.footprint.pedigree import INDICATORS
from dualcarbon.footprint.study import StudyInfo
from dualcarbon.guards.workbook_guard import WORKBOOK_LIMITS
from dualcarbon.i18n import YES_NO_RULE, Lang, pick, yes_no
from dualcarbon.io.excel import display_width, load_grids
from dualcarbon.io.product_yaml import resolve_background
from dualcarbon.io.sheets import (
    TEMPLATE,
    Heading,
    as_text,
    blank,
    read_key_sheet,
    read_sheet,
)

__all__ = [
    "BACKGROUND_COLUMNS",
    "BACKGROUND_SHEET",
    "EXCHANGE_COLUMNS",
    "EXCLUSIONS_SHEET",
    "EXCLUSION_COLUMNS",
    "FIXED_SHEETS",
    "FLOWS_SHEET",
    "FLOW_COLUMNS",
    "MAX_ROWS",
    "PARAMETERS_SHEET",
    "PARAMETER_COLUMNS",
    "PROCESSES_SHEET",
    "PROCESS_COLUMNS",
    "README_SHEET",
    "SYSTEM_KEYS",
    "SYSTEM_SHEET",
    "Column",
    "process_sheet_names",
    "read_product_workbook",
    "write_product_workbook",
]

SYSTEM_SHEET = "system"
PARAMETERS_SHEET = "parameters"
FLOWS_SHEET = "flows"
BACKGROUND_SHEET = "background"
EXCLUSIONS_SHEET = "exclusions"
PROCESSES_SHEET = "processes"
README_SHEET = "说明 README"
PROCESS_PREFIX = "process "
NAME_ROW = 1
LABEL_ROW = 2
FIRST_DATA_ROW = 3
MAX_ROWS = WORKBOOK_LIMITS.max_rows
"""Rows read from one sheet at most; a sheet with more is refused (the limit every workbook
reader shares, :mod:`dualcarbon.guards.workbook_guard`)."""
_SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_LAST_VALIDATED_ROW = 1_048_576
_REQUIRED_RULE = "required, but empty (or its key or column is missing)"
_SYSTEM_TITLES = ("key", "value")

_NAME_FONT = Font(bold=True, color="FFFFFF")
_NAME_FILL = PatternFill("solid", fgColor="305496")
_LABEL_FONT = Font(bold=True)
_LABEL_FILL = PatternFill("solid", fgColor="D9E1F2")
_TITLE_FONT = Font(bold=True, size=14)

Kind = Literal["text", "number", "int", "bool", "date", "lines", "list", "scores"]


@dataclass(frozen=True)
class Column:
    """One column of a table sheet (or one key of the ``system`` sheet)."""

    key: str
    zh: str
    en: str
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    width: int = 12

    def label(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh


def _choices(values: Iterable[object]) -> tuple[str, ...]:
    return tuple(str(getattr(v, "value", v)) for v in values)


_STAGES = _choices(Stage)
_BOOL_CHOICES = ("是", "否")

_DQ = tuple(
    Column(f"dq_{name}", f"数据质量：{zh}", f"DQ {name}", "int", ("1", "2", "3", "4", "5"), 8)
    for name, zh in zip(
        INDICATORS, ("可靠性", "完整性", "时间相关性", "地理相关性", "技术相关性"), strict=True
    )
)
_UNCERTAINTY = (
    Column(
        "uncertainty_type",
        "不确定性分布类型",
        "uncertainty type",
        "int",
        _choices(int(t) for t in UncertaintyType),
        10,
    ),
    Column("uncertainty_loc", "分布位置参数 loc", "loc", "number", width=10),
    Column("uncertainty_scale", "分布尺度参数 σ", "scale σ", "number", width=10),
    Column("uncertainty_min", "最小值", "minimum", "number", width=10),
    Column("uncertainty_max", "最大值", "maximum", "number", width=10),
)
_BASIC = Column("basic_uncertainty", "基本不确定性因子 U_b", "basic uncertainty U_b", "number")

PARAMETER_COLUMNS = (
    Column("process", "所属过程（空=系统参数）", "process (blank = system)", width=16),
    Column("name", "参数名*", "name*", width=18),
    Column("value", "数值", "value", "number"),
    Column("formula", "公式（不加 =）", "formula (no =)", width=24),
    Column("unit", "单位", "unit", width=10),
    Column("description", "说明", "description", width=30),
    *_UNCERTAINTY,
)
FLOW_COLUMNS = (
    Column("id", "基本流 ID*", "flow id*", width=18),
    Column("name", "名称", "name", width=24),
    Column("compartment", "环境介质*", "compartment*", choices=_choices(Compartment)),
    Column("subcompartment", "子介质", "subcompartment"),
    Column("unit", "单位*", "unit*", width=8),
    Column("cas", "CAS 号", "CAS number"),
    Column("gas", "温室气体（GWP 名称）", "gas (GWP name)"),
    Column("origin", "来源（化石/生物/土地利用变化）", "origin", choices=_choices(FlowOrigin)),
)
BACKGROUND_COLUMNS = (
    Column("use", "引用背景库记录", "background library record", width=18),
    Column("product", "产品 ID*", "product id*", width=18),
    Column("name", "名称", "name", width=24),
    Column("unit", "单位*", "unit*", width=8),
    Column("emission_factor", "排放因子*", "emission factor*", "number"),
    Column("emission_factor_unit", "排放因子单位*", "factor unit*", width=14),
    Column("source", "数据来源*", "source*", width=30),
    *_DQ,
    _BASIC,
    *_UNCERTAINTY,
    Column("origin", "温室气体来源", "GHG origin", choices=_choices(FlowOrigin)),
    Column("aircraft", "航空运输", "air transport", "bool", _BOOL_CHOICES, 8),
)
EXCLUSION_COLUMNS = (
    Column("product", "排除的产品*", "excluded product*", width=18),
    Column("reason", "排除理由*", "reason*", width=30),
    Column("estimated_share_percent", "估计占比 %*", "estimated share %*", "number"),
)
PROCESS_COLUMNS = (
    Column("id", "过程 ID*", "process id*", width=18),
    Column("sheet", "工作表名", "sheet", width=20),
    Column("name", "名称", "name", width=28),
    Column("location", "地点", "location", width=10),
    Column("stage", "生命周期阶段*", "life-cycle stage*", choices=_STAGES, width=22),
    Column("description", "说明", "description", width=30),
    Column(
        "allocation_method",
        "分配方法",
        "allocation method",
        choices=_choices(AllocationMethod),
        width=12,
    ),
    Column("allocation_basis", "分配依据（质量、能量、价格…）", "allocation basis"),
    Column("allocation_justification", "分配理由", "allocation justification", width=30),
)
EXCHANGE_COLUMNS = (
    Column("kind", "类型*", "kind*", choices=_choices(ExchangeKind), width=14),
    Column("product", "产品 ID", "product id", width=20),
    Column("flow", "基本流 ID", "elementary flow id", width=16),
    Column("amount", "数量", "amount", "number", width=10),
    Column("formula", "公式（不加 =）", "formula (no =)", width=18),
    Column("unit", "单位*", "unit*", width=8),
    Column(
        "stage",
        "计入阶段（空=过程阶段）",
        "stage (blank = process's)",
        choices=_STAGES,
        width=22,
    ),
    *_DQ,
    _BASIC,
    *_UNCERTAINTY,
    Column("source", "数据来源", "source", width=24),
    Column("primary", "初级数据", "primary data", "bool", _BOOL_CHOICES, 8),
    Column(
        "electricity_basis",
        "电力核算方式",
        "electricity basis",
        choices=_choices(ElectricityBasis),
        width=16,
    ),
    Column("grid_factor", "电网排放因子 ID", "grid factor id", width=28),
    Column("emission_factor", "合同电力排放因子", "contract emission factor", "number"),
    Column("emission_factor_unit", "排放因子单位", "factor unit"),
    Column("instrument", "合同/证书编号", "contractual instrument"),
    Column("evidence", "证明材料", "evidence"),
    Column(
        "location_factor", "所在电网因子 ID（并列基于位置的结果）", "location factor id", width=28
    ),
    Column(
        "electricity_data_quality",
        "电力因子数据质量（五个分数）",
        "electricity factor DQ (five scores)",
        "scores",
    ),
    Column(
        "electricity_basic_uncertainty",
        "电力因子 U_b",
        "electricity factor U_b",
        "number",
    ),
    Column("material", "材料", "material"),
    Column("secondary", "再生材料", "secondary material", "bool", _BOOL_CHOICES, 8),
    Column("eol_recycling", "末端回收抵扣", "end-of-life recycling credit", "bool", _BOOL_CHOICES),
    Column("allocation_factor", "分配系数（联产品）", "allocation factor", "number"),
    Column("comment", "备注", "comment", width=30),
)

_STUDY_LABELS: dict[str, tuple[str, str]] = {
    "commissioner": ("委托方", "commissioner"),
    "practitioner": ("实施方", "practitioner"),
    "report_date": ("报告日期", "report date"),
    "version": ("版本", "version"),
    "intended_application": ("预期用途", "intended application"),
    "intended_audience": ("目标受众", "intended audience"),
    "pcr": ("产品种类规则（PCR）", "product category rule"),
    "critical_review": ("鉴定性评审", "critical review"),
    "assumptions": ("假设（每行一条）", "assumptions (one a line)"),
    "limitations": ("局限性（每行一条）", "limitations (one a line)"),
    "capital_goods": ("资本货物", "capital goods"),
    "data_collection": ("数据收集", "data collection"),
    "missing_data": ("缺失数据的处理", "missing data"),
    "scenarios": ("使用阶段与生命末期情景（每行一条）", "scenarios (one a line)"),
    "value_choices": ("价值选择（每行一条）", "value choices (one a line)"),
    "sensitivity": ("敏感性分析（每行一条）", "sensitivity (one a line)"),
    "conclusions": ("结论（每行一条）", "conclusions (one a line)"),
}


def _study_keys() -> tuple[Column, ...]:
    """One system-sheet key per field of :class:`StudyInfo` (new fields appear by themselves)."""
    keys = []
    for name, info in StudyInfo.model_fields.items():
        zh, en = _STUDY_LABELS.get(name, (info.description or name, name))
        text = str(info.annotation)
        kind: Kind = "lines" if "tuple" in text else "date" if "date" in text else "text"
        keys.append(Column(f"study.{name}", zh, en, kind))
    return tuple(keys)


SYSTEM_KEYS: tuple[Column, ...] = (
    Column("id", "产品系统 ID*", "product system id*"),
    Column("name", "产品名称", "product name"),
    Column("description", "说明", "description"),
    Column(
        "functional_unit.kind",
        "功能单位/声明单位*",
        "functional or declared unit*",
        choices=("declared", "functional"),
    ),
    Column("functional_unit.description", "功能单位描述*", "unit description*"),
    Column("functional_unit.amount", "功能单位数量*", "unit amount*", "number"),
    Column("functional_unit.unit", "功能单位的计量单位*", "unit of the unit*"),
    Column("reference_process", "基准过程 ID*", "reference process id*"),
    Column("reference_product", "基准产品 ID*", "reference product id*"),
    Column("reference_flow.amount", "基准流数量", "reference flow amount", "number"),
    Column("reference_flow.formula", "基准流公式（不加 =）", "reference flow formula (no =)"),
    Column("reference_flow.unit", "基准流单位*", "reference flow unit*"),
    Column("boundary", "系统边界*", "system boundary*", choices=_choices(Boundary)),
    Column("stages", "包含的生命周期阶段*（逗号分隔）", "stages* (comma separated)", "list"),
    *(
        Column(
            f"stage_exclusions.{stage.value}",
            f"排除「{stage.label_zh}」阶段的理由",
            f"why {stage.label_en.lower()} is left out",
        )
        for stage in Stage
    ),
    Column(
        "cut_off.criterion",
        "取舍准则*",
        "cut-off criterion*",
        choices=("mass", "energy", "emission"),
    ),
    Column("cut_off.threshold_percent", "单项取舍阈值 %*", "threshold per input %*", "number"),
    Column("cut_off.total_percent", "取舍总量上限 %", "total cut-off %", "number"),
    Column("cut_off.justification", "取舍准则的理由*", "cut-off justification*"),
    Column(
        "recycling.method", "回收处理方法", "recycling approach", choices=_choices(RecyclingMethod)
    ),
    Column("recycling.justification", "回收方法的理由", "recycling justification"),
    Column("gwp_set", "GWP 值集*", "GWP set*"),
    Column("period.start", "数据时间范围起*", "period start*", "date"),
    Column("period.end", "数据时间范围止*", "period end*", "date"),
    Column("geography", "地理范围*（ISO 3166）", "geography* (ISO 3166)"),
    Column("product.mass", "单位基准流质量 kg", "mass per reference flow [kg]", "number"),
    Column("product.fossil_carbon", "化石碳含量 kg C", "fossil carbon [kg C]", "number"),
    Column("product.biogenic_carbon", "生物碳含量 kg C", "biogenic carbon [kg C]", "number"),
    Column("product.recycled_carbon", "再生碳含量 kg C", "recycled carbon [kg C]", "number"),
    *_study_keys(),
)

FIXED_SHEETS = (
    SYSTEM_SHEET,
    PARAMETERS_SHEET,
    FLOWS_SHEET,
    BACKGROUND_SHEET,
    EXCLUSIONS_SHEET,
    PROCESSES_SHEET,
)
TABLE_COLUMNS: dict[str, tuple[Column, ...]] = {
    PARAMETERS_SHEET: PARAMETER_COLUMNS,
    FLOWS_SHEET: FLOW_COLUMNS,
    BACKGROUND_SHEET: BACKGROUND_COLUMNS,
    EXCLUSIONS_SHEET: EXCLUSION_COLUMNS,
    PROCESSES_SHEET: PROCESS_COLUMNS,
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    PARAMETERS_SHEET: ("name",),
    FLOWS_SHEET: ("id", "compartment", "unit"),
    BACKGROUND_SHEET: ("product",),
    EXCLUSIONS_SHEET: ("product", "reason", "estimated_share_percent"),
    PROCESSES_SHEET: ("id", "stage"),
    PROCESS_PREFIX: ("kind", "unit"),
}
"""Columns a sheet with data rows must have (``PROCESS_PREFIX``: every process sheet)."""


def process_sheet_names(process_ids: Sequence[str]) -> list[str]:
    """The sheet of each process: ``process <id>``, or, when that is longer than Excel's 31
    characters, holds one of ``[]:*?/\\``, ends in ``'`` or clashes (ignoring case) with an earlier
    sheet, ``process <id cut short>~<n>`` with ``n`` the process's position (1, 2 …)."""
    seen = {name.casefold() for name in (*FIXED_SHEETS, README_SHEET)}
    names: list[str] = []
    for number, process_id in enumerate(process_ids, start=1):
        name = f"{PROCESS_PREFIX}{process_id}"
        if (
            len(name) > _SHEET_NAME_MAX
            or _SHEET_FORBIDDEN.search(name)
            or name.endswith("'")
            or name.casefold() in seen
        ):
            cleaned = _SHEET_FORBIDDEN.sub("_", process_id)
            tail = f"~{number}"
            while True:
                room = _SHEET_NAME_MAX - len(PROCESS_PREFIX) - len(tail)
                name = f"{PROCESS_PREFIX}{cleaned[:room].rstrip(chr(39))}{tail}"
                if name.casefold() not in seen:
                    break
                tail += "~"
        seen.add(name.casefold())
        names.append(name)
    return names


# -- writing -------------------------------------------------------------------------------------


def write_product_workbook(system: ProductSystem, path: Path, lang: Lang = "zh") -> Path:
    """Write ``system`` as a workbook a carbon manager can fill in (labels in ``lang``)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    if system.gate_to_gate is not None:
        raise ValueError(
            "the gate-to-gate process is generated from the inventory (gate_to_gate), which "
            "has no place in the workbook: keep this product system as YAML"
        )
    workbook = openpyxl.Workbook()
    system_sheet = workbook.active
    assert system_sheet is not None
    system_sheet.title = SYSTEM_SHEET
    _write_system_sheet(system_sheet, system, lang)
    sheet_names = process_sheet_names([p.id for p in system.processes])
    parameters = [{"process": None, **_parameter_cells(p)} for p in system.parameters]
    for process in system.processes:
        parameters += [{"process": process.id, **_parameter_cells(p)} for p in process.parameters]
    tables: dict[str, list[dict[str, Any]]] = {
        PARAMETERS_SHEET: parameters,
        FLOWS_SHEET: [flow.model_dump(mode="json") for flow in system.flows],
        BACKGROUND_SHEET: [_background_cells(supply) for supply in system.background],
        EXCLUSIONS_SHEET: [e.model_dump(mode="json") for e in system.cut_off.exclusions],
        PROCESSES_SHEET: [
            _process_cells(process, sheet)
            for process, sheet in zip(system.processes, sheet_names, strict=True)
        ],
    }
    for name, rows in tables.items():
        _write_table(workbook.create_sheet(name), TABLE_COLUMNS[name], rows, lang)
    for process, sheet in zip(system.processes, sheet_names, strict=True):
        rows = [_exchange_cells(process, index) for index in range(len(process.exchanges))]
        _write_table(workbook.create_sheet(sheet), EXCHANGE_COLUMNS, rows, lang)
    _write_readme(workbook.create_sheet(README_SHEET))
    workbook.save(path)
    return path


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _system_value(dumped: Mapping[str, Any], column: Column) -> Any:
    key = column.key
    if key.startswith("stage_exclusions."):
        stage = key.split(".", 1)[1]
        return next(
            (e["justification"] for e in dumped["stage_exclusions"] if e["stage"] == stage), None
        )
    value = _get(dumped, key)
    if column.kind == "list":
        return ", ".join(value or ())
    if column.kind == "lines":
        return "\n".join(value or ()) or None
    if column.kind == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def _write_system_sheet(sheet: Any, system: ProductSystem, lang: Lang) -> None:
    dumped = system.model_dump(mode="json")
    sheet.append([*_SYSTEM_TITLES, pick(lang, "说明", "description")])
    for cell in sheet[1]:
        cell.font = _NAME_FONT
        cell.fill = _NAME_FILL
    for row, column in enumerate(SYSTEM_KEYS, start=2):
        label = column.label(lang)
        if column.choices:
            label += f"（{' / '.join(column.choices)}）"
        sheet.append([column.key, _shown(_system_value(dumped, column), lang), label])
        sheet.cell(row, 1).font = _LABEL_FONT
        value_cell = sheet.cell(row, 2)
        if column.kind == "date":
            value_cell.number_format = "yyyy-mm-dd"
        if column.kind == "lines":
            value_cell.alignment = Alignment(wrap_text=True, vertical="top")
        validation = _validation(column, lang)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"B{row}")
    for letter, width in zip("ABC", (30, 48, 44), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "B2"


def _shown(value: Any, lang: Lang) -> Any:
    if value is True:
        return pick(lang, "是", "yes")
    if value is False or value == "" or value == []:
        return None
    return value


def _uncertainty_cells(uncertainty: Uncertainty | None) -> dict[str, Any]:
    if uncertainty is None:
        return {}
    return {
        "uncertainty_type": int(uncertainty.type),
        "uncertainty_loc": uncertainty.loc,
        "uncertainty_scale": uncertainty.scale,
        "uncertainty_min": uncertainty.minimum,
        "uncertainty_max": uncertainty.maximum,
    }


def _quality_cells(holder: Exchange | BackgroundSupply) -> dict[str, Any]:
    cells: dict[str, Any] = {"basic_uncertainty": holder.basic_uncertainty}
    if holder.data_quality is not None:
        for name, score in zip(INDICATORS, holder.data_quality.as_tuple(), strict=True):
            cells[f"dq_{name}"] = score
    return cells | _uncertainty_cells(holder.uncertainty)


def _parameter_cells(parameter: Parameter) -> dict[str, Any]:
    return {
        "name": parameter.name,
        "value": parameter.value,
        "formula": parameter.formula,
        "unit": parameter.unit,
        "description": parameter.description,
        **_uncertainty_cells(parameter.uncertainty),
    }


def _background_cells(supply: BackgroundSupply) -> dict[str, Any]:
    dumped = supply.model_dump(mode="json", exclude={"data_quality", "uncertainty"})
    return dumped | _quality_cells(supply)


def _process_cells(process: Process, sheet: str) -> dict[str, Any]:
    cells = {
        "id": process.id,
        "sheet": sheet,
        "name": process.name,
        "location": process.location,
        "stage": process.stage.value,
        "description": process.description,
    }
    if process.allocation is not None:
        cells |= {
            "allocation_method": process.allocation.method.value,
            "allocation_basis": process.allocation.basis,
            "allocation_justification": process.allocation.justification,
        }
    return cells


def _exchange_cells(process: Process, index: int) -> dict[str, Any]:
    exchange = process.exchanges[index]
    cells = exchange.model_dump(
        mode="json", exclude={"data_quality", "uncertainty", "electricity", "basic_uncertainty"}
    )
    cells |= _quality_cells(exchange)
    choice = exchange.electricity
    if choice is not None:
        if choice.uncertainty is not None:
            raise ValueError(
                f"process {process.id!r}, exchange {index + 1}: an explicit uncertainty of an "
                "electricity factor has no column in the workbook (give data quality and U_b)"
            )
        scores = choice.data_quality.as_tuple() if choice.data_quality is not None else None
        cells |= {
            "electricity_basis": choice.basis.value,
            "grid_factor": choice.grid_factor,
            "emission_factor": choice.emission_factor,
            "emission_factor_unit": choice.emission_factor_unit,
            "instrument": choice.instrument,
            "evidence": choice.evidence,
            "location_factor": choice.location_factor,
            "electricity_data_quality": ", ".join(map(str, scores)) if scores else None,
            "electricity_basic_uncertainty": choice.basic_uncertainty,
        }
    if (
        process.allocation is not None
        and exchange.kind is ExchangeKind.PRODUCTION
        and exchange.product in process.allocation.factors
    ):
        cells["allocation_factor"] = process.allocation.factors[exchange.product]
    return cells


def _write_table(
    sheet: Any, columns: Sequence[Column], rows: Sequence[Mapping[str, Any]], lang: Lang
) -> None:
    sheet.append([column.key for column in columns])
    sheet.append([column.label(lang) for column in columns])
    for index, column in enumerate(columns, start=1):
        name_cell = sheet.cell(NAME_ROW, index)
        name_cell.font = _NAME_FONT
        name_cell.fill = _NAME_FILL
        label_cell = sheet.cell(LABEL_ROW, index)
        label_cell.font = _LABEL_FONT
        label_cell.fill = _LABEL_FILL
        label_cell.alignment = Alignment(wrap_text=True, vertical="top")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(
            max(
                column.width,
                display_width(column.key) + 2,
                display_width(column.label(lang)) // 2 + 2,
            ),
            40,
        )
        validation = _validation(column, lang)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{_LAST_VALIDATED_ROW}")
    for record in rows:
        sheet.append([_shown(record.get(column.key), lang) for column in columns])
    sheet.freeze_panes = f"B{FIRST_DATA_ROW}"


def _validation(column: Column, lang: Lang) -> DataValidation | None:
    label = column.label(lang)
    if column.kind == "bool":
        choices: tuple[str, ...] = (pick(lang, "是", "yes"), pick(lang, "否", "no"))
    else:
        choices = column.choices
    if choices:
        inline = ",".join(choices)
        return DataValidation(
            type="list",
            formula1=f'"{inline}"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=label[:32],
            error=pick(lang, f"请从列表中选择：{inline}", f"choose from the list: {inline}"),
        )
    if column.kind in ("number", "int"):
        return DataValidation(
            type="decimal",
            operator="between",
            formula1="-1E+300",
            formula2="1E+300",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=label[:32],
            error=pick(
                lang, "请填写数值（不是文本或公式）", "enter a number (not text or a formula)"
            ),
        )
    return None


_README = (
    ("dualcarbon 产品碳足迹模型 / product carbon footprint model", ""),
    (
        "工作表 system：每行一个字段，A 列为字段名（勿改），B 列填写数值，C 列为说明。",
        "Sheet system: one field a row; column A the key (do not change), B the value, C notes.",
    ),
    (
        "其余工作表：第1行为字段名（程序据此读取，勿改），第2行为名称，数据从第3行开始。",
        "Other sheets: row 1 the column keys the reader uses (do not change), row 2 the labels, "
        "data from row 3.",
    ),
    (
        "每个过程一张工作表，名称见 processes 表的 sheet 列（通常为 “process <过程 ID>”）。",
        "One sheet per process, named in the sheet column of processes (usually process <id>).",
    ),
    (
        "数量为非负数，方向由类型（kind）决定；数量或公式二选一，公式不加 “=”。",
        "Amounts are not signed: the kind gives the direction. Give an amount or a formula "
        "(without '=').",
    ),
    (
        "只接受数值：含 Excel 公式的单元格会被拒绝，请“选择性粘贴 → 数值”。",
        "Values only: cells with Excel formulas are rejected; paste values.",
    ),
    (
        "文件有任何问题时整份文件不被采用，所有问题会按工作表、行号、字段一次列出。",
        "A workbook with any problem is rejected as a whole; every problem is listed by sheet, "
        "row and column.",
    ),
)


def _write_readme(sheet: Any) -> None:
    for zh, en in _README:
        sheet.append([zh, en])
    sheet["A1"].font = _TITLE_FONT
    sheet.column_dimensions["A"].width = 80
    sheet.column_dimensions["B"].width = 80


# -- reading -------------------------------------------------------------------------------------

Grid = list[tuple[object, ...]]
_Key = tuple[str | None, int | None, str | None]
_SPLIT = re.compile(r"[,，、;；\s]+")
_INDEX = re.compile(r"^(\w+)\[(\d+)\]\.?(.*)$")

_FIELD_COLUMNS: dict[str, str] = {
    **{f"data_quality.{name}": f"dq_{name}" for name in INDICATORS},
    "data_quality": f"dq_{INDICATORS[0]}",
    "uncertainty.type": "uncertainty_type",
    "uncertainty.loc": "uncertainty_loc",
    "uncertainty.scale": "uncertainty_scale",
    "uncertainty.minimum": "uncertainty_min",
    "uncertainty.maximum": "uncertainty_max",
    "uncertainty": "uncertainty_type",
    "electricity.basis": "electricity_basis",
    "electricity.grid_factor": "grid_factor",
    "electricity.emission_factor": "emission_factor",
    "electricity.emission_factor_unit": "emission_factor_unit",
    "electricity.instrument": "instrument",
    "electricity.evidence": "evidence",
    "electricity.location_factor": "location_factor",
    "electricity.data_quality": "electricity_data_quality",
    "electricity.basic_uncertainty": "electricity_basic_uncertainty",
    "electricity.uncertainty": "electricity_basic_uncertainty",
    "electricity": "electricity_basis",
}
"""A model field (as a problem names it) → the column holding it."""


def _column_of(field: str | None) -> str | None:
    """The column key of a model field path (``data_quality.temporal`` → ``dq_temporal``)."""
    if not field:
        return field
    parts = field.split(".")
    for end in range(len(parts), 0, -1):
        column = _FIELD_COLUMNS.get(".".join(parts[:end]))
        if column is not None:
            return column
    return field


@dataclass
class _Process:
    """Where one process lives in the workbook."""

    id: str | None
    row: int
    sheet: str
    exchange_rows: list[int] = field(default_factory=list)
    production_rows: dict[str, int] = field(default_factory=dict)
    parameter_rows: list[int] = field(default_factory=list)


@dataclass
class _Reader:
    source: str
    problems: list[InputProblem] = field(default_factory=list)
    reported: set[_Key] = field(default_factory=set)
    system_rows: dict[str, int] = field(default_factory=dict)
    stage_exclusion_keys: list[str] = field(default_factory=list)
    rows: dict[str, list[int]] = field(default_factory=dict)
    """Table sheet → the row of each entry passed to the model, in order."""
    parameter_names: dict[int, str] = field(default_factory=dict)
    processes: list[_Process] = field(default_factory=list)

    def report(
        self,
        rule: str,
        *,
        sheet: str | None,
        row: int | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.problems.append(
            InputProblem(self.source, rule, field=field, sheet=sheet, row=row, value=value)
        )
        self.reported.add((sheet, row, field))

    # -- cells -----------------------------------------------------------------------------------

    def cell(self, value: object, column: Column, sheet: str, row: int) -> Any:
        """The cell as the model takes it; a value of the wrong kind is reported and passed on
        (the model's own complaint about it is then dropped)."""
        kind = column.kind
        rule: str | None = None
        converted: Any = value
        if isinstance(value, dt.datetime):
            value = value.date()
        if kind == "text":
            converted = value.isoformat() if isinstance(value, dt.date) else as_text(value)
        elif kind == "int" and isinstance(value, str) and value.strip().isdigit():
            converted = int(value)  # a score picked from a drop-down list may arrive as text
        elif kind in ("number", "int"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                rule = "a number is expected here, not text (enter it as a number)"
            elif kind == "int" and isinstance(value, float) and value.is_integer():
                converted = int(value)
        elif kind == "bool":
            answer = yes_no(value if isinstance(value, bool) else as_text(value))
            if answer is None:
                rule = YES_NO_RULE
            else:
                converted = answer
        elif kind == "date":
            if isinstance(value, dt.date):
                converted = value.isoformat()
            elif isinstance(value, str):
                converted = value.strip()
            else:
                rule = "a date is expected here (yyyy-mm-dd)"
        elif kind == "lines":
            converted = [line.strip() for line in as_text(value).splitlines() if line.strip()]
        elif kind == "list":
            converted = [item for item in _SPLIT.split(as_text(value)) if item]
        elif kind == "scores":
            items = [item for item in _SPLIT.split(as_text(value)) if item]
            if all(item.isdigit() for item in items):
                converted = [int(item) for item in items]
            else:
                rule = "five whole-number scores 1–5 are expected here (e.g. 2, 2, 1, 2, 3)"
        if rule is not None:
            self.report(rule, sheet=sheet, row=row, field=column.key, value=value)
        return converted

    # -- sheets ----------------------------------------------------------------------------------

    def read_system(self, grid: Grid) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        known = {column.key: column for column in SYSTEM_KEYS}
        if len(grid) > MAX_ROWS:
            self.too_long(SYSTEM_SHEET)
            return raw
        found, problems = read_key_sheet(
            grid, list(known), source=self.source, sheet=SYSTEM_SHEET, titles=_SYSTEM_TITLES[:1]
        )
        for problem in problems:
            self.problems.append(problem)
            self.reported.add((problem.sheet, problem.row, problem.field))
        for key, number in found.rows.items():
            self.system_rows[key] = number
            if key not in found.values:
                value = grid[number - 1][1] if len(grid[number - 1]) > 1 else None
                if key == "name" and blank(value):
                    raw["name"] = ""
                continue
            converted = self.cell(found.values[key], known[key], SYSTEM_SHEET, number)
            if key.startswith("stage_exclusions."):
                stage = key.split(".", 1)[1]
                raw.setdefault("stage_exclusions", []).append(
                    {"stage": stage, "justification": converted}
                )
                self.stage_exclusion_keys.append(key)
            else:
                _put(raw, key, converted)
        return raw

    def too_long(self, sheet: str) -> None:
        self.report(
            f"more than {MAX_ROWS} rows: not read (split the model or remove empty rows)",
            sheet=sheet,
        )

    def read_table(
        self, grid: Grid, columns: Sequence[Column], sheet: str, required: Sequence[str]
    ) -> list[tuple[int, dict[str, Any]]]:
        """Each non-empty data row: its row number and its cells by column key."""
        if len(grid) > MAX_ROWS:
            self.too_long(sheet)
            return []
        known = {column.key: column for column in columns}
        headings = [Heading(c.key, c.zh, c.en, c.key in required) for c in columns]
        found, problems = read_sheet(
            grid, headings, source=self.source, sheet=sheet, layout=TEMPLATE
        )
        for problem in problems:
            self.problems.append(problem)
            self.reported.add((problem.sheet, problem.row, problem.field))
        return [
            (
                number,
                {key: self.cell(value, known[key], sheet, number) for key, value in cells.items()},
            )
            for number, cells in found.rows
        ]


def _put(raw: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    target = raw
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


def _uncertainty_of(record: dict[str, Any]) -> dict[str, Any] | None:
    names = {
        "uncertainty_type": "type",
        "uncertainty_loc": "loc",
        "uncertainty_scale": "scale",
        "uncertainty_min": "minimum",
        "uncertainty_max": "maximum",
    }
    found = {names[key]: record.pop(key) for key in list(record) if key in names}
    return found or None


def _quality_of(record: dict[str, Any]) -> dict[str, Any]:
    """Pops the data-quality columns of ``record``; the model's fields they make."""
    fields: dict[str, Any] = {}
    scores = {name: record.pop(f"dq_{name}") for name in INDICATORS if f"dq_{name}" in record}
    if scores:
        fields["data_quality"] = scores
    if "basic_uncertainty" in record:
        fields["basic_uncertainty"] = record.pop("basic_uncertainty")
    uncertainty = _uncertainty_of(record)
    if uncertainty is not None:
        fields["uncertainty"] = uncertainty
    return fields


_ELECTRICITY = {
    "electricity_basis": "basis",
    "grid_factor": "grid_factor",
    "emission_factor": "emission_factor",
    "emission_factor_unit": "emission_factor_unit",
    "instrument": "instrument",
    "evidence": "evidence",
    "location_factor": "location_factor",
    "electricity_data_quality": "data_quality",
    "electricity_basic_uncertainty": "basic_uncertainty",
}


def read_product_workbook(path: Path, library: BackgroundLibrary | None = None) -> ProductSystem:
    """The product system in the workbook at ``path``, or one InputError naming every problem.

    ``background`` rows with a ``use`` id are taken from ``library`` (the shipped one if None),
    as :func:`~.product_yaml.resolve_background` does for the YAML file."""
    reader = _Reader(str(path))
    grids = load_grids(path)
    for name in FIXED_SHEETS:
        if name not in grids:
            reader.report(
                f"missing sheet {name!r} (the workbook has the sheets "
                f"{', '.join(FIXED_SHEETS)} and one per process)",
                sheet=name,
            )
    raw = reader.read_system(grids[SYSTEM_SHEET]) if SYSTEM_SHEET in grids else {}

    def table(name: str) -> list[tuple[int, dict[str, Any]]]:
        if name not in grids:
            return []
        return reader.read_table(grids[name], TABLE_COLUMNS[name], name, _REQUIRED[name])

    for name in (FLOWS_SHEET, BACKGROUND_SHEET, EXCLUSIONS_SHEET):
        records = table(name)
        reader.rows[name] = [number for number, _ in records]
        entries: list[dict[str, Any]] = []
        for _, record in records:
            if name in (FLOWS_SHEET, BACKGROUND_SHEET) and "use" not in record:
                record.setdefault("name", "")
            if name == BACKGROUND_SHEET:
                record.update(_quality_of(record))
            entries.append(record)
        if name == EXCLUSIONS_SHEET:
            if entries:
                cut_off = raw.setdefault("cut_off", {})
                if isinstance(cut_off, dict):
                    cut_off["exclusions"] = entries
        else:
            raw[name] = entries

    processes = _read_processes(reader, grids, table(PROCESSES_SHEET))
    raw["processes"] = processes
    _read_parameters(reader, raw, table(PARAMETERS_SHEET))

    referenced = {p.sheet for p in reader.processes}
    for name in grids:
        if name in FIXED_SHEETS or name == README_SHEET or name in referenced:
            continue
        rule = (
            f"a process sheet without a row in {PROCESSES_SHEET!r} (add the process there, or "
            "delete the sheet)"
            if name.startswith(PROCESS_PREFIX)
            else f"unknown sheet (known: {', '.join(FIXED_SHEETS)}, {README_SHEET}, and "
            f"the process sheets named in {PROCESSES_SHEET!r})"
        )
        reader.report(rule, sheet=name)

    order = {name: index for index, name in enumerate(grids)}

    def rejected() -> InputError:
        """Every problem, in the order of the workbook's sheets and rows."""
        problems = sorted(
            reader.problems,
            key=lambda p: (order.get(p.sheet or "", len(order)), p.row or 0),
        )
        return InputError(problems)

    if any(name not in grids for name in FIXED_SHEETS):
        raise rejected()  # every reference into a missing sheet would be reported again
    try:
        resolved = resolve_background(raw, source=reader.source, library=library)
    except InputError as exc:
        reader.problems += [_place(reader, p) for p in exc.problems]
        raise rejected() from None
    try:
        system = validate_product_system(resolved, source=reader.source)
    except InputError as exc:
        for found in exc.problems:
            placed = _place(reader, found)
            if not _already(reader.reported, placed):
                reader.problems.append(placed)
        raise rejected() from None
    if reader.problems:
        raise rejected()
    return system


def _read_processes(
    reader: _Reader, grids: Mapping[str, Grid], records: list[tuple[int, dict[str, Any]]]
) -> list[dict[str, Any]]:
    processes: list[dict[str, Any]] = []
    for number, record in records:
        process_id = record.get("id")
        sheet = record.pop("sheet", None) or (
            f"{PROCESS_PREFIX}{process_id}" if process_id else None
        )
        entry: dict[str, Any] = {"name": "", **record}
        allocation = {
            key.removeprefix("allocation_"): entry.pop(key)
            for key in list(entry)
            if key.startswith("allocation_")
        }
        place = _Process(process_id, number, sheet or "")
        reader.processes.append(place)
        processes.append(entry)
        if sheet is None:
            reader.reported.add((PROCESSES_SHEET, number, None))
            continue  # no id: the model says so
        if sheet not in grids:
            reader.report(
                f"no sheet {sheet!r} holds this process's exchanges",
                sheet=PROCESSES_SHEET,
                row=number,
                field="sheet" if "sheet" in record else "id",
                value=sheet,
            )
            reader.reported.add((PROCESSES_SHEET, number, None))
            reader.reported.add((sheet, None, None))
            continue
        exchanges: list[dict[str, Any]] = []
        factors: dict[str, Any] = {}
        for row, cells in reader.read_table(
            grids[sheet], EXCHANGE_COLUMNS, sheet, _REQUIRED[PROCESS_PREFIX]
        ):
            exchange = _exchange_of(reader, cells, sheet, row, factors)
            if exchange.get("kind") == ExchangeKind.PRODUCTION.value and isinstance(
                exchange.get("product"), str
            ):
                place.production_rows.setdefault(exchange["product"], row)
            place.exchange_rows.append(row)
            exchanges.append(exchange)
        entry["exchanges"] = exchanges
        if allocation or factors:
            entry["allocation"] = {**allocation, "factors": factors}
    return processes


def _exchange_of(
    reader: _Reader, cells: dict[str, Any], sheet: str, row: int, factors: dict[str, Any]
) -> dict[str, Any]:
    factor = cells.pop("allocation_factor", None)
    if factor is not None:
        kind = cells.get("kind")
        if kind not in set(ExchangeKind) and cells.get("product"):
            factors[str(cells["product"])] = factor  # the kind is reported; keep the factors whole
        elif kind == ExchangeKind.PRODUCTION.value and cells.get("product"):
            factors[str(cells["product"])] = factor
        else:
            reader.report(
                "only a production row (a co-product) takes an allocation factor",
                sheet=sheet,
                row=row,
                field="allocation_factor",
                value=factor,
            )
    choice = {_ELECTRICITY[key]: cells.pop(key) for key in list(cells) if key in _ELECTRICITY}
    cells.update(_quality_of(cells))
    if choice:
        cells["electricity"] = choice
    return cells


def _read_parameters(
    reader: _Reader, raw: dict[str, Any], records: list[tuple[int, dict[str, Any]]]
) -> None:
    by_id = {p.id: (p, entry) for p, entry in zip(reader.processes, raw["processes"], strict=True)}
    system: list[dict[str, Any]] = []
    rows: list[int] = []
    for number, record in records:
        scope = record.pop("process", None)
        uncertainty = _uncertainty_of(record)
        parameter = record | ({"uncertainty": uncertainty} if uncertainty else {})
        if isinstance(record.get("name"), str):
            reader.parameter_names[number] = record["name"]
        if scope is None:
            system.append(parameter)
            rows.append(number)
        elif scope in by_id:
            place, entry = by_id[scope]
            entry.setdefault("parameters", []).append(parameter)
            place.parameter_rows.append(number)
        else:
            reader.report(
                f"no process of this id in {PROCESSES_SHEET!r} (blank = a system parameter)",
                sheet=PARAMETERS_SHEET,
                row=number,
                field="process",
                value=scope,
            )
    if system:
        raw["parameters"] = system
    reader.rows[PARAMETERS_SHEET] = rows


# -- model problems, placed on the workbook -------------------------------------------------------


def _already(reported: set[_Key], problem: InputProblem) -> bool:
    sheet, row, field = problem.sheet, problem.row, problem.field
    return bool(
        {(sheet, row, field), (sheet, row, None), (sheet, None, field), (sheet, None, None)}
        & reported
    )


def _place(reader: _Reader, problem: InputProblem) -> InputProblem:
    """``problem`` as the model (or the background resolver) names it, moved onto the sheet, row
    and column of the workbook that hold the value."""
    sheet, row, field = problem.sheet, problem.row, problem.field
    where: tuple[str | None, int | None, str | None]
    if sheet is None:
        where = _place_system(reader, field)
    elif sheet in (FLOWS_SHEET, BACKGROUND_SHEET, PARAMETERS_SHEET, PROCESSES_SHEET):
        where = _place_table(reader, sheet, row, field, problem.value)
    else:
        place = _process_of(reader, sheet)
        if place is None:
            where = (sheet, row, _column_of(field))
        else:
            where = _place_process(reader, place, row, field, problem.value)
    rule = _REQUIRED_RULE if problem.rule == "Field required" else problem.rule
    return replace(problem, rule=rule, sheet=where[0], row=where[1], field=where[2])


def _entry_row(rows: Sequence[int], number: int | None) -> int | None:
    if number is None or not 1 <= number <= len(rows):
        return None
    return rows[number - 1]


def _place_table(
    reader: _Reader, sheet: str, row: int | None, field: str | None, value: object
) -> tuple[str | None, int | None, str | None]:
    if sheet == PROCESSES_SHEET:
        rows = [p.row for p in reader.processes if p.id == value]
        return sheet, rows[1] if len(rows) > 1 else None, field
    rows = reader.rows.get(sheet, [])
    if row is None and field and (match := _INDEX.match(field)) and match.group(1) == sheet:
        return sheet, _entry_row(rows, int(match.group(2))), _column_of(match.group(3)) or None
    if row is None and sheet == PARAMETERS_SHEET and field == "parameters":
        named = [r for r in rows if reader.parameter_names.get(r) == value]
        return sheet, named[1] if len(named) > 1 else None, "name"
    if row is None and isinstance(value, str):
        key = "product" if sheet == BACKGROUND_SHEET else "id"
        if sheet == PARAMETERS_SHEET:
            key = "name"
        return sheet, None, field or key
    return sheet, _entry_row(rows, row), _column_of(field)


def _process_of(reader: _Reader, sheet: str) -> _Process | None:
    """The process a model problem's ``process <id>`` (or ``process #<n>``) names."""
    process_id = sheet.removeprefix(PROCESS_PREFIX)
    found = next((p for p in reader.processes if p.id == process_id), None)
    if found is None and (match := re.fullmatch(r"#(\d+)", process_id)):
        index = int(match.group(1)) - 1
        found = reader.processes[index] if 0 <= index < len(reader.processes) else None
    return found


def _place_process(
    reader: _Reader, place: _Process, row: int | None, field: str | None, value: object
) -> tuple[str | None, int | None, str | None]:
    if row is not None:
        return place.sheet, _entry_row(place.exchange_rows, row), _column_of(field)
    field = field or ""
    if match := _INDEX.match(field):
        name, number, rest = match.groups()
        if name == "parameters":
            rows = place.parameter_rows
            return PARAMETERS_SHEET, _entry_row(rows, int(number)), _column_of(rest) or "name"
        if name == "exchanges":
            rows = place.exchange_rows
            return place.sheet, _entry_row(rows, int(number)), _column_of(rest)
    if field == "parameters":
        named = [r for r in place.parameter_rows if reader.parameter_names.get(r) == value]
        return PARAMETERS_SHEET, named[-1] if named else None, "name"
    if field.startswith("allocation.factors"):
        product = field.removeprefix("allocation.factors").lstrip(".")
        first = next(iter(place.production_rows.values()), None)
        return place.sheet, place.production_rows.get(product, first), "allocation_factor"
    if field.startswith("allocation"):
        rest = field.removeprefix("allocation").lstrip(".") or "method"
        return PROCESSES_SHEET, place.row, f"allocation_{rest}"
    if field == "exchanges":
        return place.sheet, None, "kind"
    return PROCESSES_SHEET, place.row, field or None


def _place_system(reader: _Reader, field: str | None) -> tuple[str | None, int | None, str | None]:
    field = field or ""
    if field.startswith("cut_off.exclusions"):
        rest = field.removeprefix("cut_off.exclusions")
        rows = reader.rows.get(EXCLUSIONS_SHEET, [])
        if match := re.match(r"^\[(\d+)\]\.?(.*)$", rest):
            return EXCLUSIONS_SHEET, _entry_row(rows, int(match.group(1))), match.group(2) or None
        return EXCLUSIONS_SHEET, None, None
    if field.startswith("stage_exclusions"):
        match = re.match(r"^stage_exclusions\[(\d+)\]", field)
        key = None
        if match and int(match.group(1)) <= len(reader.stage_exclusion_keys):
            key = reader.stage_exclusion_keys[int(match.group(1)) - 1]
        key = key or next(
            (k for k in reader.system_rows if k.startswith("stage_exclusions.")),
            "stage_exclusions",
        )
        return SYSTEM_SHEET, reader.system_rows.get(key), key
    if field == "processes":
        return PROCESSES_SHEET, None, None
    plain = re.sub(r"\[\d+\].*$", "", field)
    for column in SYSTEM_KEYS:
        if plain == column.key or plain.startswith(f"{column.key}."):
            return SYSTEM_SHEET, reader.system_rows.get(column.key), column.key
    return SYSTEM_SHEET, None, plain or None
