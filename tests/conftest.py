"""Fixtures shared by every test folder.

``db_url`` is the URL of an empty database for one test, once on SQLite and once (when
``DUALCARBON_TEST_POSTGRES_URL`` is set) on PostgreSQL in a schema of its own: see
``tests/postgres.py``. ``tests/api`` overrides it with the same fixture beside its module-scoped
``module_db_url``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from postgres import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database (no tables yet)."""
    yield from database(request.param, tmp_path)
