"""A fresh database per test (or per module) on every reachable backend.

SQLite always runs (a file in a temporary folder). PostgreSQL runs when
``DUALCARBON_TEST_POSTGRES_URL`` is set: each database is a schema of its own, put first on the
connection's ``search_path``, and dropped afterwards, so tests (and other developers' runs against
the same database) never see each other's tables.

Shared by ``tests/conftest.py`` (the ``db_url`` fixture of the store tests) and
``tests/api/world.py`` (the API tests' ``db_url`` and ``module_db_url``). ``tests/`` is on
``sys.path`` because ``tests/conftest.py`` is a rootdir conftest without ``__init__.py``, which
pytest's default (prepend) import mode puts there before anything is collected.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from dualcarbon.store import make_engine

POSTGRES_ENV = "DUALCARBON_TEST_POSTGRES_URL"

BACKENDS = [pytest.param("sqlite", id="sqlite")]
"""Parameters of a database fixture: ``"sqlite"``, and ``"postgresql"`` (marked ``postgres``)
when :data:`POSTGRES_ENV` is set."""
if os.environ.get(POSTGRES_ENV):
    BACKENDS.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))


def database(backend: str, folder: Path, filename: str = "test.sqlite") -> Generator[str]:
    """Yield the URL of an empty database (no tables yet) on ``backend``; drop it afterwards.

    SQLite: ``folder / filename``. PostgreSQL: a new schema ``test_<random>`` of the database at
    :data:`POSTGRES_ENV`, dropped with everything in it when the generator is closed.
    """
    if backend == "sqlite":
        yield f"sqlite:///{folder / filename}"
        return
    base = make_url(os.environ[POSTGRES_ENV])
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
