"""The product-system YAML file: the example reads, round-trips, bad files name every problem."""

from pathlib import Path

import pytest
import yaml

from dualcarbon.errors import InputError
from dualcarbon.footprint.model import ElectricityBasis, RecyclingMethod, Stage
from dualcarbon.io.product_yaml import (
    dump_product_system,
    read_product_system,
    write_product_system,
)

EXAMPLE = (
    Path(__file__).parents[3]
    / "src"
    / "dualcarbon"
    / "demo"
    / "data"
    / "footprint"
    / "pv-module-simple.yaml"
)


def test_example_reads() -> None:
    system = read_product_system(EXAMPLE)
    assert system.reference_process == "module_assembly"
    assert system.gwp_set == "gwp-ipcc-ar6"  # written as AR6
    assert set(system.stages) == {Stage.RAW_MATERIAL_ACQUISITION, Stage.PRODUCTION}
    assert system.recycling.method is RecyclingMethod.CUT_OFF
    amounts = system.amounts()
    # glass: 3.2 mm / 1000 × 2500 kg/m³ × 1.02 = 8.16 kg per m² of module
    assert amounts["module_assembly"][2] == pytest.approx(8.16)
    # wafer per m² of cell: 1 / 0.97
    assert amounts["cell"][1] == pytest.approx(1 / 0.97)
    # frame aluminium: 0.42 kg secondary of 1.12 kg
    assert system.recycled_content("aluminium_frame") == {"aluminium": pytest.approx(0.375)}
    choice = system.electricity_choices()["electricity_cn_grid"]
    assert choice.basis is ElectricityBasis.LOCATION_BASED
    assert choice.grid_factor == "cn-grid-ef-2022/co2_emission_factor/grid/CN"
    providers = system.providers()
    assert providers["polysilicon"].kind == "background"
    assert providers["junction_box"].kind == "cut_off"
    assert providers["extrusion_scrap"].ref == "aluminium_frame"


def test_round_trip(tmp_path: Path) -> None:
    system = read_product_system(EXAMPLE)
    path = tmp_path / "again.yaml"
    write_product_system(system, path)
    again = read_product_system(path)
    assert again == system
    assert dump_product_system(again) == dump_product_system(system)
    assert "单晶硅光伏组件" in path.read_text(encoding="utf-8")


def _broken(tmp_path: Path, edit: object) -> Path:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert callable(edit)
    edit(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _process(raw: dict[str, object], process_id: str) -> dict[str, object]:
    processes = raw["processes"]
    assert isinstance(processes, list)
    return next(p for p in processes if p["id"] == process_id)


def test_bad_file_names_file_process_exchange_and_field(tmp_path: Path) -> None:
    def edit(raw: dict[str, object]) -> None:
        _process(raw, "cell")["exchanges"][2]["unit"] = "kWhh"  # type: ignore[index]
        _process(raw, "solar_glass")["exchanges"][1]["amount"] = -0.6  # type: ignore[index]
        _process(raw, "aluminium_frame")["allocation"]["factors"]["extrusion_scrap"] = 0.2  # type: ignore[index]

    path = _broken(tmp_path, edit)
    with pytest.raises(InputError) as caught:
        read_product_system(path)
    found = {(p.file, p.sheet, p.row, p.field) for p in caught.value.problems}
    assert found == {
        (str(path), "process cell", 3, "unit"),
        (str(path), "process solar_glass", 2, "amount"),
        (str(path), "process aluminium_frame", None, "allocation.factors"),
    }
    message = str(caught.value)
    assert "process cell', row 3, field 'unit': unknown unit (got 'kWhh')" in message


def test_bad_link_names_process_and_exchange(tmp_path: Path) -> None:
    def edit(raw: dict[str, object]) -> None:
        _process(raw, "module_assembly")["exchanges"][3]["product"] = "alu_frame"  # type: ignore[index]
        raw["gwp_set"] = "AR9"

    path = _broken(tmp_path, edit)
    with pytest.raises(InputError) as caught:
        read_product_system(path)
    problems = caught.value.problems
    assert any(
        (p.sheet, p.row, p.field, p.value) == ("process module_assembly", 4, "product", "alu_frame")
        and "no provider" in p.rule
        for p in problems
    )
    assert any(p.field == "gwp_set" and "gwp-ipcc-ar6" in p.rule for p in problems)


def test_unknown_process_field_is_named(tmp_path: Path) -> None:
    def edit(raw: dict[str, object]) -> None:
        _process(raw, "wafer")["locaton"] = "CN"

    with pytest.raises(InputError) as caught:
        read_product_system(_broken(tmp_path, edit))
    [problem] = caught.value.problems
    assert (problem.sheet, problem.field) == ("process wafer", "locaton")


def test_not_yaml_or_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("processes: [unclosed", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        read_product_system(path)
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(InputError, match="top level must be a product system"):
        read_product_system(path)


def test_nul_character_is_refused(tmp_path: Path) -> None:
    def edit(raw: dict[str, object]) -> None:
        raw["name"] = "PV\x00module"

    with pytest.raises(InputError, match="NUL"):
        read_product_system(_broken(tmp_path, edit))
