"""The inventory's tables: one schema each, shared by the YAML and Excel formats and the engine.

An inventory is a header (who, which year, which methodology) and a few flat tables of monthly
records. Each column is declared once here; the file readers, the Excel template, the validator
and the engine all read these declarations, so the formats cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Column:
    name: str
    dtype: type[pl.DataType]
    label_zh: str
    label_en: str
    required: bool = False
    default: object = None
    help_zh: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    label_zh: str
    label_en: str
    columns: tuple[Column, ...]

    @property
    def schema(self) -> dict[str, type[pl.DataType]]:
        return {column.name: column.dtype for column in self.columns}

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _tier_column(
    name: str, label_zh: str, label_en: str, default: str, tiers: tuple[str, ...]
) -> Column:
    """Where a value came from (datum tiers): the choices a table allows and its default."""
    return Column(name, pl.String, label_zh, label_en, default=default, choices=tiers)


_WHERE = (
    Column("facility", pl.String, "设施", "facility", default="main"),
    Column("unit", pl.String, "机组/排放单元", "unit", default="all"),
    Column("month", pl.Int64, "月份", "month", required=True, help_zh="1–12"),
)

FUEL = Table(
    "fuel",
    "化石燃料",
    "fuel",
    (
        *_WHERE,
        Column("fuel", pl.String, "燃料品种", "fuel", required=True),
        Column("consumption", pl.Float64, "消耗量", "consumption", required=True),
        Column("consumption_unit", pl.String, "消耗量单位", "consumption unit", default="t"),
        Column(
            "consumption_ref", pl.String, "消耗量计量器具/凭证", "consumption evidence", default=""
        ),
        _tier_column(
            "consumption_tier",
            "消耗量数据来源",
            "consumption tier",
            "measured",
            ("measured", "calculated", "supplier"),
        ),
        Column(
            "consumption_mpe",
            pl.Float64,
            "计量器具最大允许误差 %",
            "meter maximum permissible error %",
            help_zh="如 0.5 表示 ±0.5%；按矩形分布 u = MPE/√3 计入不确定度",
        ),
        Column("ncv", pl.Float64, "收到基低位发热量", "net calorific value (as received)"),
        Column("ncv_u", pl.Float64, "低位发热量标准不确定度", "NCV standard uncertainty"),
        Column(
            "ncv_unit",
            pl.String,
            "低位发热量单位",
            "NCV unit",
            help_zh="空白 = GJ/消耗量单位（如 GJ/t, GJ/万Nm3）",
        ),
        Column("ncv_ref", pl.String, "低位发热量检测报告", "NCV report", default=""),
        Column("carbon_content", pl.Float64, "元素碳含量", "element carbon content"),
        Column(
            "carbon_content_u",
            pl.Float64,
            "元素碳含量标准不确定度",
            "carbon content standard uncertainty",
            help_zh="与元素碳含量同单位、同基准",
        ),
        Column(
            "carbon_content_unit", pl.String, "元素碳含量单位", "carbon content unit", default="%"
        ),
        Column(
            "carbon_content_basis",
            pl.String,
            "元素碳含量基准",
            "carbon content basis",
            default="ar",
            choices=("ar", "ad", "d"),
            help_zh="ar 收到基, ad 空气干燥基, d 干燥基",
        ),
        Column("moisture_ar", pl.Float64, "收到基水分 %", "moisture as received %"),
        Column("moisture_ad", pl.Float64, "空气干燥基水分 %", "moisture air-dried %"),
        Column(
            "carbon_content_qualified",
            pl.Boolean,
            "元素碳检测符合要求",
            "carbon analysis qualifies",
            default=True,
        ),
        Column("carbon_content_ref", pl.String, "元素碳检测报告", "carbon report", default=""),
        Column(
            "carbon_content_note",
            pl.String,
            "不符合要求的原因",
            "why it does not qualify",
            default="",
        ),
    ),
)


def _energy_table(name: str, label_zh: str, amount_zh: str, unit: str, evidence_zh: str) -> Table:
    """Electricity and heat share one shape: bought or sold amounts with their evidence."""
    return Table(
        name,
        label_zh,
        name,
        (
            *_WHERE,
            Column(
                "direction",
                pl.String,
                "购入/输出",
                "direction",
                default="purchased",
                choices=("purchased", "exported"),
            ),
            Column("amount", pl.Float64, amount_zh, "amount", required=True),
            Column("amount_unit", pl.String, f"{amount_zh}单位", "amount unit", default=unit),
            Column("amount_ref", pl.String, evidence_zh, "evidence", default=""),
            Column("amount_mpe", pl.Float64, "计量器具最大允许误差 %", "meter MPE %"),
            _tier_column(
                "amount_tier",
                "数据来源",
                "tier",
                "measured",
                ("measured", "calculated", "supplier"),
            ),
        ),
    )


ELECTRICITY = _energy_table("electricity", "电力", "电量", "MWh", "电能表/结算凭证")
HEAT = _energy_table("heat", "热力", "热量", "GJ", "热量表/结算凭证")

PROCESS = Table(
    "process",
    "工业生产过程",
    "process",
    (
        *_WHERE,
        Column("process", pl.String, "过程/原料", "process or material", required=True),
        Column("gas", pl.String, "温室气体", "gas", default="CO2"),
        Column("activity", pl.Float64, "活动数据", "activity", required=True),
        Column("activity_unit", pl.String, "活动数据单位", "activity unit", default="t"),
        Column("activity_ref", pl.String, "活动数据凭证", "activity evidence", default=""),
        Column("activity_mpe", pl.Float64, "计量器具最大允许误差 %", "meter MPE %"),
        Column("emission_factor", pl.Float64, "排放因子", "emission factor", required=True),
        Column("emission_factor_unit", pl.String, "排放因子单位", "EF unit", default="t/t"),
        Column("emission_factor_ref", pl.String, "排放因子来源", "EF source", default=""),
        Column("emission_factor_u", pl.Float64, "排放因子标准不确定度", "EF standard uncertainty"),
        _tier_column(
            "emission_factor_tier",
            "排放因子数据来源",
            "EF tier",
            "default",
            ("lab", "calculated", "supplier", "default"),
        ),
    ),
)

RECOVERED = Table(
    "recovered",
    "CO2回收利用",
    "CO2 recovered",
    (
        *_WHERE,
        Column("volume", pl.Float64, "回收气体体积", "gas volume", required=True),
        Column("volume_unit", pl.String, "体积单位", "volume unit", default="万Nm3"),
        Column("purity", pl.Float64, "CO2体积浓度", "CO2 purity (fraction)", required=True),
        Column("volume_ref", pl.String, "计量凭证", "evidence", default=""),
        Column("purity_ref", pl.String, "浓度检测报告", "purity report", default=""),
    ),
)

PRODUCTION = Table(
    "production",
    "生产数据",
    "production",
    (
        *_WHERE,
        Column("generation", pl.Float64, "发电量 MWh", "gross generation MWh"),
        Column("supply", pl.Float64, "供电量 MWh", "net supply MWh"),
        Column("heat_supply", pl.Float64, "供热量 GJ", "heat supplied GJ"),
        Column("heat_ratio", pl.Float64, "供热比", "heat-supply ratio"),
        Column("operating_hours", pl.Float64, "运行小时数 h", "operating hours"),
        Column("capacity", pl.Float64, "装机容量 MW", "capacity MW"),
    ),
)

TABLES: dict[str, Table] = {
    table.name: table for table in (FUEL, ELECTRICITY, HEAT, PROCESS, RECOVERED, PRODUCTION)
}
