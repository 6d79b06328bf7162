"""Alembic environment for the dualcarbon store.

:func:`dualcarbon.store.database.upgrade` hands over an open connection in
``config.attributes["connection"]``, so the migration runs inside the caller's transaction and the
URL never passes through Alembic's ini interpolation. Run from the ``alembic`` command line
instead, the URL is ``sqlalchemy.url`` if set, else :func:`~dualcarbon.store.database.database_url`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from dualcarbon.store.database import database_url, make_engine
from dualcarbon.store.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_offline() -> None:
    """Write the SQL to stdout instead of running it (``alembic upgrade head --sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _configure(given)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or database_url())
    try:
        with engine.begin() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
