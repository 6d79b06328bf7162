"""The operator's CBAM communication written into the Commission's template (v2.1.1), and as JSON.

The template (``cbam/data/template``, unchanged from the Commission's file) computes its summary
from a full monitoring model through formulas; openpyxl fills cells but does not calculate, and a
file it saves carries no cached results. So the communication is written twice over:

* as **inputs**, where the template takes them: the installation in ``A_InstData`` (I9/L9 the
  reporting period as dates, I20–I29 name, street, activity, post code, city, country name from
  its list, UN/LOCODE, coordinates as text), its processes (``A_InstData`` E83/L83…) and goods
  (E62…), and each good in ``Summary_Products`` from row 10 (process, CN code as eight digits,
  product name, clinker factor, carbon price);
* as **values** in ``Summary_Communication`` — the installation block G12–G21 and one row per good
  from row 26 (columns D–BA in the v2.1.1 layout), per tonne of product as the template's unit
  says (cement's clinker factor beside it) — so that a reader of cached values (an
  importer's tool opening it with ``data_only``) and a person opening it in Excel see the same.

The columns follow the v2.1.1 layout, which added column P (electricity EF) after v2.1; readers
built for v2.1 read columns from P on one place to the left.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.safe_yaml import safe_load

TEMPLATE = "communication-template-v2.1.1.xlsx"
FIRST_PRODUCT_ROW = 26
FIRST_INPUT_ROW = 10
MAX_GOODS = 10  # processes the template's A_InstData holds (P1–P10)
AGGREGATED_TEMPLATE_NAMES = {
    "Cement clinker": "Cement clinker",
    "Cement": "Cement",
    "Pig iron": "Pig iron",
    "Crude steel": "Crude steel",
    "Iron or steel products": "Iron or steel products",
    "Unwrought aluminium": "Unwrought aluminium",
}
"""Our aggregated goods categories → the template's list ``CONST_LIST_Goods``."""
ECONOMIC_ACTIVITY = {
    "cement": "Manufacture of cement",
    "iron_steel": "Manufacture of basic iron and steel",
    "aluminium": "Aluminium production",
}


def _template() -> Path:
    return Path(str(resources.files("dualcarbon.cbam").joinpath("data", "template", TEMPLATE)))


@cache
def template_countries() -> dict[str, str]:
    text = (
        resources.files("dualcarbon.cbam")
        .joinpath("data", "template", "countries.yaml")
        .read_text(encoding="utf-8")
    )
    raw = safe_load(text)
    assert isinstance(raw, dict)
    return {str(k): str(v) for k, v in raw["countries"].items()}


def electricity_source_code(source: str) -> str:
    """The template's code for where the electricity factor comes from (G_FurtherGuidance rows
    141–147): D.4(a) the Commission's factor, D.4(b) other published data."""
    return "D.4(a)" if source.startswith("default") else "D.4(b)"


