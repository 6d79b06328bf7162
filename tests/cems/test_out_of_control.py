"""Reading the out-of-control periods (dualcarbon.cems.out_of_control): every problem of a file
named with its row and field, all or nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dualcarbon.cems.out_of_control import OutOfControl, read_periods, to_table
from dualcarbon.errors import InputError


def test_periods_are_read_with_zoned_times_in_china_standard_time(tmp_path: Path) -> None:
    path = tmp_path / "ooc.csv"
    path.write_text(
        "source,parameter,start,end,reason\n"
        "S1,co2,2024-03-01T10:00,2024-03-01T12:00,zero drift 3.1 %\n"
        "S1,flow,2024-03-01T00:00Z,2024-03-01T01:30+00:00,\n",
        encoding="utf-8",
    )
    first, second = read_periods(path)
    assert first == OutOfControl(
        "S1", "co2", dt.datetime(2024, 3, 1, 10), dt.datetime(2024, 3, 1, 12), "zero drift 3.1 %"
    )
    # 00:00 UTC is 08:00 in China Standard Time, the minute data's clock
    assert (second.start, second.end) == (
        dt.datetime(2024, 3, 1, 8),
        dt.datetime(2024, 3, 1, 9, 30),
    )
    table = to_table([first, second])
    assert table.column_names == ["source", "parameter", "period_start", "period_end"]
    assert table.num_rows == 2


def test_every_problem_is_named(tmp_path: Path) -> None:
    path = tmp_path / "ooc.csv"
    path.write_text(
        "source,parameter,start,end\n"
        "S1,co2,2024-03-01T10:00,2024-03-01T12:00\n"
        ",o2,yesterday,2024-03-01T12:00\n"
        "S2,flow,2024-03-02T10:00,2024-03-02T09:00\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_periods(path)
    found = {(p.row, p.field) for p in caught.value.problems}
    assert found == {(3, "source"), (3, "parameter"), (3, "start"), (4, "end")}


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "ooc.csv"
    path.write_text("source,start,end\nS1,2024-03-01T10:00,2024-03-01T12:00\n", encoding="utf-8")
    with pytest.raises(InputError, match="parameter"):
        read_periods(path)


def test_a_period_must_name_a_monitor_and_end_after_it_starts() -> None:
    start = dt.datetime(2024, 3, 1)
    with pytest.raises(ValueError, match="parameter"):
        OutOfControl("S1", "so2", start, start + dt.timedelta(hours=1))
    with pytest.raises(ValueError, match="before it starts"):
        OutOfControl("S1", "co2", start, start)
