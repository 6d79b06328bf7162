"""Fixtures shared by every test folder.

``db_url`` is the URL of an empty database for one test, once on SQLite and once (when
``DUALCARBON_TEST_POSTGRES_URL`` is set) on PostgreSQL in a schema of its own: see
``tests/postgres.py``. ``tests/api`` overrides it with the same fixture beside its module-scoped
``module_db_url``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from postgres import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database (no tables yet)."""
    yield from database(request.param, tmp_path)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local SparkSession for the test session, as the engines expect it (dualcarbon.engines).
    The tests that use it share the xdist group ``spark``, so that one worker starts it once
    (``--dist loadgroup`` in the Makefile)."""
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("dualcarbon-cems-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.pyspark.python", sys.executable)
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
