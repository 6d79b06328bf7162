"""Readings tied to their instruments: calibration state and accuracy enter the result."""

import math

import polars as pl
import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.uncertainty import account_uncertainty
from dualcarbon.demo import demo_inventory_path, demo_register_path
from dualcarbon.io import read_inventory
from dualcarbon.io.register_files import read_register


@pytest.fixture(scope="module")
def lines() -> pl.DataFrame:
    result = account(
        read_inventory(demo_inventory_path()), register=read_register(demo_register_path())
    )
    return result.lines


def test_readings_while_overdue_lose_the_measured_tier(lines: pl.DataFrame) -> None:
    # demo-register.yaml: BS-101 was due by 2024-03-01 and re-verified on 2024-04-15, so its
    # March and April totals were partly metered while overdue.
    bs101 = lines.filter(pl.col("instrument") == "BS-101").sort("month")
    lost = bs101.filter(pl.col("instrument_flag_zh").is_not_null())
    assert lost["month"].to_list() == [3, 4]
    assert set(lost["activity_tier"]) == {"calculated"}
    assert "2024-03-01" in lost["instrument_flag_zh"][0]
    assert "BS-101" in lost["explanation_zh"][0]
    kept = bs101.filter(pl.col("instrument_flag_zh").is_null())
    assert set(kept["activity_tier"]) == {"measured"}


def test_values_are_kept(lines: pl.DataFrame) -> None:
    plain = account(read_inventory(demo_inventory_path())).lines
    assert lines["emission"].sum() == pytest.approx(plain["emission"].sum(), rel=1e-12)


def test_accuracy_class_gives_the_reading_uncertainty(lines: pl.DataFrame) -> None:
    # BS-101 is class 0.5: u = 0.5 %·x/√3, rectangular (JCGM 100 4.3.7)
    row = lines.filter((pl.col("instrument") == "BS-101") & (pl.col("month") == 1)).row(
        0, named=True
    )
    assert row["activity_u"] == pytest.approx(row["activity"] * 0.005 / math.sqrt(3))
    assert row["activity_distribution"] == "rectangular"


def test_uncertainty_uses_the_instruments() -> None:
    result = account(
        read_inventory(demo_inventory_path()), register=read_register(demo_register_path())
    )
    found = account_uncertainty(result)
    without = account_uncertainty(account(read_inventory(demo_inventory_path())))
    assert found.u > without.u  # the meters' uncertainty now counts