def write_communication_json(record: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_communication_workbook(record: dict[str, Any], path: Path) -> Path:
    """Fill a copy of the template with ``record`` (:func:`dualcarbon.cbam.communication.
    communication`) at ``path``."""
    import warnings

    import openpyxl

    goods = record["goods"]
    if len(goods) > MAX_GOODS:
        raise InputError(
            [
                InputProblem(
                    "declaration",
                    f"the Commission's template holds {MAX_GOODS} production processes; the "
                    f"declaration has {len(goods)} goods: split it by installation part",
                    field="goods",
                    value=len(goods),
                )
            ]
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the template's x14 extensions
        book = openpyxl.load_workbook(_template())
    site = record["installation"]
    start = dt.datetime.fromisoformat(record["reporting_period"]["start"])
    end = dt.datetime.fromisoformat(record["reporting_period"]["end"])
    country = template_countries().get(site["country"] or "", site["country"])
    activity = ", ".join(
        dict.fromkeys(ECONOMIC_ACTIVITY.get(_category(g), "") for g in goods if _category(g))
    )
    inst = book["A_InstData"]
    inst["I9"], inst["L9"] = start, end
    for cell, value in (
        ("I20", site["name"]),
        ("I21", site["address"] or None),
        ("I22", activity or None),
        ("I23", site["postcode"] or None),
        ("I25", site["city"] or None),
        ("I26", country),
        ("I27", site["unlocode"]),
        ("I28", _coordinate(site["latitude"])),
        ("I29", _coordinate(site["longitude"])),
    ):
        inst[cell] = value
    for index, good in enumerate(goods):
        category_name = AGGREGATED_TEMPLATE_NAMES[good["aggregated_goods_category"]]
        inst[f"E{62 + index}"] = category_name
        inst[f"E{83 + index}"] = category_name
        inst[f"L{83 + index}"] = _process_name(good)
    products = book["Summary_Products"]
    summary = book["Summary_Communication"]
    for cell, value in (
        ("G12", site["name"]),
        ("G13", site["address"] or None),
        ("G14", activity or None),
        ("G15", site["city"] or None),
        ("G16", site["country"]),
        ("G17", site["unlocode"]),
        ("G18", _coordinate(site["latitude"])),
        ("G19", _coordinate(site["longitude"])),
        ("G20", start),
        ("G21", end),
    ):
        summary[cell] = value
    for index, good in enumerate(goods):
        _input_row(products, FIRST_INPUT_ROW + index, good)
        _summary_row(summary, FIRST_PRODUCT_ROW + index, good)
    book.save(path)
    return path


def _category(good: dict[str, Any]) -> str:
    name = good["aggregated_goods_category"]
    if name in ("Cement clinker", "Cement"):
        return "cement"
    if name == "Unwrought aluminium":
        return "aluminium"
    return "iron_steel"


def _process_name(good: dict[str, Any]) -> str:
    return f"{good['id']} - {good['aggregated_goods_category']}"


def _coordinate(value: float | None) -> str | None:
    """As text, as the template's own examples write it (readers strip to digits)."""
    return None if value is None else f"{value:.7f}°"


def _cn8(code: str) -> str:
    digits = code.replace(" ", "")
    return digits.ljust(8, "0") if len(digits) < 8 else digits


def _input_row(sheet: Any, row: int, good: dict[str, Any]) -> None:
    sheet[f"D{row}"] = _process_name(good)
    sheet[f"F{row}"] = _cn8(good["cn_code"])
    sheet[f"H{row}"] = good["product_name"]
    if "clinker_ratio_percent" in good:
        sheet[f"AB{row}"] = good["clinker_ratio_percent"] / 100
    price = good.get("carbon_price")
    if price is not None:
        covered = price["share_of_total_covered"]
        due = price["price_due_per_t_product"]
        sheet[f"AL{row}"] = "National Emissions Trading System"
        sheet[f"AM{row}"] = covered
        sheet[f"AP{row}"] = price["currency"]
        sheet[f"AR{row}"] = price["price_due_per_unit"] if due is None else due
        if price["share_covered_by_free_allocation"]:
            sheet[f"AT{row}"] = "Free allocation"
            sheet[f"AU{row}"] = covered * price["share_covered_by_free_allocation"]


def _summary_row(sheet: Any, row: int, good: dict[str, Any]) -> None:
    # the template's unit is the tonne of product (its clinker factor converts cement to the
    # tonne of clinker contained, the definitive period's functional unit); a cement on its
    # defaults has no clinker ratio, and its row stays per tonne of clinker contained
    if good["see_direct_per_t_product"] is not None:
        direct = good["see_direct_per_t_product"]
        indirect = good["see_indirect_per_t_product"]
        electricity = good["embedded_electricity_mwh_per_t_product"]
        unit = "tCO2e/t"
    else:
        direct, indirect = good["see_direct"], good["see_indirect"] or 0.0
        electricity = good["embedded_electricity_mwh_per_unit"]
        unit = f"tCO2e/{good['functional_unit']}"
    total = direct + (0.0 if good["direct_emissions_only"] else indirect)
    values: dict[str, Any] = {
        "D": _process_name(good),
        "E": good["aggregated_goods_category"],
        "F": _cn8(good["cn_code"]),
        "G": good["cn_description"],
        "H": good["product_name"],
        "I": direct,
        # an Annex II good counts direct emissions only: its total is the direct
        "J": None if good["direct_emissions_only"] else indirect,
        "K": total,
        "L": unit,
        "M": good["share_of_default_values"],
        "N": electricity_source_code(good["electricity_emission_factor_source"]),
        "O": electricity,
        "P": good["electricity_emission_factor"],
        "AC": good["clinker_ratio_percent"] / 100 if "clinker_ratio_percent" in good else None,
    }
    price = good.get("carbon_price")
    if price is not None:
        # China's ETS prices the direct emissions: the share of the total it covers is theirs,
        # free allocation a share of those
        free = price["share_covered_by_free_allocation"]
        covered = price["share_of_total_covered"]
        due = price["price_due_per_t_product"]
        due = price["price_due_per_unit"] if due is None else due
        values.update(
            {
                "AM": "National Emissions Trading System",
                "AN": covered,
                "AO": direct,
                "AP": unit,
                "AQ": price["currency"],
                "AR": due,
                "AS": f"{price['currency']}/t",
                "AT": "Free allocation" if free else None,
                "AU": covered * free if free else None,
                "AV": direct * free if free else None,
                "AW": unit if free else None,
                "AZ": due,
                "BA": f"{price['currency']}/t",
            }
        )
    for column, value in values.items():
        sheet[f"{column}{row}"] = value
