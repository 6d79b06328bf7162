"""The product-system workbook: layout, round trips, an edited workbook's footprint worked by hand,
and every rejected workbook naming its sheet, row and column."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from systems import GRID, PV, tiny, tiny_raw

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.footprint import model
from dualcarbon.footprint.footprint import compute_footprint
from dualcarbon.footprint.model import ProductSystem, validate_product_system
from dualcarbon.i18n import Lang
from dualcarbon.io.product_workbook import (
    BACKGROUND_COLUMNS,
    EXCHANGE_COLUMNS,
    EXCLUSION_COLUMNS,
    FIXED_SHEETS,
    FLOW_COLUMNS,
    PARAMETER_COLUMNS,
    PROCESS_COLUMNS,
    README_SHEET,
    SYSTEM_KEYS,
    process_sheet_names,
    read_product_workbook,
    write_product_workbook,
)
from dualcarbon.io.product_yaml import read_product_system

# The tiny system's footprint worked by hand (test_footprint.py explains each term) [kgCO2e/kg]
MAKE = 2 * 0.5366 + 0.5 * 3.0 + 0.1 + 0.002 * 29.8  # grid, resin, CO2, CH4: 2.7328
CAST = 10 * 0.7 * 0.5 * 0.4 + 1.0 * 0.7 * 0.5 - 0.2 * 0.7 * 0.5 * 2.0  # 1.61
HEAT = (3 - 0.7 * 1 * 0.5) * 0.07  # 0.1855
TOTAL = MAKE + CAST + HEAT  # 4.5283

# Rows of the tiny workbook: data start at row 3, so exchange k sits in row k + 2.
MAKE_SHEET = "process make"
PART_ROW, GRID_ROW, RESIN_ROW, STEAM_ROW = 4, 5, 6, 7
HEAT_PROCESS_ROW = 5  # processes sheet: make 3, cast 4, heat 5


def write(tmp_path: Path, system: ProductSystem, lang: Lang = "zh") -> Path:
    return write_product_workbook(system, tmp_path / f"{system.id}.xlsx", lang=lang)


def edited(path: Path, edit: Callable[[Any], None]) -> Path:
    """Open the workbook, apply ``edit`` to it, save it under a new name."""
    workbook = openpyxl.load_workbook(path)
    edit(workbook)
    out = path.with_name(f"edited-{path.name}")
    workbook.save(out)
    return out


def letter(sheet: Any, key: str) -> str:
    for cell in sheet[1]:
        if cell.value == key:
            return str(cell.column_letter)
    raise AssertionError(f"no column {key}")


def put(sheet_name: str, key: str, row: int, value: object) -> Callable[[Any], None]:
    def edit(workbook: Any) -> None:
        sheet = workbook[sheet_name]
        sheet[f"{letter(sheet, key)}{row}"] = value

    return edit


def problems_of(path: Path) -> list[InputProblem]:
    with pytest.raises(InputError) as caught:
        read_product_workbook(path)
    return list(caught.value.problems)


def places(problems: list[InputProblem]) -> list[tuple[str | None, int | None, str | None]]:
    return [(p.sheet, p.row, p.field) for p in problems]


@pytest.fixture
def tiny_book(tmp_path: Path) -> Path:
    return write(tmp_path, tiny())


# -- round trips -------------------------------------------------------------------------------


def test_tiny_round_trip_and_footprint(tiny_book: Path) -> None:
    system = tiny()
    back = read_product_workbook(tiny_book)
    assert back == system
    assert compute_footprint(back).total == pytest.approx(TOTAL, rel=1e-12)


def test_pv_round_trip_and_footprint(tmp_path: Path) -> None:
    system = read_product_system(PV)
    back = read_product_workbook(write(tmp_path, system))
    assert back == system
    assert (
        back.process("module_assembly").parameters == system.process("module_assembly").parameters
    )
    assert compute_footprint(back).total == pytest.approx(
        compute_footprint(system).total, rel=1e-12
    )


def rich_raw() -> dict[str, Any]:
    """The tiny system with everything the tiny one leaves out: a cradle-to-grave boundary with
    stage exclusions, study facts, product properties, a parameter with an uncertainty, a process
    parameter, electricity data quality, an exchange stage, a flow CAS, and a process id too long
    for an Excel sheet name."""
    raw = copy.deepcopy(tiny_raw())
    long_id = "make_widgets_on_the_second_assembly_line"  # 40 characters
    raw |= {
        "description": "多行\n说明",
        "boundary": "cradle_to_grave",
        "functional_unit": {"kind": "functional", "description": "1 kg", "amount": 1, "unit": "kg"},
        "stage_exclusions": [
            {"stage": "distribution", "justification": "sold at the gate"},
            {"stage": "use", "justification": "no use-phase emissions"},
            {"stage": "end_of_life", "justification": "unknown"},
        ],
        "reference_process": long_id,
        "product": {"mass": 1.0, "fossil_carbon": 0.2},
        "study": {
            "commissioner": "示例公司",
            "report_date": "2025-03-01",
            "assumptions": ["one", "二"],
            "conclusions": ["fine"],
        },
        "parameters": [
            {
                "name": "resin_per_kg",
                "value": 0.5,
                "unit": "kg",
                "description": "resin use",
                "uncertainty": {"type": 4, "minimum": 0.4, "maximum": 0.6},
            }
        ],
    }
    raw["recycling"] = {"method": "cut_off", "justification": "default"}
    raw["flows"][0]["cas"] = "124-38-9"
    make = raw["processes"][0]
    make |= {"id": long_id, "location": "CN-JS", "description": "line 2"}
    make["parameters"] = [{"name": "ch4_g", "value": 2, "unit": "g"}]
    make["exchanges"][2]["electricity"] |= {
        "data_quality": [2, 3, 1, 2, 4],
        "basic_uncertainty": 1.05,
    }
    make["exchanges"][2]["stage"] = "raw_material_acquisition"
    make["exchanges"][3] = {
        **make["exchanges"][3],
        "amount": None,
        "formula": "resin_per_kg",
        "data_quality": [1, 2, 1, 1, 1],
        "source": "meter",
        "comment": "注释",
    }
    del make["exchanges"][3]["amount"]
    make["exchanges"][7] = {"kind": "emission", "flow": "ch4", "formula": "ch4_g", "unit": "g"}
    return raw


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rich_round_trip(tmp_path: Path, lang: Lang) -> None:
    system = validate_product_system(rich_raw())
    path = write(tmp_path, system, lang)
    assert read_product_workbook(path) == system
    assert compute_footprint(read_product_workbook(path)).total == pytest.approx(TOTAL, rel=1e-12)
    workbook = openpyxl.load_workbook(path)
    # "process " + the id's first 21 characters + "~1" (its position): Excel's 31 at most
    sheet_name = "process make_widgets_on_the_s~1"
    assert len(sheet_name) == 31
    assert sheet_name in workbook.sheetnames
    processes = workbook["processes"]
    assert processes[f"{letter(processes, 'sheet')}3"].value == sheet_name


# -- layout --------------------------------------------------------------------------------------


def test_layout(tiny_book: Path) -> None:
    workbook = openpyxl.load_workbook(tiny_book)
    assert workbook.sheetnames == [
        *FIXED_SHEETS,
        "process make",
        "process cast",
        "process heat",
        README_SHEET,
    ]
    system = workbook["system"]
    assert [c.value for c in system[1]] == ["key", "value", "说明"]
    assert [system.cell(row, 1).value for row in range(2, len(SYSTEM_KEYS) + 2)] == [
        column.key for column in SYSTEM_KEYS
    ]
    rows = {system.cell(row, 1).value: row for row in range(2, system.max_row + 1)}
    assert system.cell(rows["gwp_set"], 2).value == "gwp-ipcc-ar6"
    assert system.cell(rows["stages"], 2).value == "raw_material_acquisition, production"
    make = workbook[MAKE_SHEET]
    assert [c.value for c in make[1]] == [column.key for column in EXCHANGE_COLUMNS]
    assert make[f"{letter(make, 'kind')}2"].value == "类型*"
    assert make.freeze_panes == "B3"
    assert make[f"{letter(make, 'grid_factor')}{GRID_ROW}"].value == GRID
    assert make[f"{letter(make, 'amount')}{RESIN_ROW}"].value == 0.5
    assert make[f"{letter(make, 'primary')}{RESIN_ROW}"].value == "是"
    listed = {
        str(v.sqref).split(":")[0].rstrip("0123456789"): v.formula1
        for v in make.data_validations.dataValidation
        if v.type == "list"
    }
    assert listed[letter(make, "kind")] == (
        '"production,technosphere,avoided_product,emission,resource"'
    )
    assert "location_based" in listed[letter(make, "electricity_basis")]
    assert listed[letter(make, "uncertainty_type")] == '"0,1,2,3,4,5"'
    assert "end_of_life" in listed[letter(make, "stage")]
    assert make.column_dimensions[letter(make, "comment")].width == 30
    assert make.column_dimensions[letter(make, "grid_factor")].width == 28
    english = openpyxl.load_workbook(
        write_product_workbook(tiny(), tiny_book.with_name("en.xlsx"), "en")
    )
    assert english[MAKE_SHEET][f"{letter(make, 'kind')}2"].value == "kind*"


def test_sheet_names_of_long_odd_and_clashing_ids() -> None:
    names = process_sheet_names(["short", "x" * 23, "x" * 24, "a/b", "SHORT", "a" * 40, "a" * 40])
    assert names[:2] == ["process short", "process " + "x" * 23]  # exactly 31 characters
    assert names[2] == "process " + "x" * 21 + "~3"
    assert names[3] == "process a_b~4"
    assert names[4] == "process SHORT~5"  # Excel ignores case
    assert names[5] == "process " + "a" * 21 + "~6"
    assert names[6] == "process " + "a" * 21 + "~7"
    assert all(len(name) <= 31 for name in names)


# -- an edited workbook --------------------------------------------------------------------------


def test_edited_amount_gives_the_footprint_by_hand(tiny_book: Path) -> None:
    # 0.8 kg resin instead of 0.5 kg: 0.3 kg more × 3.0 kgCO2e/kg (background factor)
    path = edited(tiny_book, put(MAKE_SHEET, "amount", RESIN_ROW, 0.8))
    system = read_product_workbook(path)
    assert system.process("make").exchanges[3].amount == 0.8
    assert compute_footprint(system).total == pytest.approx(TOTAL + 0.3 * 3.0, rel=1e-12)


def test_blank_rows_are_skipped_and_rows_stay_those_of_excel(tiny_book: Path) -> None:
    def edit(workbook: Any) -> None:
        workbook[MAKE_SHEET].insert_rows(PART_ROW)  # part moves to row 5, resin to row 7
        put(MAKE_SHEET, "amount", RESIN_ROW + 1, "lots")(workbook)

    problems = problems_of(edited(tiny_book, edit))
    assert places(problems) == [(MAKE_SHEET, RESIN_ROW + 1, "amount")]


def test_background_row_may_use_a_library_record(tiny_book: Path) -> None:
    def edit(workbook: Any) -> None:
        sheet = workbook["background"]
        row = 4  # steel
        for cell in sheet[row]:
            cell.value = None
        sheet[f"{letter(sheet, 'use')}{row}"] = "steel_crude_worldsteel_2022"
        sheet[f"{letter(sheet, 'product')}{row}"] = "steel"

    system = read_product_workbook(edited(tiny_book, edit))
    steel = next(s for s in system.background if s.product == "steel")
    assert steel.emission_factor == 1.91  # worldsteel 2022, the library record
    assert "steel_crude_worldsteel_2022" in steel.source


# -- rejected workbooks --------------------------------------------------------------------------


def remove(name: str) -> Callable[[Any], None]:
    def edit(workbook: Any) -> None:
        workbook.remove(workbook[name])

    return edit


def all_scores(row: int, scores: tuple[int, ...]) -> Callable[[Any], None]:
    def edit(workbook: Any) -> None:
        for key, score in zip(
            (
                "dq_reliability",
                "dq_completeness",
                "dq_temporal",
                "dq_geographical",
                "dq_technological",
            ),
            scores,
            strict=True,
        ):
            put(MAKE_SHEET, key, row, score)(workbook)

    return edit


def add_sheet(name: str) -> Callable[[Any], None]:
    def edit(workbook: Any) -> None:
        workbook.create_sheet(name)

    return edit


def new_column(workbook: Any) -> None:
    sheet = workbook[MAKE_SHEET]
    sheet.cell(1, sheet.max_column + 1, "colour")


def system_value(key: str, value: object) -> Callable[[Any], None]:
    def edit(workbook: Any) -> None:
        sheet = workbook["system"]
        row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == key)
        sheet.cell(row, 2, value)

    return edit


def use_unknown(workbook: Any) -> None:
    sheet = workbook["background"]
    sheet[f"{letter(sheet, 'use')}3"] = "no_such_record"


def system_row_deleted(key: str) -> Callable[[Any], None]:
    def edit(workbook: Any) -> None:
        sheet = workbook["system"]
        row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == key)
        sheet.delete_rows(row)

    return edit


def label_overwritten(workbook: Any) -> None:
    put(MAKE_SHEET, "amount", 2, 7)(workbook)


REJECTED: dict[str, tuple[Callable[[Any], None], list[tuple[str, int | None, str | None]], str]] = {
    "missing process sheet": (
        remove("process heat"),
        [("processes", HEAT_PROCESS_ROW, "id")],
        "no sheet 'process heat'",
    ),
    "missing fixed sheet": (remove("flows"), [("flows", None, None)], "missing sheet"),
    "text in amount": (
        put(MAKE_SHEET, "amount", RESIN_ROW, "half a kilo"),
        [(MAKE_SHEET, RESIN_ROW, "amount")],
        "a number is expected",
    ),
    "formula cell": (
        put(MAKE_SHEET, "amount", RESIN_ROW, "=0.25*2"),
        [(MAKE_SHEET, RESIN_ROW, "amount")],
        "formulas are not accepted",
    ),
    "unknown kind": (
        put(MAKE_SHEET, "kind", PART_ROW, "input"),
        [(MAKE_SHEET, PART_ROW, "kind")],
        "'technosphere'",
    ),
    "unknown product": (
        put(MAKE_SHEET, "product", STEAM_ROW, "steem"),
        [(MAKE_SHEET, STEAM_ROW, "product")],
        "no provider",
    ),
    "pedigree score 6": (
        all_scores(RESIN_ROW, (1, 2, 6, 1, 1)),
        [(MAKE_SHEET, RESIN_ROW, "dq_temporal")],
        "less than or equal to 5",
    ),
    "unknown column": (new_column, [(MAKE_SHEET, 1, "colour")], "unknown column"),
    "process sheet without a process row": (
        add_sheet("process ghost"),
        [("process ghost", None, None)],
        "without a row in 'processes'",
    ),
    "system value breaks a model rule": (
        system_value("functional_unit.amount", -1),
        [("system", 7, "functional_unit.amount")],
        "greater than 0",
    ),
    "unknown system key": (
        lambda workbook: workbook["system"].append(["colour", "blue"]),
        [("system", len(SYSTEM_KEYS) + 2, "colour")],  # title row + one row per key, then this
        "unknown key",
    ),
    "system key missing": (
        system_row_deleted("functional_unit.amount"),
        [("system", None, "functional_unit.amount")],
        "required",
    ),
    "allocation factor on an input": (
        put(MAKE_SHEET, "allocation_factor", PART_ROW, 0.5),
        [(MAKE_SHEET, PART_ROW, "allocation_factor")],
        "only a production row",
    ),
    "allocation factors off": (
        put("process cast", "allocation_factor", 3, 0.9),
        [("process cast", 3, "allocation_factor")],
        "sum to 1",
    ),
    "unknown background record": (use_unknown, [("background", 3, "use")], "background library"),
    "data in the label row": (label_overwritten, [(MAKE_SHEET, 2, "amount")], "row 2"),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_rejected_workbook_names_sheet_row_and_column(tiny_book: Path, case: str) -> None:
    edit, expected, rule = REJECTED[case]
    problems = problems_of(edited(tiny_book, edit))
    assert places(problems) == expected
    assert rule in problems[0].rule
    assert all(p.file.endswith("edited-tiny.xlsx") for p in problems)


def test_every_problem_at_once(tiny_book: Path) -> None:
    def edit(workbook: Any) -> None:
        put(MAKE_SHEET, "amount", RESIN_ROW, "x")(workbook)
        put("process cast", "kind", 4, "import")(workbook)
        put("parameters", "process", 3, "nowhere")(workbook)
        put("parameters", "name", 3, "p")(workbook)
        put("parameters", "value", 3, 1)(workbook)

    assert places(problems_of(edited(tiny_book, edit))) == [  # in the workbook's sheet order
        ("parameters", 3, "process"),
        (MAKE_SHEET, RESIN_ROW, "amount"),
        ("process cast", 4, "kind"),  # its allocation factor (slag) raises nothing more
    ]


def test_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.xlsx"
    path.write_text("id: tiny\n", encoding="utf-8")
    problems = problems_of(path)
    assert len(problems) == 1
    assert "not a readable Excel workbook" in problems[0].rule


def test_electricity_uncertainty_has_no_column(tmp_path: Path) -> None:
    raw = tiny_raw()
    raw["processes"][0]["exchanges"][2]["electricity"]["uncertainty"] = {"type": 1}
    with pytest.raises(ValueError, match="no column"):
        write(tmp_path, validate_product_system(raw))


def test_a_system_built_on_an_inventory_stays_yaml(tmp_path: Path) -> None:
    from dualcarbon.demo import demo_footprint_path
    from dualcarbon.io.product_yaml import read_product_system

    clinker = read_product_system(demo_footprint_path("cement-clinker.yaml"))
    with pytest.raises(ValueError, match="keep this product system as YAML"):
        write(tmp_path, clinker)


# Where each field of the model lives in the workbook: a column key (or a system-sheet key), or
# a sheet. A field added to the model fails here until the workbook learns it; otherwise a round
# trip would drop it without a word.
SHEETS = {"parameters", "flows", "background", "processes", "exclusions", "process <id>"}
SAME = "same"  # the column key is the field's name
PLACES: dict[type, tuple[tuple[Any, ...], Mapping[str, str | None]]] = {
    model.ProductSystem: (
        (),
        dict.fromkeys({c.key.split(".")[0] for c in SYSTEM_KEYS}, "system")
        | {"parameters": "parameters", "flows": "flows", "background": "background"}
        | {"processes": "processes"}
        | {"gate_to_gate": None},  # no place: the writer refuses it (test below)
    ),
    model.Process: (
        PROCESS_COLUMNS,
        dict.fromkeys(("id", "name", "location", "stage", "description"), SAME)
        | {"allocation": "allocation_method", "exchanges": "process <id>"}
        | {"parameters": "parameters"},
    ),
    model.Allocation: (
        (*PROCESS_COLUMNS, *EXCHANGE_COLUMNS),
        {"method": "allocation_method", "basis": "allocation_basis"}
        | {"justification": "allocation_justification", "factors": "allocation_factor"},
    ),
    model.Exchange: (
        EXCHANGE_COLUMNS,
        dict.fromkeys(
            ("kind", "product", "flow", "amount", "formula", "unit", "stage", "source"), SAME
        )
        | dict.fromkeys(("basic_uncertainty", "primary", "material", "secondary"), SAME)
        | dict.fromkeys(("eol_recycling", "comment"), SAME)
        | {"data_quality": "dq_reliability", "uncertainty": "uncertainty_type"}
        | {"electricity": "electricity_basis"},
    ),
    model.ElectricityChoice: (
        EXCHANGE_COLUMNS,
        dict.fromkeys(("grid_factor", "emission_factor", "emission_factor_unit"), SAME)
        | dict.fromkeys(("instrument", "evidence", "location_factor"), SAME)
        | {"basis": "electricity_basis", "data_quality": "electricity_data_quality"}
        | {"basic_uncertainty": "electricity_basic_uncertainty"}
        | {"uncertainty": None},  # no column: the writer refuses it (test above)
    ),
    model.BackgroundSupply: (
        BACKGROUND_COLUMNS,
        dict.fromkeys(("product", "name", "unit", "emission_factor", "source"), SAME)
        | dict.fromkeys(("emission_factor_unit", "basic_uncertainty", "origin"), SAME)
        | {"aircraft": SAME, "data_quality": "dq_reliability", "uncertainty": "uncertainty_type"},
    ),
    model.Flow: (FLOW_COLUMNS, {c.key: SAME for c in FLOW_COLUMNS}),
    model.Exclusion: (EXCLUSION_COLUMNS, {c.key: SAME for c in EXCLUSION_COLUMNS}),
    model.CutOffRule: (
        tuple(c for c in SYSTEM_KEYS if c.key.startswith("cut_off.")),
        {name: f"cut_off.{name}" for name in ("criterion", "justification")}
        | {name: f"cut_off.{name}" for name in ("threshold_percent", "total_percent")}
        | {"exclusions": "exclusions"},
    ),
    model.Parameter: (
        PARAMETER_COLUMNS,
        dict.fromkeys(("name", "value", "formula", "unit", "description"), SAME)
        | {"uncertainty": "uncertainty_type"},
    ),
    model.Uncertainty: (
        PARAMETER_COLUMNS,
        {"type": "uncertainty_type", "loc": "uncertainty_loc", "scale": "uncertainty_scale"}
        | {"minimum": "uncertainty_min", "maximum": "uncertainty_max"},
    ),
}


@pytest.mark.parametrize("part", list(PLACES), ids=lambda part: part.__name__)
def test_every_field_of_the_model_has_a_place(part: Any) -> None:
    columns, places = PLACES[part]
    assert set(part.model_fields) == set(places)
    keys = {column.key for column in columns}
    for name, place in places.items():
        if place == SAME:
            assert name in keys
        elif place is not None and place not in SHEETS and place != "system":
            assert place in keys
