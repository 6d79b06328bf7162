"""Bulk import (dualcarbon.cems.intake): CSV and Parquet into the layout of schema.py, unit
conversion, all-or-nothing validation naming file, row, column and rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dualcarbon.cems import intake, pipeline
from dualcarbon.cems.intake import ImportSpec, import_files
from dualcarbon.cems.schema import STORED_SCHEMA
from dualcarbon.errors import InputError

SPEC = ImportSpec(
    columns={
        "stack": "source",
        "ts": "time",
        "CO2": "co2",
        "Q": "flow",
        "T": "temperature",
        "P": "pressure",
        "H2O": "moisture",
        "CO2_flag": "co2_flag",
    },
    units={"flow": "m3/s", "temperature": "K", "pressure": "Pa", "moisture": "fraction"},
)
HEADER = "stack,ts,CO2,Q,T,P,H2O,CO2_flag\n"
# The worked example of test_mass.py in other units: 1 500 000 m³/h = 416.666 666 7 m³/s,
# 130 °C = 403.15 K, 101.0 kPa = 101 000 Pa, 8 % = 0.08.
STEADY = "12.0,416.6666666666667,403.15,101000,0.08,N"


def csv_file(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def hour_of_rows(source: str, start: dt.datetime, minutes: int = 60) -> list[str]:
    return [
        f"{source},{(start + dt.timedelta(minutes=i)):%Y-%m-%d %H:%M:%S},{STEADY}"
        for i in range(minutes)
    ]


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_csv_lands_partitioned_and_converted(tmp_path: Path) -> None:
    rows = hour_of_rows("A", dt.datetime(2024, 1, 31, 23)) + hour_of_rows(
        "A", dt.datetime(2024, 2, 1, 0)
    )
    report = import_files(csv_file(tmp_path, "a.csv", rows), tmp_path / "root", SPEC)
    assert report.rows == 120
    folders = sorted(p.parent.relative_to(tmp_path / "root").as_posix() for p in report.written)
    assert folders == ["source=A/month=2024-01", "source=A/month=2024-02"]
    written = pq.read_table(report.written[0])
    assert written.column_names == STORED_SCHEMA.names
    first = written.to_pylist()[0]
    assert first["time"] == dt.datetime(2024, 1, 31, 23, 0)
    assert first["flow"] == pytest.approx(1_500_000.0)  # 416.667 m³/s × 3600
    assert first["temperature"] == pytest.approx(130.0)  # 403.15 K − 273.15
    assert first["pressure"] == pytest.approx(101.0)  # 101 000 Pa / 1000
    assert first["moisture"] == pytest.approx(8.0)  # 0.08 × 100
    # columns the input lacks: null, flag null; present without flag column: default flag N
    assert (first["o2"], first["o2_flag"], first["flow_flag"]) == (None, None, "N")
    assert not list((tmp_path / "root").glob(".intake-*"))


def test_imported_data_run_through_the_pipeline(tmp_path: Path) -> None:
    rows = hour_of_rows("A", dt.datetime(2024, 1, 1, 0))
    import_files(csv_file(tmp_path, "a.csv", rows), tmp_path / "root", SPEC)
    hourly = pipeline.run(tmp_path / "root").hourly
    assert isinstance(hourly, pa.Table)
    assert hourly["co2_t"][0].as_py() == pytest.approx(219.737, abs=5e-4)  # test_mass.py


def test_parquet_with_typed_and_zoned_times(tmp_path: Path) -> None:
    # 2024-01-01 00:00 UTC is 08:00 China Standard Time
    times = pa.array([dt.datetime(2024, 1, 1, 0, i) for i in range(3)], pa.timestamp("ms", "UTC"))
    table = pa.table(
        {
            "MN": ["88888880000001"] * 3,
            "DataTime": times,
            "co2": pa.array([12.0, 12.5, 13.0]),
            "co2_flag": ["N", "C", "N"],
        }
    )
    pq.write_table(table, tmp_path / "in.parquet")
    report = import_files(
        tmp_path / "in.parquet",
        tmp_path / "root",
        ImportSpec(columns={"MN": "source", "DataTime": "time"}),
    )
    (path,) = report.written
    assert path.parent.name == "month=2024-01"
    assert path.parent.parent.name == "source=88888880000001"
    out = pq.read_table(path)
    assert out["time"].to_pylist()[0] == dt.datetime(2024, 1, 1, 8, 0)
    assert out["co2_flag"].to_pylist() == ["N", "C", "N"]


def test_bad_rows_are_named_and_nothing_is_written(tmp_path: Path) -> None:
    good = csv_file(tmp_path, "good.csv", hour_of_rows("A", dt.datetime(2024, 1, 1)))
    bad = csv_file(
        tmp_path,
        "bad.csv",
        [
            f"A,2024-01-02 00:00:00,{STEADY}",
            "A,2024-01-02 00:01:00,abc,416.7,403.15,101000,0.08,N",
            "A,2024-13-02 00:02:00,12.0,416.7,403.15,101000,0.08,N",
            "A,2024-01-02 00:03:30,12.0,416.7,403.15,101000,0.08,N",
            "A,2024-01-02 00:04:00,12.0,-1,403.15,101000,0.08,N",
            "A,2024-01-02 00:05:00,12.0,416.7,403.15,101000,0.08,X",
            "A,2024-01-02 00:06:00,,416.7,403.15,101000,0.08,C",
            "../x,2024-01-02 00:07:00,12.0,416.7,403.15,101000,0.08,N",
        ],
    )
    root = tmp_path / "root"
    with pytest.raises(InputError) as caught:
        import_files([good, bad], root, SPEC)
    found = {(p.file, p.row, p.field, p.rule.split(" (")[0]) for p in caught.value.problems}
    name = str(bad)
    assert found == {
        (name, 2, "co2", "not a number"),
        (name, 3, "time", "time not readable"),
        (name, 4, "time", "time not on a whole minute"),
        (name, 5, "flow", "outside [0.0, 100000000.0] m3/h wet, stack conditions"),
        (name, 6, "co2_flag", "unknown flag"),
        (name, 7, "co2", "flag without value"),
        (name, 8, "source", "source not usable as a folder name"),
    }
    assert "bad.csv, row 2, field 'co2': not a number (got 'abc')" in str(caught.value)
    # all or nothing: not even the good file's rows, and no temporary folder left
    assert files_under(root) == []


def test_row_numbers_run_across_batches(tmp_path: Path) -> None:
    rows = hour_of_rows("A", dt.datetime(2024, 1, 31, 23)) + hour_of_rows(
        "A", dt.datetime(2024, 2, 1, 0)
    )
    rows[99] = rows[99].replace("12.0", "1e3")  # 1000 % CO2, row 100
    path = csv_file(tmp_path, "a.csv", rows)
    spec = ImportSpec(columns=SPEC.columns, units=SPEC.units, batch_rows=7)
    assert len(list(intake._batches(path, 7))) > 5  # the file is read in several batches
    with pytest.raises(InputError) as caught:
        import_files(path, tmp_path / "root", spec)
    (problem,) = caught.value.problems
    assert (problem.row, problem.field, problem.value) == (100, "co2", 1000.0)


def test_small_batches_write_the_same_rows(tmp_path: Path) -> None:
    rows = hour_of_rows("A", dt.datetime(2024, 1, 31, 23)) + hour_of_rows(
        "B", dt.datetime(2024, 1, 31, 23, 30)
    )
    spec = ImportSpec(columns=SPEC.columns, units=SPEC.units, batch_rows=7)
    report = import_files(csv_file(tmp_path, "a.csv", rows), tmp_path / "root", spec)
    back = pa.concat_tables(pq.read_table(p) for p in report.written)
    assert back.num_rows == 120
    assert len(report.written) == 3  # A/2024-01, B/2024-01, B/2024-02


def test_duplicate_minutes_are_rejected(tmp_path: Path) -> None:
    rows = hour_of_rows("A", dt.datetime(2024, 1, 1), 3)
    path = csv_file(tmp_path, "a.csv", [*rows, rows[1]])
    with pytest.raises(InputError) as caught:
        import_files(path, tmp_path / "root", SPEC)
    assert [(p.row, p.rule) for p in caught.value.problems] == [
        (2, "minute given more than once for its source"),
        (4, "minute given more than once for its source"),
    ]


def test_minutes_already_stored_are_rejected_not_replaced(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "a.csv", hour_of_rows("A", dt.datetime(2024, 1, 1), 3))
    root = tmp_path / "root"
    first = import_files(path, root, SPEC)
    before = files_under(root)
    with pytest.raises(InputError) as caught:
        import_files(path, root, SPEC)
    assert {p.rule for p in caught.value.problems} == {"minute already stored under the root"}
    assert files_under(root) == before == list(first.written)


@pytest.mark.parametrize(
    ("spec", "field", "rule"),
    [
        (ImportSpec(columns={"stack": "source"}), "time", "required column missing"),
        (ImportSpec(columns={"ts": "time"}), "source", "no source column and no source given"),
        (
            ImportSpec(columns={**SPEC.columns}, units={"flow": "furlongs"}),
            "flow",
            "unknown unit 'furlongs'",
        ),
        (ImportSpec(columns={**SPEC.columns, "Q": "co2"}), "Q", "second column for 'co2'"),
    ],
)
def test_file_level_problems(tmp_path: Path, spec: ImportSpec, field: str, rule: str) -> None:
    path = csv_file(tmp_path, "a.csv", hour_of_rows("A", dt.datetime(2024, 1, 1), 2))
    with pytest.raises(InputError) as caught:
        import_files(path, tmp_path / "root", spec)
    assert any(
        p.field == field and p.rule.startswith(rule) and p.row is None
        for p in caught.value.problems
    ), caught.value.problems


def test_values_without_flags_are_refused_when_no_default_flag(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "a.csv", hour_of_rows("A", dt.datetime(2024, 1, 1), 1))
    spec = ImportSpec(columns=SPEC.columns, units=SPEC.units, default_flag=None)
    with pytest.raises(InputError) as caught:
        import_files(path, tmp_path / "root", spec)
    assert {p.field for p in caught.value.problems} == {
        "flow_flag",
        "temperature_flag",
        "pressure_flag",
        "moisture_flag",
    }


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        import_files(tmp_path / "nope.csv", tmp_path / "root", SPEC)


def test_unit_table_covers_every_parameter() -> None:
    assert set(intake.UNIT_CONVERSIONS) == set(intake.RANGES)
    assert intake.UNIT_CONVERSIONS["co2"]["ppm"] == (1e-4, 0.0)  # 1 µmol/mol = 10⁻⁴ % vol


def test_gbk_csv_with_chinese_headers(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    text = "排放口,时间,二氧化碳\n1号机组,2024-01-01 00:00,12.5\n"
    path.write_bytes(text.encode("gbk"))
    spec = ImportSpec(
        columns={"排放口": "source", "时间": "time", "二氧化碳": "co2"}, encoding="gbk"
    )
    (written,) = import_files(path, tmp_path / "root", spec).written
    assert written.parent.parent.name == "source=1号机组"
    assert pq.read_table(written)["co2"].to_pylist() == [12.5]


def test_co2_in_mg_per_m3_is_kept_as_sent_beside_its_percent(tmp_path: Path) -> None:
    """Issue 14, item 4: a concentration converted with the molar volume keeps the value the
    file gave, with its unit, so the conversion can be redone; 235 767.8 mg/m³ ÷ (44.01/22.4 ×
    10⁴) = 12.000 % vol (HJ 75-2017's 22.4 L/mol)."""
    path = tmp_path / "mg.csv"
    path.write_text(
        "stack,ts,CO2,CO2_flag\n"
        + "".join(f"A,2024-03-01 00:{m:02d}:00,235767.8,N\n" for m in range(3)),
        encoding="utf-8",
    )
    spec = ImportSpec(
        columns={"stack": "source", "ts": "time", "CO2": "co2", "CO2_flag": "co2_flag"},
        units={"co2": "mg/m3"},
    )
    report = import_files(path, tmp_path / "root", spec)
    (row, *_) = pq.read_table(report.written[0]).to_pylist()
    assert row["co2"] == pytest.approx(235767.8 / (44.01 / 22.4 * 1e4), rel=1e-12)
    assert (row["co2_sent"], row["co2_sent_unit"]) == (235767.8, "mg/m3")
    plain = import_files(
        csv_file(tmp_path, "b.csv", hour_of_rows("B", dt.datetime(2024, 3, 1))),
        tmp_path / "root",
        SPEC,
    )
    (other, *_) = pq.read_table(plain.written[0]).to_pylist()
    assert (other["co2_sent"], other["co2_sent_unit"]) == (None, None)  # sent in % vol
