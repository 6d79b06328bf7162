"""Province and nation totals (rollup/rollup.py): a small table worked by hand, the same answer
on DuckDB and on Spark (local mode), and a table with a bad row refused whole."""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa
import pytest

from dualcarbon.errors import InputError
from dualcarbon.rollup.rollup import ALL_SECTORS, NATION, roll_up

ROWS = [
    # organisation, facility, province, sector, year, tCO2e, u, tce
    ("甲", "一厂", "江苏", "power", 2025, 1000.0, 30.0, 400.0),
    ("乙", "一厂", "江苏", "power", 2025, 500.0, 40.0, 200.0),
    ("丙", "一厂", "江苏", "cement", 2025, 800.0, 10.0, 100.0),
    ("丁", "一厂", "山东", "cement", 2025, 200.0, 20.0, 50.0),
]
NAMES = ("organisation", "facility", "province", "sector", "year", "tco2e", "u_tco2e", "energy_tce")


def _table(rows: list[tuple[object, ...]]) -> pa.Table:
    return pa.table({name: [row[i] for row in rows] for i, name in enumerate(NAMES)})


def _by_key(table: pa.Table) -> dict[tuple[str, str], dict[str, object]]:
    return {(r["province"], r["sector"]): r for r in table.to_pylist()}


def test_totals_by_hand() -> None:
    found = _by_key(roll_up(_table(ROWS)))
    jiangsu = found[("江苏", ALL_SECTORS)]
    assert jiangsu["facilities"] == 3 and jiangsu["tco2e"] == pytest.approx(2300.0)
    assert jiangsu["u_tco2e"] == pytest.approx(math.sqrt(30**2 + 40**2 + 10**2))
    assert jiangsu["tco2e_per_tce"] == pytest.approx(2300.0 / 700.0)
    assert found[("江苏", "power")]["u_tco2e"] == pytest.approx(50.0)  # √(30² + 40²)
    nation = found[(NATION, ALL_SECTORS)]
    assert nation["facilities"] == 4 and nation["tco2e"] == pytest.approx(2500.0)
    assert nation["u_tco2e"] == pytest.approx(math.sqrt(900 + 1600 + 100 + 400))
    assert (NATION, "power") not in found  # ROLLUP: sectors within provinces, not nation-wide
    assert len(found) == 1 + 2 + 3  # the nation, two provinces, three province × sector


def test_a_facility_of_unknown_u_leaves_its_groups_without_one() -> None:
    rows = [*ROWS[:3], ("丁", "一厂", "山东", "cement", 2025, 200.0, None, 50.0)]
    found = _by_key(roll_up(_table(rows)))
    assert found[("山东", ALL_SECTORS)]["u_tco2e"] is None
    assert found[(NATION, ALL_SECTORS)]["u_tco2e"] is None
    assert found[("江苏", ALL_SECTORS)]["u_tco2e"] == pytest.approx(math.sqrt(2600))


@pytest.mark.xdist_group("spark")
def test_spark_gives_the_same_table(spark: Any) -> None:
    duck = roll_up(_table(ROWS), "duckdb").to_pylist()
    spark = roll_up(_table(ROWS), "spark").to_pylist()
    assert len(spark) == len(duck)
    for a, b in zip(duck, spark, strict=True):
        assert {k: a[k] for k in ("year", "province", "sector", "facilities")} == {
            k: b[k] for k in ("year", "province", "sector", "facilities")
        }
        for key in ("tco2e", "u_tco2e", "energy_tce", "tco2e_per_tce"):
            assert b[key] == pytest.approx(a[key], rel=1e-12)


def test_rows_without_province_or_emissions_are_refused() -> None:
    rows = [*ROWS, ("戊", "一厂", None, "power", 2025, None, 1.0, 1.0)]
    with pytest.raises(InputError) as caught:
        roll_up(_table(rows))
    assert {p.field for p in caught.value.problems} == {"province", "tco2e"}
