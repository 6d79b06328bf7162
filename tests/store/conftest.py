"""Fixtures for the store tests: a fresh database per test on every reachable backend.

``db_url`` (an empty database: SQLite always, PostgreSQL in a schema of its own when
``DUALCARBON_TEST_POSTGRES_URL`` is set) comes from ``tests/conftest.py``; see
``tests/postgres.py``. ``engine`` is that database migrated to head.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import polars as pl
import pytest
from sqlalchemy import Engine

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory, InventoryHeader, coerce_records
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.methodologies.tables import TABLES
from dualcarbon.store import make_engine
from evidence import coal_months
from postgres import migrate


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head."""
    migrate(db_url)  # as upgrade(db_url) does, from a template (tests/postgres.py)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _frame(table: str, records: list[dict[str, object]]) -> pl.DataFrame:
    frame, problems = coerce_records(TABLES[table], records, file="test")
    assert not problems, problems
    return frame


def make_inventory(
    *, organisation: str = "华能测试", facility: str = "一号电厂", coal_t: float = 1000.0
) -> Inventory:
    """A small 2024 power inventory: coal with and without carbon analysis, fuel oil, grid power."""
    header = InventoryHeader(
        organisation=organisation, facility=facility, year=2024, methodology="cn-mee-power-2022"
    )
    fuel = _frame(
        "fuel",
        [
            *coal_months(coal_t),
            {"month": 1, "fuel": "fuel_oil", "consumption": 12.5, "consumption_ref": "油罐 T-2"},
        ],
    )
    electricity = _frame("electricity", [{"month": 1, "amount": 150.0, "amount_ref": "电表 #3"}])
    return Inventory(
        header=header,
        tables={"fuel": fuel, "electricity": electricity},
        source="inventory-2024.xlsx",
        sheets={"fuel": "化石燃料", "electricity": "电力"},
    )


@pytest.fixture
def inventory_factory() -> Callable[..., Inventory]:
    """:func:`make_inventory`, for tests that need several inventories."""
    return make_inventory


@pytest.fixture
def inventory() -> Inventory:
    return make_inventory()


@pytest.fixture
def result(inventory: Inventory) -> AccountingResult:
    return account(inventory)
