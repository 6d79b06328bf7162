"""Calibration records, status at a date (boundaries included), and readings keeping their tier."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from dualcarbon.io.register_files import read_register
from dualcarbon.metrology import (
    Accuracy,
    CalibrationRecord,
    Instrument,
    InstrumentState,
    Register,
    add_months,
    next_due,
    reading_status,
    status_at,
)

DEMO = Path(__file__).parents[3] / "src/dualcarbon/demo/data/demo-register.yaml"

D = dt.date.fromisoformat


def _instrument(interval: int = 12, instrument_id: str = "BS-101") -> Instrument:
    return Instrument(
        id=instrument_id,
        quantity="质量",
        energy="coal",
        unit="#1",
        level="secondary",  # type: ignore[arg-type]
        kind="weigher_dynamic",  # type: ignore[arg-type]
        accuracy=Accuracy.parse("0.5"),
        interval_months=interval,
    )


def _record(date: str, result: str = "pass", **extra: object) -> CalibrationRecord:
    return CalibrationRecord.model_validate(
        {"instrument_id": "BS-101", "date": date, "result": result, "certificate": "C-1"} | extra
    )


# -- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2023-02-28", 12, "2024-02-28"),
        ("2024-02-29", 12, "2025-02-28"),  # no 29 February in 2025: the month's last day
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2023-11-30", 3, "2024-02-29"),
        ("2021-05-18", 72, "2027-05-18"),
        ("2024-12-15", 1, "2025-01-15"),
        ("2024-03-01", 0, "2024-03-01"),
    ],
)
def test_add_months(start: str, months: int, expected: str) -> None:
    assert add_months(D(start), months) == D(expected)


def test_next_due_prefers_the_certificate() -> None:
    instrument = _instrument()
    assert next_due(instrument, _record("2023-02-28")) == D("2024-02-28")
    assert next_due(instrument, _record("2023-02-28", next_due="2023-12-31")) == D("2023-12-31")


# -- status at boundary dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "state", "days"),
    [
        ("2023-02-27", InstrumentState.NEVER_CALIBRATED, None),  # the record is in the future
        ("2023-02-28", InstrumentState.VALID, 365),  # calibrated that day
        ("2024-01-28", InstrumentState.VALID, 31),  # one day outside the 30-day window
        ("2024-01-29", InstrumentState.DUE, 30),  # first day inside the window
        ("2024-02-28", InstrumentState.DUE, 0),  # the due date itself is still covered
        ("2024-02-29", InstrumentState.OVERDUE, -1),  # the day after
        ("2024-03-05", InstrumentState.OVERDUE, -6),
    ],
)
def test_status_transitions_at_boundaries(
    at: str, state: InstrumentState, days: int | None
) -> None:
    status = status_at(_instrument(), [_record("2023-02-28")], D(at))
    assert status.state is state
    assert status.days_to_due == days
    if state is not InstrumentState.NEVER_CALIBRATED:
        assert (status.last_calibrated, status.due_date) == (D("2023-02-28"), D("2024-02-28"))
        assert status.certificate == "C-1"


def test_due_window_is_configurable() -> None:
    records = [_record("2023-02-28")]
    assert status_at(_instrument(), records, D("2024-02-27"), due_window_days=0).state is (
        InstrumentState.VALID
    )
    assert status_at(_instrument(), records, D("2024-02-28"), due_window_days=0).state is (
        InstrumentState.DUE
    )
    assert status_at(_instrument(), records, D("2023-12-01"), due_window_days=90).state is (
        InstrumentState.DUE
    )
    with pytest.raises(ValueError, match="negative"):
        status_at(_instrument(), records, D("2024-01-01"), due_window_days=-1)


def test_failed_latest_record_fails_until_a_pass() -> None:
    records = [_record("2023-02-28"), _record("2023-09-10", "fail", certificate="C-2")]
    failed = status_at(_instrument(), records, D("2023-09-10"))
    assert failed.state is InstrumentState.FAILED
    assert (failed.last_calibrated, failed.certificate, failed.due_date) == (
        D("2023-09-10"),
        "C-2",
        None,
    )
    assert not failed.keeps_tier
    # the day before the failed verification the instrument was still valid
    assert status_at(_instrument(), records, D("2023-09-09")).state is InstrumentState.VALID
    repaired = [*records, _record("2023-09-20", certificate="C-3")]
    status = status_at(_instrument(), repaired, D("2023-10-01"))
    assert (status.state, status.due_date) == (InstrumentState.VALID, D("2024-09-20"))


def test_same_day_fail_then_pass_is_valid() -> None:
    """Adjusted and re-verified on the same day: the later record in the file decides."""
    records = [
        _record("2024-01-10", "fail", certificate="X"),
        _record("2024-01-10", certificate="Y"),
    ]
    assert status_at(_instrument(), records, D("2024-01-11")).state is InstrumentState.VALID


def test_other_instruments_records_do_not_count() -> None:
    other = _record("2023-02-28").model_copy(update={"instrument_id": "BS-201"})
    status = status_at(_instrument(), [other], D("2023-06-01"))
    assert status.state is InstrumentState.NEVER_CALIBRATED


def test_explanations_carry_the_dates() -> None:
    status = status_at(_instrument(), [_record("2023-02-28")], D("2024-03-05"))
    assert status.explain("zh") == "计量器具 BS-101 已超期（应于 2024-02-28 前检定，超期 6 天）"
    assert status.explain("en") == (
        "instrument BS-101 is overdue (calibration was due by 2024-02-28, 6 day(s) ago)"
    )
    due = status_at(_instrument(), [_record("2023-02-28")], D("2024-02-20"))
    assert "2024-02-28" in due.explain("zh") and "8 天" in due.explain("zh")
    never = status_at(_instrument(), [], D("2024-01-01"))
    assert (
        never.explain("en") == "instrument BS-101 has no calibration record on or before 2024-01-01"
    )


# -- records -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"next_due": "2023-02-28"}, "next_due must be after"),
        ({"expanded_uncertainty": 0.1}, "go together"),
        ({"coverage_factor": 2.0}, "go together"),
        ({"result": "ok"}, "result"),
        ({"expanded_uncertainty": 0.1, "coverage_factor": 2, "uncertainty_unit": "zz"}, "zz"),
    ],
)
def test_bad_records_are_refused(extra: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _record("2023-02-28", **extra)  # type: ignore[arg-type]


def test_record_standard_uncertainty() -> None:
    assert _record("2023-02-28").standard_uncertainty() is None
    u = _record("2023-02-28", expanded_uncertainty=0.06, coverage_factor=2).standard_uncertainty()
    assert u is not None and u.value == pytest.approx(0.03)


# -- readings ------------------------------------------------------------------------------------


def _register() -> Register:
    return Register(instruments=(_instrument(),), calibrations=(_record("2023-02-28"),))


def test_overdue_reading_loses_its_tier_with_the_dates() -> None:
    status = reading_status(_register(), "BS-101", D("2024-03-05"))
    assert not status.keeps_tier
    assert status.status is not None and status.status.state is InstrumentState.OVERDUE
    assert (
        status.message_zh
        == "读数日期 2024-03-05 时计量器具 BS-101 已超期（应于 2024-02-28 前检定）"
    )
    assert status.message("en") == (
        "on the reading date 2024-03-05 instrument BS-101 was overdue "
        "(calibration was due by 2024-02-28)"
    )


def test_valid_and_due_readings_keep_their_tier() -> None:
    assert reading_status(_register(), "BS-101", D("2023-07-01")).keeps_tier
    due = reading_status(_register(), "BS-101", D("2024-02-28"))
    assert due.keeps_tier
    assert (
        due.message_zh
        == "读数日期 2024-02-28 时计量器具 BS-101 在检定有效期内（有效至 2024-02-28）"
    )


def test_failed_never_and_unknown_instruments() -> None:
    register = Register(
        instruments=(_instrument(), _instrument(instrument_id="BS-201")),
        calibrations=(_record("2023-02-28"), _record("2023-08-01", "fail", certificate="F-9")),
    )
    failed = reading_status(register, "BS-101", D("2023-08-15"))
    assert not failed.keeps_tier
    assert (
        failed.message_zh
        == "读数日期 2023-08-15 时计量器具 BS-101 检定不合格（2023-08-01 检定，证书 F-9）"
    )
    never = reading_status(register, "BS-201", D("2023-08-15"))
    assert not never.keeps_tier and never.message_zh.endswith("无检定/校准记录")
    unknown = reading_status(register, "XX-1", D("2023-08-15"))
    assert (unknown.keeps_tier, unknown.status) == (False, None)
    assert "不在计量器具台账中" in unknown.message_zh


def test_demo_register_belt_weigher_overdue_in_spring_2024() -> None:
    """BS-101: verified 2023-03-01 (due 2024-03-01), next verified 2024-04-15."""
    register = read_register(DEMO)
    assert reading_status(register, "BS-101", D("2024-03-01")).keeps_tier
    assert not reading_status(register, "BS-101", D("2024-03-02")).keeps_tier
    assert not reading_status(register, "BS-101", D("2024-04-14")).keeps_tier
    assert reading_status(register, "BS-101", D("2024-04-15")).keeps_tier
    for other in ("BS-201", "FO-1", "FO-2", "GK-01"):
        assert all(
            reading_status(register, other, dt.date(2024, month, 15)).keeps_tier
            for month in range(1, 13)
        ), other
    # the demo inventory's references name these instruments
    assert register.find_instrument("入炉煤皮带秤 BS-101") == "BS-101"
    assert register.find_instrument("关口表 GK-01 结算单") == "GK-01"
    assert register.find_instrument("燃油流量计 FO-1") == "FO-1"
    assert register.find_instrument("BS-1010") is None
    assert register.find_instrument("热值报告 2024-1-01") is None
