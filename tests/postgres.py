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


# -- a migrated store, fast ---------------------------------------------------------------------

_TEMPLATE_SCHEMA = f"dualcarbon_template_{uuid.uuid4().hex[:12]}"
_templates: dict[str, str] = {}
"""Per backend and process: the SQLite template file, or the PostgreSQL schema's dump."""


def migrate(url: str) -> None:
    """Bring the empty database at ``url`` to the newest migration, as ``upgrade(url)`` does.

    Alembic's migrations take a few tenths of a second per database, and hundreds of tests each
    start from a migrated store. So each process migrates one template once: on SQLite a file,
    copied into place with SQLite's online backup; on PostgreSQL a schema, dumped (``pg_dump``,
    data as INSERTs) and replayed into each test's schema. Without ``pg_dump`` it migrates each
    database itself. Tests of the migrations themselves call ``upgrade`` directly."""
    from dualcarbon.store import upgrade

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        target = Path(str(parsed.database or ""))
        if not parsed.database or (target.exists() and target.stat().st_size):
            upgrade(url)  # in memory, or a store that holds something already
            return
        _copy_sqlite_template(target)
        return
    dump = _postgres_dump(url)
    if dump is None:
        upgrade(url)
        return
    schema = dict(
        option.split("=", 1)
        for option in str(parsed.query.get("options", "")).removeprefix("-c").split(" -c")
    )["search_path"]
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            # the driver's own connection: no parameters, so a % in a function body is text
            raw = connection.connection.dbapi_connection
            assert raw is not None
            raw.execute(dump.replace(_TEMPLATE_SCHEMA, schema))  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def _copy_sqlite_template(target: Path) -> None:
    import atexit
    import shutil
    import sqlite3
    import tempfile

    from dualcarbon.store import upgrade

    template = _templates.get("sqlite")
    if template is None:
        folder = Path(tempfile.mkdtemp(prefix="dualcarbon-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = str(folder / "template.sqlite")
        upgrade(f"sqlite:///{template}")
        _templates["sqlite"] = template
    # the online backup copies a consistent image, whatever the template's WAL holds
    source = sqlite3.connect(template)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()


def _postgres_dump(url: str) -> str | None:
    import shutil
    import subprocess

    from dualcarbon.store import upgrade

    if "postgresql" in _templates:
        return _templates["postgresql"] or None
    base = make_url(url)
    plain = base.difference_update_query(["options"])
    if shutil.which("pg_dump") is None:
        _templates["postgresql"] = ""
        return None
    admin = make_engine(plain)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{_TEMPLATE_SCHEMA}"'))
        upgrade(plain.update_query_dict({"options": f"-csearch_path={_TEMPLATE_SCHEMA}"}))
        dumped = subprocess.run(
            [
                "pg_dump",
                "--schema",
                _TEMPLATE_SCHEMA,
                "--inserts",
                "--no-owner",
                "--no-privileges",
                "--host",
                plain.host or "127.0.0.1",
                "--port",
                str(plain.port or 5432),
                "--username",
                plain.username or "postgres",
                plain.database or "postgres",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{_TEMPLATE_SCHEMA}" CASCADE'))
        admin.dispose()
    lines = [
        line
        for line in dumped.splitlines()
        # psql's meta-commands (\\restrict …), and the schema, which each test has already
        if not line.startswith("\\") and not line.startswith(f"CREATE SCHEMA {_TEMPLATE_SCHEMA}")
    ]
    _templates["postgresql"] = "\n".join(lines)
    return _templates["postgresql"]
