"""Where the store lives, how to connect, and how to bring its schema up to date.

One URL chooses the backend (``DUALCARBON_DATABASE_URL``): a SQLite file in the user's data folder
by default, so nothing needs installing, or PostgreSQL for a server. The Alembic migrations ship
inside the package (``dualcarbon/store/migrations``) and are run from here with a programmatic
configuration, so an installed dualcarbon can upgrade a database without an ``alembic.ini``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from dualcarbon.errors import StoreError
from dualcarbon.store.models import IMMUTABLE_MESSAGE, LOCKED_MESSAGE
from dualcarbon.store.writelock import queue_writers

ENV_URL = "DUALCARBON_DATABASE_URL"
ENV_HOME = "DUALCARBON_HOME"


def data_dir() -> Path:
    """The folder for dualcarbon's own files: ``$DUALCARBON_HOME``, else the XDG data folder."""
    home = os.environ.get(ENV_HOME)
    if home:
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "dualcarbon"


def database_url() -> str:
    """``$DUALCARBON_DATABASE_URL``, else the SQLite file ``dualcarbon.sqlite`` in :func:`data_dir`.

    SQLite needs no server, so a single user can start with nothing installed beyond pip.
    """
    url = os.environ.get(ENV_URL)
    if url:
        return url
    return f"sqlite:///{data_dir() / 'dualcarbon.sqlite'}"


def _normalise(url: str | URL) -> URL:
    """Use psycopg 3 for plain ``postgresql://`` URLs.

    SQLAlchemy maps ``postgresql://`` to psycopg2, which dualcarbon does not depend on; users and
    hosting platforms write the plain form (sometimes ``postgres://``), so accept it.
    """
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


SQLITE_BUSY_SECONDS = 60.0
"""How long a SQLite connection waits for another's write to finish before giving up with
"database is locked" (pysqlite's ``timeout``, SQLite's busy handler): several server workers
share one file and take turns writing; a burst of submissions queues instead of failing."""


SQLITE_POOL_SIZE = 40
"""Connections a SQLite file's pool keeps open: as many as the server's worker threads (AnyIO's
default limiter, 40), each of which may hold one during a request."""


def _enable_sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_write_ahead_log(dbapi_connection: Any, connection_record: Any) -> None:
    """Write-ahead logging (https://www.sqlite.org/wal.html): readers do not block the writer nor
    the writer the readers, so several server processes can share the file; a commit appends
    to the log and syncs it once (``synchronous`` stays FULL: a committed submission survives a
    power cut). The mode is a property of the file; asking again is a no-op."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_engine(url: str | URL | None = None, **pool: int) -> Engine:
    """An engine for ``url`` (default :func:`database_url`); ``pool`` sizes a server's pool
    (``pool_size``, ``max_overflow``; ignored for SQLite).

    For a SQLite file the parent folder is created and foreign keys are switched on (SQLite leaves
    them off per connection unless asked), so both backends enforce the same references.
    """
    parsed = _normalise(url if url is not None else database_url())
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        file = bool(database) and database != ":memory:" and not str(database).startswith("file:")
        engine = create_engine(
            parsed,
            connect_args={"timeout": SQLITE_BUSY_SECONDS} if file else {},
            # a file's connections are cheap to keep and dear to reopen (the PRAGMAs below):
            # keep one per server thread that may hold one, so none is closed on check-in
            **({"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_SIZE} if file else {}),
        )
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        if file:
            event.listen(engine, "connect", _sqlite_write_ahead_log)
            queue_writers(engine, Path(str(database)), SQLITE_BUSY_SECONDS)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **pool)


def _alembic_config() -> Config:
    folder = resources.files("dualcarbon.store").joinpath("migrations")
    config = Config()
    config.set_main_option("script_location", str(folder))
    return config


def _run(url: str | URL | None, action: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = _alembic_config()
            config.attributes["connection"] = connection
            if action == "upgrade":
                command.upgrade(config, revision)
            else:
                command.downgrade(config, revision)
    finally:
        engine.dispose()


def upgrade(url: str | URL | None = None, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (creating it if it is new)."""
    _run(url, "upgrade", revision)


def downgrade(url: str | URL | None, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``"base"`` drops every table)."""
    _run(url, "downgrade", revision)


def head_revision() -> str:
    """The newest migration shipped with this dualcarbon."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise StoreError("no migrations shipped with dualcarbon")
    return head


def current_revision(url: str | URL | None = None) -> str | None:
    """The migration the database at ``url`` is at (``None`` for an empty database)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


@contextmanager
def stored_session(url: str | URL | None = None) -> Iterator[Session]:
    """:func:`session_scope` on the store at ``url`` (else ``DUALCARBON_DATABASE_URL``, else the
    embedded SQLite file), upgraded first, its engine disposed after: what a command that writes
    once to the store needs."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back if it raises: all or nothing.

    Objects stay readable after the commit (``expire_on_commit=False``) so a caller can show the
    ids it just saved. The database's refusal to update a result reaches the caller as a
    :class:`StoreError`, like the ORM's, whichever backend raised it.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except DBAPIError as exc:
        session.rollback()
        if IMMUTABLE_MESSAGE in str(exc.orig):
            raise StoreError(f"{IMMUTABLE_MESSAGE}: the database refused the change") from exc
        if LOCKED_MESSAGE in str(exc.orig):
            raise StoreError(f"{LOCKED_MESSAGE}: the database refused the change") from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
