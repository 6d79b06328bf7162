"""Certificate rules (国能发新能规〔2024〕67号, content read in public reposts): a run of serials,
two years' validity from the production month inclusive, the end of 2025 for electricity
produced before 2024."""

from __future__ import annotations

import datetime as dt

import pytest

from dualcarbon.certificates.model import serial_range, valid_until


@pytest.mark.parametrize(
    ("year", "month", "until"),
    [
        (2025, 3, dt.date(2027, 2, 28)),  # March 2025 … February 2027: 24 months
        (2024, 1, dt.date(2025, 12, 31)),
        (2024, 2, dt.date(2026, 1, 31)),
        (2023, 12, dt.date(2025, 12, 31)),  # produced before 2024: to the end of 2025
        (2022, 5, dt.date(2025, 12, 31)),
        (2027, 12, dt.date(2029, 11, 30)),
    ],
)
def test_validity_is_two_years_from_the_production_month(
    year: int, month: int, until: dt.date
) -> None:
    assert valid_until(year, month) == until


def test_a_run_of_serials_counts_its_certificates() -> None:
    run = serial_range("GEC2025W0000000101", "GEC2025W0000001100")
    assert (run.prefix, run.first, run.last, run.count) == ("GEC2025W/10", 101, 1100, 1000)
    assert run.overlaps(serial_range("GEC2025W0000001100", "GEC2025W0000001200"))
    assert not run.overlaps(serial_range("GEC2025P0000000101", "GEC2025P0000000200"))


@pytest.mark.parametrize(
    ("first", "last", "rule"),
    [
        ("GEC2025W0000000200", "GEC2025W0000000100", "comes before"),
        ("GEC2025W0000000001", "GEC2025P0000000002", "differ before"),
        ("GEC2025W000000001", "GEC2025W0000000002", "different lengths"),
        ("GEC-ABC", "GEC-ABD", "ends in digits"),
    ],
)
def test_serials_that_do_not_make_one_run_are_refused(first: str, last: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        serial_range(first, last)


def test_serials_compare_without_case_and_with_their_width() -> None:
    assert serial_range("gec2025w0001", "gec2025w0002") == serial_range(
        " GEC2025W0001", "GEC2025W0002 "
    )
    # GEC001 and GEC1 are different certificates: the number's width is part of the identity
    assert not serial_range("GEC001", "GEC009").overlaps(serial_range("GEC1", "GEC9"))


def test_a_trailing_number_beyond_64_bits_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 18 digits"):
        serial_range("Z" + "0" * 18 + "1", "Z" + "0" * 18 + "9")
