"""The YAML inventory reader: every problem named, nothing returned half-read."""

from pathlib import Path

import pytest

from dualcarbon.errors import InputError
from dualcarbon.io import read_inventory


def test_reads_demo_header_and_tables() -> None:
    from dualcarbon.demo import demo_inventory_path

    inventory = read_inventory(demo_inventory_path())
    assert inventory.header.year == 2024
    assert inventory.table("fuel").height == 27
    assert set(inventory.tables) == {"fuel", "electricity", "production"}


def test_collects_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "inventory: {organisation: '', year: 1800, methodology: cn-mee-power-2022}\n"
        "fuel:\n"
        "  - {month: 1, fuel: coal, consumption: lots, ncv: 20}\n"
        "  - {month: 2, fuel: coal, consumption: 5, ncv: 20, colour: red}\n"
        "gas_leaks: []\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_inventory(path)
    found = {(p.sheet, p.row, p.field) for p in info.value.problems}
    assert ("inventory", None, "organisation") in found
    assert ("inventory", None, "year") in found
    assert ("fuel", 1, "consumption") in found
    assert ("fuel", 2, "colour") in found
    assert (None, None, "gas_leaks") in found


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("inventory: {organisation: 示范}".encode("gbk"))
    with pytest.raises(InputError, match="UTF-8"):
        read_inventory(path)


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "plant.csv"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="unsupported"):
        read_inventory(path)
