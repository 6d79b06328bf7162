"""The CEMS batch pipeline (dualcarbon.cems.pipeline and sql/): validity of hours and days,
substitution, sums, on a stack whose every hour is worked out by hand; and DuckDB == Spark.

Every hour of stack S1 is the worked example of test_mass.py (E0 = 219.5996 t/h) unless edited:

====================  ================================================  =====================
hours                 edit                                               expected
====================  ================================================  =====================
01-02 05:00           CO2 flag C for 15 min → 45 valid minutes           measured, E0
01-02 06:00           CO2 10 %                                           measured, 10/12 E0
01-02 07:00           CO2 flag C for 16 min → 44 valid minutes           mean of 06:00, 08:00:
                                                                          11/12 E0
01-03 09:00           flow flag M for 20 min → flow 40 valid minutes     Q_sn mean of neighbours
                                                                          = E0
01-05 12:00           CO2 15 %                                           measured, 15/12 E0
01-09 22:00–01-11 03  CO2 flag D: a 30-hour gap                          max of previous 720
                                                                          valid h = 15/12 E0
01-15 00:00–04:00     CO2 flag C: a 5-hour gap                           mean of neighbours, E0
01-20 10:00–11:00     no rows at all: a 2-hour gap                        E0
01-25 (whole day)     flow flag F: stopped                               0 t, not counted
====================  ================================================  =====================

HJ 75-2017 / HJ 76-2017 rules used (see docs/cems.md): an hourly mean needs ≥ 45 valid minutes;
a daily value ≥ 20 valid hours; a month ≥ 25 valid days (February 23). With a quarterly capture
rate ≥ 90 %, a gap ≤ 24 h takes the mean of the valid hours before and after, a longer one the
maximum of the 720 valid hours before it, and out-of-control hours the maximum of the 180 (≤ 24 h)
or 720 valid hours before; under 90 %, every gap the maximum of the 2160 before (stacks S7–S10).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from dualcarbon.cems import mass, pipeline
from dualcarbon.cems.engines import DuckDBMinutes, SparkMinutes
from dualcarbon.cems.out_of_control import OutOfControl
from dualcarbon.cems.pipeline import PipelineResult

E0 = mass.hourly_co2_mass(12.0, 1_500_000.0, 130.0, 101.0, 8.0)  # 219.5996 t/h, test_mass.py


def s1(minutes: Any) -> pa.Table:
    stack = minutes("S1", "2024-01-01T00:00", "2024-03-01T00:00")
    stack.set("2024-01-02T05:00", "2024-01-02T05:15", flag="C", parameters=("co2",))
    stack.set("2024-01-02T06:00", "2024-01-02T07:00", co2=10.0)
    stack.set("2024-01-02T07:00", "2024-01-02T07:16", flag="C", parameters=("co2",))
    stack.set("2024-01-03T09:00", "2024-01-03T09:20", flag="M", parameters=("flow",))
    stack.set("2024-01-05T12:00", "2024-01-05T13:00", co2=15.0)
    stack.set("2024-01-09T22:00", "2024-01-11T04:00", flag="D", parameters=("co2",))
    stack.set("2024-01-15T00:00", "2024-01-15T05:00", flag="C", parameters=("co2",))
    stack.drop("2024-01-20T10:00", "2024-01-20T12:00")
    stack.set("2024-01-25T00:00", "2024-01-26T00:00", flag="F", parameters=("flow",))
    return stack.table()


def window_stack(minutes: Any, source: str, spike_hour: int) -> pa.Table:
    """800 valid hours (CO2 20 % in hour ``spike_hour``, else 12 %), then a 30-hour CO2 gap,
    then 5 valid hours. The 720 valid hours before the gap are hours 80…799."""
    start = dt.datetime(2024, 4, 1)
    stack = minutes(source, "2024-04-01T00:00", (start + dt.timedelta(hours=835)).isoformat())
    spike = start + dt.timedelta(hours=spike_hour)
    stack.set(spike.isoformat(), (spike + dt.timedelta(hours=1)).isoformat(), co2=20.0)
    gap = start + dt.timedelta(hours=800)
    end = gap + dt.timedelta(hours=30)
    stack.set(gap.isoformat(), end.isoformat(), flag="D", parameters=("co2",))
    return stack.table()


def edge_stacks(minutes: Any) -> list[pa.Table]:
    """S5: its first 2 hours invalid (only a valid hour after); S6: its first 30 hours."""
    s5 = minutes("S5", "2024-06-01T00:00", "2024-06-02T00:00")
    s5.set("2024-06-01T00:00", "2024-06-01T02:00", flag="C", parameters=("co2",))
    s6 = minutes("S6", "2024-06-01T00:00", "2024-06-03T00:00")
    s6.set("2024-06-01T00:00", "2024-06-02T06:00", flag="C", parameters=("co2",))
    return [s5.table(), s6.table()]


def capture_stack(minutes: Any, source: str, gaps: int) -> pa.Table:
    """240 hours from 07-01 (Q3), CO2 15 % in hour 10, then ``gaps`` one-hour CO2 gaps (flag D)
    in hours 100, 105, …: 25 gaps make a capture rate of 215/240 = 89.6 %, 24 exactly 90 %."""
    start = dt.datetime(2024, 7, 1)
    stack = minutes(source, "2024-07-01T00:00", "2024-07-11T00:00")
    stack.set("2024-07-01T10:00", "2024-07-01T11:00", co2=15.0)
    for k in range(gaps):
        first = start + dt.timedelta(hours=100 + 5 * k)
        last = first + dt.timedelta(hours=1)
        stack.set(first.isoformat(), last.isoformat(), flag="D", parameters=("co2",))
    return stack.table()


OOC_START = dt.datetime(2024, 10, 1)


def ooc_hour(index: int) -> dt.datetime:
    return OOC_START + dt.timedelta(hours=index)


def ooc_stack(minutes: Any, source: str, spike_hour: int) -> pa.Table:
    """500 valid hours from 10-01, CO2 14 % in hour ``spike_hour``; out of control (periods
    below, every minute flagged N): CO2 in hours 280–284 and 400–429, the flow in 450–451."""
    stack = minutes(source, "2024-10-01T00:00", ooc_hour(500).isoformat())
    spike = ooc_hour(spike_hour)
    stack.set(spike.isoformat(), (spike + dt.timedelta(hours=1)).isoformat(), co2=14.0)
    return stack.table()


PERIODS = [
    OutOfControl(source, parameter, ooc_hour(first), ooc_hour(end), "drift check failed")
    for source in ("S9", "S10")
    for parameter, first, end in (("co2", 280, 285), ("co2", 400, 430), ("flow", 450, 452))
]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, minutes: Any, write: Any) -> Path:
    folder = tmp_path_factory.mktemp("cems-minutes")
    write(
        folder,
        s1(minutes),
        window_stack(minutes, "S3", 79),
        window_stack(minutes, "S4", 80),
        *edge_stacks(minutes),
        capture_stack(minutes, "S7", 25),
        capture_stack(minutes, "S8", 24),
        ooc_stack(minutes, "S9", 100),
        ooc_stack(minutes, "S10", 99),
    )
    return folder


@pytest.fixture(scope="module")
def result(root: Path) -> PipelineResult:
    return pipeline.run(root, out_of_control=PERIODS)


def table(result: PipelineResult, name: str) -> pa.Table:
    value = getattr(result, name)
    assert isinstance(value, pa.Table)
    return value


def row(result: PipelineResult, name: str, source: str, **key: Any) -> dict[str, Any]:
    data = table(result, name)
    mask = pc.equal(data["source"], source)
    for column, value in key.items():
        mask = pc.and_(mask, pc.equal(data[column], pa.scalar(value, data[column].type)))
    rows: list[dict[str, Any]] = data.filter(mask).to_pylist()
    assert len(rows) == 1, (source, key, rows)
    return rows[0]


def hour(result: PipelineResult, source: str, when: str) -> dict[str, Any]:
    return row(result, "hourly", source, hour=dt.datetime.fromisoformat(when))


def test_steady_hour_is_the_worked_example(result: PipelineResult) -> None:
    h = hour(result, "S1", "2024-01-01T03:00")
    assert h["status"] == "measured"
    assert h["co2_n"] == 60
    assert h["qsn"] == pytest.approx(932_005.3, abs=0.1)  # test_mass.py, by hand
    assert h["co2_t"] == pytest.approx(219.737, abs=5e-4)


def test_45_valid_minutes_make_a_valid_hour(result: PipelineResult) -> None:
    h = hour(result, "S1", "2024-01-02T05:00")
    assert (h["co2_n"], h["co2_rule"], h["status"]) == (45, "measured", "measured")


def test_44_valid_minutes_do_not_and_the_hour_takes_the_mean_of_its_neighbours(
    result: PipelineResult,
) -> None:
    h = hour(result, "S1", "2024-01-02T07:00")
    assert (h["co2_n"], h["co2_rule"], h["qsn_rule"]) == (44, "mean_before_after", "measured")
    assert h["status"] == "substituted"
    # before: 10 % (06:00), after: 12 % (08:00) → 11 %
    assert h["co2_mg_m3"] == pytest.approx(mass.co2_mass_concentration(11.0), rel=1e-12)
    assert h["co2_t"] == pytest.approx(11 / 12 * E0, rel=1e-12)


def test_calibration_minutes_are_not_valid_but_other_parameters_are(
    result: PipelineResult,
) -> None:
    h = hour(result, "S1", "2024-01-02T07:00")
    assert (h["flow_n"], h["temperature_n"], h["pressure_n"], h["moisture_n"]) == (60,) * 4


def test_maintenance_on_the_flow_substitutes_the_flow_only(result: PipelineResult) -> None:
    h = hour(result, "S1", "2024-01-03T09:00")
    assert (h["flow_n"], h["co2_rule"], h["qsn_rule"]) == (40, "measured", "mean_before_after")
    assert h["co2_t"] == pytest.approx(E0, rel=1e-12)


def test_one_hour_gap_counts_one_hour(result: PipelineResult) -> None:
    data = table(result, "hourly")
    jan2 = data.filter(
        pc.and_(
            pc.equal(data["source"], "S1"),
            pc.equal(pc.strftime(data["hour"], format="%Y-%m-%d"), "2024-01-02"),
        )
    )
    assert pc.sum(pc.equal(jan2["status"], "substituted")).as_py() == 1


def test_30_hour_gap_takes_the_maximum_of_the_previous_720_valid_hours(
    result: PipelineResult,
) -> None:
    data = table(result, "hourly")
    gap = data.filter(
        pc.and_(pc.equal(data["source"], "S1"), pc.equal(data["co2_rule"], "max_720"))
    )
    assert gap.num_rows == 30
    assert gap["hour"][0].as_py() == dt.datetime(2024, 1, 9, 22)
    assert gap["hour"][29].as_py() == dt.datetime(2024, 1, 11, 3)
    # the highest valid hour before the gap is 01-05 12:00 at 15 %
    for value in gap["co2_t"].to_pylist():
        assert value == pytest.approx(15 / 12 * E0, rel=1e-12)


def test_the_720_valid_hours_end_at_the_gap(result: PipelineResult) -> None:
    # S3: spike in hour 79, just outside the 720 valid hours before the gap (80…799).
    outside = hour(result, "S3", "2024-05-04T08:00")  # hour 800 after 04-01 00:00
    assert outside["co2_rule"] == "max_720"
    assert outside["co2_mg_m3"] == pytest.approx(mass.co2_mass_concentration(12.0))
    # S4: spike in hour 80, the oldest of the 720.
    inside = hour(result, "S4", "2024-05-04T08:00")
    assert inside["co2_mg_m3"] == pytest.approx(mass.co2_mass_concentration(20.0))


def test_hours_without_rows_are_missing_hours(result: PipelineResult) -> None:
    for when in ("2024-01-20T10:00", "2024-01-20T11:00"):
        h = hour(result, "S1", when)
        assert (h["co2_n"], h["flow_n"]) == (0, 0)
        assert (h["co2_rule"], h["qsn_rule"]) == ("mean_before_after", "mean_before_after")
        assert h["co2_t"] == pytest.approx(E0, rel=1e-12)


def test_stopped_hours_emit_nothing_and_are_not_substituted(result: PipelineResult) -> None:
    h = hour(result, "S1", "2024-01-25T12:00")
    assert (h["status"], h["co2_t"]) == ("stopped", 0.0)
    day = row(result, "daily", "S1", day=dt.date(2024, 1, 25))
    assert (day["n_stopped"], day["co2_t"], day["valid"]) == (24, 0.0, 0)
    assert day["capture_rate"] is None


def test_gap_at_the_start_takes_the_one_neighbour_there_is(result: PipelineResult) -> None:
    h = hour(result, "S5", "2024-06-01T00:00")
    assert h["co2_rule"] == "one_side"
    assert h["co2_t"] == pytest.approx(E0, rel=1e-12)


def test_long_gap_with_nothing_before_is_left_unfilled(result: PipelineResult) -> None:
    h = hour(result, "S6", "2024-06-01T00:00")
    assert (h["co2_rule"], h["status"], h["co2_t"]) == ("unfilled", "unfilled", None)
    day = row(result, "daily", "S6", day=dt.date(2024, 6, 1))
    assert (day["n_unfilled"], day["co2_t"]) == (24, 0.0)


@pytest.mark.parametrize(
    ("day", "measured", "substituted", "valid", "total"),
    [
        # 22 h at E0, 06:00 at 10/12, 07:00 at 11/12
        (dt.date(2024, 1, 2), 23, 1, 1, 22 + 10 / 12 + 11 / 12),
        # 22:00 and 23:00 of the 30-h gap at 15/12
        (dt.date(2024, 1, 9), 22, 2, 1, 22 + 2 * 15 / 12),
        (dt.date(2024, 1, 10), 0, 24, 0, 24 * 15 / 12),
        # 00:00–03:00 in the gap; exactly 20 valid hours: valid
        (dt.date(2024, 1, 11), 20, 4, 1, 20 + 4 * 15 / 12),
        # 5-hour gap: 19 valid hours, not a valid day; mass still counted
        (dt.date(2024, 1, 15), 19, 5, 0, 24.0),
    ],
)
def test_days(
    result: PipelineResult,
    day: dt.date,
    measured: int,
    substituted: int,
    valid: int,
    total: float,
) -> None:
    d = row(result, "daily", "S1", day=day)
    assert (d["hours"], d["n_measured"], d["n_substituted"], d["valid"]) == (
        24,
        measured,
        substituted,
        valid,
    )
    assert d["co2_t"] == pytest.approx(total * E0, rel=1e-12)
    assert d["capture_rate"] == pytest.approx(measured / 24)


def test_january(result: PipelineResult) -> None:
    m = row(result, "monthly", "S1", month="2024-01")
    # 744 h: 24 stopped; substituted 1 + 1 + 30 + 5 + 2 = 39; measured 744 - 24 - 39 = 681
    assert (m["hours"], m["n_stopped"], m["n_substituted"], m["n_measured"]) == (744, 24, 39, 681)
    # 687 h at E0 (+ 06:00 10/12, 07:00 11/12, 05 12:00 15/12, 30 h × 15/12) = 727.5 E0
    assert m["co2_t"] == pytest.approx(727.5 * E0, rel=1e-12)
    assert m["capture_rate"] == pytest.approx(681 / 720)
    # not valid: 01-10 (0 valid h), 01-15 (19), 01-25 (stopped); 28 ≥ 25 valid days: valid
    assert (m["days"], m["valid_days"], m["valid"]) == (31, 28, 1)


def test_february_and_the_year(result: PipelineResult) -> None:
    feb = row(result, "monthly", "S1", month="2024-02")
    assert (feb["hours"], feb["n_measured"], feb["valid_days"], feb["valid"]) == (696, 696, 29, 1)
    assert feb["co2_t"] == pytest.approx(696 * E0, rel=1e-12)
    year = row(result, "annual", "S1", year=2024)
    assert year["co2_t"] == pytest.approx((727.5 + 696) * E0, rel=1e-12)
    assert (year["hours"], year["n_measured"], year["months"], year["valid_days"]) == (
        1440,
        1377,
        2,
        57,
    )
    assert year["capture_rate"] == pytest.approx(1377 / 1416)
    assert year["valid_months"] == 2


def test_a_month_needs_25_valid_days(result: PipelineResult) -> None:
    # HJ 76-2017 appendix B (25 valid days, February 23); S5 has one day of June
    june = row(result, "monthly", "S5", month="2024-06")
    assert (june["valid_days"], june["valid"]) == (1, 0)


def test_under_90_percent_capture_every_gap_takes_the_2160_hour_maximum(
    result: PipelineResult,
) -> None:
    # S7: 25 one-hour gaps in 240 h, capture 89.6 % < 90 % (HJ 75-2017, recalled)
    h = hour(result, "S7", "2024-07-05T04:00")  # hour 100, the first gap
    assert (h["co2_rule"], h["status"]) == ("max_2160", "substituted")
    assert h["co2_mg_m3"] == pytest.approx(mass.co2_mass_concentration(15.0), rel=1e-12)
    hourly = table(result, "hourly")
    s7 = hourly.filter(pc.equal(hourly["source"], "S7"))
    assert pc.sum(pc.equal(s7["co2_rule"], "max_2160")).as_py() == 25


def test_at_90_percent_capture_short_gaps_take_the_mean_of_their_neighbours(
    result: PipelineResult,
) -> None:
    # S8: 24 gaps, capture exactly 216/240 = 90 %
    h = hour(result, "S8", "2024-07-05T04:00")
    assert h["co2_rule"] == "mean_before_after"
    assert h["co2_mg_m3"] == pytest.approx(mass.co2_mass_concentration(12.0), rel=1e-12)


def test_out_of_control_hours_are_invalid_whatever_their_minutes(result: PipelineResult) -> None:
    h = hour(result, "S9", ooc_hour(280).isoformat())
    assert (h["co2_n"], h["co2_rule"], h["status"]) == (60, "max_180", "substituted")


@pytest.mark.parametrize(("source", "percent"), [("S9", 14.0), ("S10", 12.0)])
def test_up_to_24_out_of_control_hours_take_the_180_hour_maximum(
    result: PipelineResult, source: str, percent: float
) -> None:
    # the 180 valid hours before hour 280 are hours 100…279: S9's spike (100) is the oldest of
    # them, S10's (99) is just outside
    for index in range(280, 285):
        h = hour(result, source, ooc_hour(index).isoformat())
        assert h["co2_rule"] == "max_180"
        assert h["co2_mg_m3"] == pytest.approx(mass.co2_mass_concentration(percent), rel=1e-12)
    after = hour(result, source, ooc_hour(285).isoformat())
    assert after["co2_rule"] == "measured"


@pytest.mark.parametrize("source", ["S9", "S10"])
def test_more_than_24_out_of_control_hours_take_the_720_hour_maximum(
    result: PipelineResult, source: str
) -> None:
    for index in (400, 429):
        h = hour(result, source, ooc_hour(index).isoformat())
        assert h["co2_rule"] == "max_720"
        assert h["co2_mg_m3"] == pytest.approx(mass.co2_mass_concentration(14.0), rel=1e-12)


def test_an_out_of_control_flow_monitor_substitutes_the_flow(result: PipelineResult) -> None:
    h = hour(result, "S9", ooc_hour(450).isoformat())
    assert (h["co2_rule"], h["qsn_rule"], h["flow_n"]) == ("measured", "max_180", 60)
    assert h["co2_t"] == pytest.approx(E0, rel=1e-12)


def test_sums_are_consistent_across_levels(result: PipelineResult) -> None:
    hourly, annual = table(result, "hourly"), table(result, "annual")
    for source in ("S1", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10"):
        hours = hourly.filter(pc.equal(hourly["source"], source))
        total = math.fsum(v for v in hours["co2_t"].to_pylist() if v is not None)
        year = annual.filter(pc.equal(annual["source"], source))
        assert year["co2_t"][0].as_py() == pytest.approx(total, rel=1e-12)
        assert year["hours"][0].as_py() == hours.num_rows


def test_row_counts(result: PipelineResult) -> None:
    # S1: 1440 h − 2 dropped = 1438 h of rows; S3, S4: 835 h; S5: 24 h; S6: 48 h; S7, S8:
    # 240 h; S9, S10: 500 h
    assert result.rows["minute"] == 60 * (1438 + 835 + 835 + 24 + 48 + 2 * 240 + 2 * 500)
    assert result.rows["hourly"] == 1440 + 835 + 835 + 24 + 48 + 2 * 240 + 2 * 500
    assert result.rows["annual"] == 9


def test_sources_filter_and_out_folder(root: Path, tmp_path: Path) -> None:
    done = pipeline.run(root, sources=["S5"], out=tmp_path / "out")
    assert done.rows["hourly"] == 24
    assert isinstance(done.annual, Path)
    annual = pq.read_table(done.annual)
    assert annual["source"].to_pylist() == ["S5"]
    assert annual["co2_t"][0].as_py() == pytest.approx(24 * E0, rel=1e-12)


def test_unknown_engine_is_refused(root: Path) -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        pipeline.run(root, engine="polars")  # type: ignore[arg-type]


@pytest.mark.xdist_group("spark")
def test_duckdb_and_spark_agree(root: Path, result: PipelineResult, spark: Any) -> None:
    on_spark = pipeline.run(root, engine="spark", out_of_control=PERIODS)
    assert on_spark.rows == result.rows
    for name in ("hourly", "daily", "monthly", "annual"):
        duck, other = table(result, name), table(on_spark, name)
        assert duck.schema == other.schema, name
        for column in duck.column_names:
            left, right = duck[column].to_pylist(), other[column].to_pylist()
            if pa.types.is_floating(duck.schema.field(column).type):
                assert [v is None for v in right] == [v is None for v in left], (name, column)
                pairs = [(a, b) for a, b in zip(left, right, strict=True) if a is not None]
                assert [b for _, b in pairs] == pytest.approx([a for a, _ in pairs], rel=1e-12)
            else:
                assert right == left, (name, column)


def test_empty_root_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no minute data"):  # NoDataError is one
        pipeline.run(tmp_path)


def test_the_loggers_own_data_beside_the_minutes_is_not_read(
    minutes: Any, write: Any, tmp_path: Path, spark: Any
) -> None:
    """The HJ 212 receiver keeps the loggers' real-time, hourly and daily data under the same
    root (``logger-realtime/`` …, dualcarbon.cems.hj212.sink); neither engine may count them
    as minutes. The whole pipeline on DuckDB; on Spark the minute view every step reads from
    (its pipeline is the same SQL, test_duckdb_and_spark_agree)."""
    day = minutes("S7", "2024-03-01T00:00", "2024-03-02T00:00").table()
    write(tmp_path, day)
    write(tmp_path / "logger-realtime", day)  # the same rows again, where only the sink writes
    done = pipeline.run(tmp_path, engine="duckdb")
    assert done.rows["minute"] == 24 * 60
    annual = table(done, "annual").to_pylist()
    assert annual[0]["co2_t"] == pytest.approx(24 * E0, rel=1e-12)
    for engine in (DuckDBMinutes(), SparkMinutes(spark)):
        try:
            engine.register_minutes(tmp_path, None)
            assert engine.count("minute") == 24 * 60, type(engine).__name__
        finally:
            engine.close()
