"""The background library: the shipped file loads and names a source for every record, a bad file
names every problem, and a product-system YAML uses a record by reference."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from dualcarbon.errors import InputError
from dualcarbon.footprint.background import (
    BackgroundLibrary,
    UnknownBackgroundRecordError,
    default_background_library,
    default_path,
    load_background_library,
    parse_background_library,
)
from dualcarbon.footprint.footprint import compute_footprint
from dualcarbon.footprint.model import BackgroundSupply, FlowOrigin, validate_product_system
from dualcarbon.io.product_yaml import read_product_system, resolve_background


def good_record(**changes: Any) -> dict[str, Any]:
    """One valid record (the numbers are test data, not a factor)."""
    record: dict[str, Any] = {
        "id": "test_material",
        "name_zh": "测试材料",
        "name_en": "Test material",
        "unit": "kg",
        "emission_factor": 2.0,
        "emission_factor_unit": "kgCO2e/kg",
        "origin": "fossil",
        "geography": "CN",
        "data_year": 2024,
        "scope": "test",
        "source": {
            "document": "test document",
            "table": "table 1",
            "year": 2024,
            "url": "https://example.org/doc",
        },
        "confidence": "verified",
        "checked": "test",
        "data_quality": [1, 2, 3, 4, 5],
        "basic_uncertainty": 1.05,
        "basic_uncertainty_ref": "demand/energy_materials_services/any",
    }
    record.update(changes)
    return record


def library_of(*records: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": 1, "records": list(records)}


# -- the shipped library ------------------------------------------------------------------------


def test_shipped_library_loads_and_every_record_has_a_source() -> None:
    library = default_background_library()
    assert len(library) >= 20
    for record in library:
        assert record.source.document.strip()
        assert record.source.table.strip()
        assert record.source.url.startswith(("http://", "https://"))
        assert record.confidence in ("verified", "known", "uncertain")
        assert record.checked.strip()
        supply = record.supply()
        assert isinstance(supply, BackgroundSupply)
        assert supply.product == record.id
        assert record.source.url in supply.source
        assert f"confidence: {record.confidence}" in supply.source
        assert supply.data_quality is not None
        assert supply.resolved_uncertainty().scale is not None


def test_shipped_library_is_the_file_read_from_disk() -> None:
    assert load_background_library(default_path()).ids == default_background_library().ids


@pytest.mark.parametrize(
    ("record_id", "value", "unit"),
    [
        # MEE/NBS/NEA announcement of 2025-01-17: 2023 national electricity CFP factor
        ("electricity_cn_grid_cfp_2023", 0.6205, "kgCO2e/kWh"),
        # IAI primary aluminium GHG intensity, 2022: 15.1 t CO2e/t
        ("aluminium_primary_iai_2022", 15.1, "kgCO2e/kg"),
        # worldsteel Sustainability Indicators 2023: 1.91 t CO2/t crude steel (2022)
        ("steel_crude_worldsteel_2022", 1.91, "kgCO2e/kg"),
        # IPCC 2006 Vol. 2 Table 1.4: 74 100 kg CO2/TJ diesel = 0.0741 kg/MJ
        ("diesel_combustion_ipcc2006", 0.0741, "kgCO2e/MJ"),
        # DESNZ 2025 freighting goods, container ship average
        ("freight_sea_container_desnz_2025", 0.01612, "kgCO2e/(t*km)"),
    ],
)
def test_shipped_values(record_id: str, value: float, unit: str) -> None:
    record = default_background_library().get(record_id)
    assert record.emission_factor == pytest.approx(value, rel=1e-12)
    assert record.emission_factor_unit == unit


def test_air_freight_is_marked_aircraft_and_nothing_else_is() -> None:
    library = default_background_library()
    aircraft = {r.id for r in library if r.aircraft}
    assert aircraft == {"freight_air_international_desnz_2025"}
    assert library.supply("freight_air_international_desnz_2025").aircraft is True
    assert all(r.origin is FlowOrigin.FOSSIL for r in library)


def test_transport_records_carry_the_transport_basic_uncertainty() -> None:
    # ecoinvent basic uncertainty: transport services Ub = 2.0 (data/pedigree.yaml)
    for record in default_background_library():
        if record.unit == "t*km":
            assert record.basic_uncertainty == 2.0
            assert record.basic_uncertainty_ref == "demand/transport/any"


def test_unknown_id_is_a_lookup_error_listing_the_known_ids() -> None:
    library = default_background_library()
    with pytest.raises(UnknownBackgroundRecordError) as info:
        library.get("unobtainium")
    assert isinstance(info.value, LookupError)
    assert "unobtainium" in str(info.value)
    assert "steel_crude_worldsteel_2022" in str(info.value)


# -- bad files ----------------------------------------------------------------------------------


def problems_of(raw: dict[str, Any]) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(InputError) as info:
        parse_background_library(raw, source="lib.yaml")
    assert all(p.file == "lib.yaml" for p in info.value.problems)
    return [(p.row, p.field, p.rule) for p in info.value.problems]


def test_a_good_record_parses() -> None:
    library = parse_background_library(library_of(good_record()), source="lib.yaml")
    assert isinstance(library, BackgroundLibrary)
    supply = library.supply("test_material")
    assert supply.emission_factor == 2.0
    assert supply.name == "测试材料 / Test material"


def test_every_bad_record_is_named_at_once() -> None:
    bad_source = good_record(id="no_url")
    bad_source["source"] = {**bad_source["source"], "url": "example.org"}
    raw = library_of(
        good_record(),  # row 1 fine
        good_record(),  # row 2 duplicate id
        good_record(id="bad_unit", unit="zorkmid"),  # row 3
        good_record(id="wrong_dimension", emission_factor_unit="kgCO2e/MJ"),  # row 4
        good_record(id="negative", emission_factor=-1.0),  # row 5
        bad_source,  # row 6
        good_record(id="unsure", confidence="probably"),  # row 7
        good_record(id="ub", basic_uncertainty=1.5),  # row 8: the ref says 1.05
        good_record(id="scores", data_quality=[1, 2, 3, 4, 6]),  # row 9
        good_record(id="Upper Case"),  # row 10
        good_record(id="extra", colour="blue"),  # row 11
        good_record(id="co2_only", emission_factor_unit="kgCO2/kg"),  # row 12: not CO2e
    )
    found = problems_of(raw)
    rows = {row for row, _, _ in found}
    assert rows == set(range(2, 13))
    by_row = {row: (field, rule) for row, field, rule in found}
    assert by_row[2] == ("id", "id used by an earlier record")
    assert by_row[3][0] == "unit"
    assert by_row[4][0] == "emission_factor_unit"
    assert by_row[5][0] == "emission_factor"
    assert by_row[6][0] == "source.url"
    assert by_row[7][0] == "confidence"
    assert by_row[8] == ("basic_uncertainty", "demand/energy_materials_services/any has Ub = 1.05")
    assert by_row[9][0] == "data_quality[5]"
    assert by_row[10][0] == "id"
    assert by_row[11][0] == "colour"
    assert by_row[12][0] == "emission_factor_unit"


def test_missing_source_fields_are_named() -> None:
    record = good_record()
    del record["source"]["url"]
    del record["checked"]
    found = problems_of(library_of(record))
    fields = {field for _, field, _ in found}
    assert fields == {"source.url", "checked"}


def test_schema_version_and_records_are_required() -> None:
    found = problems_of({"schema_version": 2, "records": [], "other": 1})
    fields = {field for _, field, _ in found}
    assert fields == {"schema_version", "records", "other"}


def test_a_bad_file_on_disk_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "lib.yaml"
    path.write_text(yaml.safe_dump(library_of(good_record(unit="zorkmid"))), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_background_library(path)
    assert info.value.problems[0].file == str(path)
    assert info.value.problems[0].sheet == "records"
    assert info.value.problems[0].row == 1


# -- overrides ----------------------------------------------------------------------------------


def test_supply_under_another_product_id() -> None:
    supply = default_background_library().supply(
        "electricity_cn_grid_cfp_2023", product="electricity_cn"
    )
    assert supply.product == "electricity_cn"
    assert supply.emission_factor == 0.6205


def test_a_changed_factor_needs_its_own_source() -> None:
    library = default_background_library()
    with pytest.raises(InputError) as info:
        library.supply("aluminium_primary_iai_2022", emission_factor=8.6)
    assert [p.field for p in info.value.problems] == ["source"]
    supply = library.supply(
        "aluminium_primary_iai_2022", emission_factor=8.6, source="supplier EPD (test)"
    )
    assert supply.emission_factor == 8.6
    assert supply.source == "supplier EPD (test)"


# -- use: in a product-system file ----------------------------------------------------------------


def widget_raw(background: list[dict[str, Any]]) -> dict[str, Any]:
    """1 kg widget made from 2 kg steel, moved 10 t·km by road (numbers are test data)."""
    return {
        "id": "widget",
        "name": "widget",
        "functional_unit": {"kind": "declared", "description": "1 kg", "amount": 1, "unit": "kg"},
        "reference_process": "make",
        "reference_product": "widget",
        "reference_flow": {"amount": 1, "unit": "kg"},
        "boundary": "cradle_to_gate",
        "stages": ["raw_material_acquisition", "production"],
        "cut_off": {"criterion": "mass", "threshold_percent": 1, "justification": "none left out"},
        "gwp_set": "AR6",
        "period": {"start": "2024-01-01", "end": "2024-12-31"},
        "geography": "CN",
        "background": background,
        "processes": [
            {
                "id": "make",
                "name": "make",
                "stage": "production",
                "exchanges": [
                    {"kind": "production", "product": "widget", "amount": 1, "unit": "kg"},
                    {
                        "kind": "technosphere",
                        "product": "steel_crude_worldsteel_2022",
                        "amount": 2,
                        "unit": "kg",
                    },
                    {"kind": "technosphere", "product": "road", "amount": 10, "unit": "t*km"},
                ],
            }
        ],
    }


def test_use_resolves_a_record_and_the_footprint_uses_its_factor() -> None:
    raw = widget_raw(
        [
            {"use": "steel_crude_worldsteel_2022"},
            {"use": "freight_road_hgv_desnz_2025", "product": "road"},
        ]
    )
    before = copy.deepcopy(raw)
    system = validate_product_system(resolve_background(raw, source="widget.yaml"))
    assert raw == before  # the caller's mapping is not changed
    supplies = {s.product: s for s in system.background}
    assert supplies["road"].emission_factor == 0.10163
    assert "worldsteel" in supplies["steel_crude_worldsteel_2022"].source
    # 2 kg × 1.91 kgCO2e/kg (worldsteel) + 10 t·km × 0.10163 kgCO2e/t·km (DESNZ HGV) = 4.8363
    assert compute_footprint(system).total == pytest.approx(2 * 1.91 + 10 * 0.10163, rel=1e-12)


def test_fields_next_to_use_override_the_record() -> None:
    raw = widget_raw(
        [
            {"use": "steel_crude_worldsteel_2022", "emission_factor": 2.5, "source": "mill EPD"},
            {"use": "freight_road_hgv_desnz_2025", "product": "road"},
        ]
    )
    system = validate_product_system(resolve_background(raw, source="widget.yaml"))
    # 2 kg × 2.5 + 10 t·km × 0.10163 = 6.0163
    assert compute_footprint(system).total == pytest.approx(2 * 2.5 + 10 * 0.10163, rel=1e-12)


def test_written_out_entries_are_left_alone() -> None:
    written = {
        "product": "road",
        "unit": "t*km",
        "emission_factor": 0.2,
        "emission_factor_unit": "kgCO2e/(t*km)",
        "source": "test",
    }
    raw = widget_raw([{"use": "steel_crude_worldsteel_2022"}, written])
    resolved = resolve_background(raw, source="widget.yaml")
    assert resolved["background"][1] == written


def test_unknown_id_and_bad_overrides_fail_clearly() -> None:
    raw = widget_raw(
        [
            {"use": "steel_hot_rolled_cn"},  # row 1: no such record
            {"use": "freight_road_hgv_desnz_2025", "product": "road", "colour": "red"},  # row 2
            {"use": "freight_rail_desnz_2025", "emission_factor": 0.01},  # row 3: no source
        ]
    )
    with pytest.raises(InputError) as info:
        resolve_background(raw, source="widget.yaml")
    found = {(p.row, p.field) for p in info.value.problems}
    assert found == {(1, "use"), (2, "colour"), (3, "source")}
    unknown = next(p for p in info.value.problems if p.row == 1)
    assert unknown.file == "widget.yaml"
    assert unknown.sheet == "background"
    assert unknown.value == "steel_hot_rolled_cn"
    assert "no record of this id in the background library" in unknown.rule
    assert "steel_crude_worldsteel_2022" in unknown.rule  # the known ids are listed


def test_read_product_system_resolves_use(tmp_path: Path) -> None:
    path = tmp_path / "widget.yaml"
    raw = widget_raw(
        [
            {"use": "steel_crude_worldsteel_2022"},
            {"use": "freight_road_hgv_desnz_2025", "product": "road"},
        ]
    )
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    system = read_product_system(path)
    assert {s.product for s in system.background} == {"steel_crude_worldsteel_2022", "road"}
    raw["background"][0] = {"use": "no_such_record"}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_product_system(path)
    assert info.value.problems[0].file == str(path)


def test_a_custom_library_can_be_given(tmp_path: Path) -> None:
    library = parse_background_library(
        library_of(good_record(id="steel_crude_worldsteel_2022", emission_factor=3.0)),
        source="mine.yaml",
    )
    raw = widget_raw(
        [
            {"use": "steel_crude_worldsteel_2022"},
            {
                "product": "road",
                "unit": "t*km",
                "emission_factor": 0.0,
                "emission_factor_unit": "kgCO2e/(t*km)",
                "source": "test",
            },
        ]
    )
    system = validate_product_system(resolve_background(raw, "widget.yaml", library))
    # 2 kg × 3.0 (the custom record) + 10 t·km × 0 = 6.0
    assert compute_footprint(system).total == pytest.approx(6.0, rel=1e-12)
