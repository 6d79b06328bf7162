"""Invariants of the engine: additivity over months and units, invariance under unit changes."""

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory, InventoryHeader
from evidence import all_with_evidence

HEADER = InventoryHeader(organisation="p", year=2024, methodology="cn-mee-power-2022")

record = st.fixed_dictionaries(
    {
        "unit": st.sampled_from(["#1", "#2", "#3"]),
        "month": st.integers(1, 12),
        "fuel": st.sampled_from(["coal", "fuel_oil", "diesel"]),
        "consumption": st.floats(0.0, 2e5),
        "ncv": st.floats(15.0, 30.0),
        "carbon_content": st.one_of(st.none(), st.floats(40.0, 70.0)),
        "carbon_content_qualified": st.booleans(),
    }
)


def _total(records: list[dict[str, object]], **tables: pl.DataFrame) -> float:
    fuel = pl.DataFrame(records, schema_overrides={"carbon_content": pl.Float64})
    # arithmetic over any figures, plausible for a plant or not: the checks are left out
    inventory = Inventory(HEADER, all_with_evidence({"fuel": fuel, **tables}))
    return account(inventory, plausibility=False).total()


@settings(max_examples=40, deadline=None)
@given(st.lists(record, min_size=2, max_size=30), st.integers(1, 29))
def test_additive_over_any_split_of_records(records: list[dict[str, object]], cut: int) -> None:
    cut = min(cut, len(records) - 1)
    whole = _total(records)
    parts = _total(records[:cut]) + _total(records[cut:])
    assert whole == pytest.approx(parts, rel=1e-9, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.lists(record, min_size=1, max_size=20))
def test_invariant_under_consumption_unit(records: list[dict[str, object]]) -> None:
    in_kg = [
        {**r, "consumption": float(r["consumption"]) * 1000.0, "consumption_unit": "kg"}
        for r in records
    ]  # type: ignore[arg-type]
    assert _total(records) == pytest.approx(_total(in_kg), rel=1e-9, abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.0, 1e5), min_size=1, max_size=12))
def test_electricity_invariant_under_unit(amounts: list[float]) -> None:
    months = list(range(1, len(amounts) + 1))
    mwh = pl.DataFrame({"month": months, "amount": amounts, "amount_unit": "MWh"})
    wan_kwh = mwh.with_columns(pl.col("amount") / 10.0, amount_unit=pl.lit("万kWh"))
    kwh = mwh.with_columns(pl.col("amount") * 1000.0, amount_unit=pl.lit("kWh"))
    base = _total([], electricity=mwh)
    assert base == pytest.approx(_total([], electricity=wan_kwh), rel=1e-9, abs=1e-9)
    assert base == pytest.approx(_total([], electricity=kwh), rel=1e-9, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(record, min_size=1, max_size=20))
def test_batches_within_a_month_equal_their_weighted_month(
    records: list[dict[str, object]],
) -> None:
    """Splitting a month's record into two batches with the same analysis changes nothing."""
    halves = [dict(r, consumption=float(r["consumption"]) / 2) for r in records]  # type: ignore[arg-type]
    assert _total(records) == pytest.approx(_total(halves + halves), rel=1e-9, abs=1e-6)
