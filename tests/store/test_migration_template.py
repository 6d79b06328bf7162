"""The tests' fast migration (tests/postgres.py ``migrate``: a template copied or replayed) gives
the store the migrations give: the same tables, columns, indexes, constraints, triggers and
revision. Otherwise every test on it would test another store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from dualcarbon.store import make_engine, upgrade
from dualcarbon.store.database import current_revision, head_revision
from postgres import BACKENDS, database, migrate


def _shape(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            found = inspect(connection)
            tables = sorted(found.get_table_names())
            if connection.dialect.name == "postgresql":
                query = (
                    "SELECT c.relname || ':' || t.tgname FROM pg_trigger t "
                    "JOIN pg_class c ON c.oid = t.tgrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND NOT t.tgisinternal"
                )
            else:
                query = "SELECT tbl_name || ':' || name FROM sqlite_master WHERE type = 'trigger'"
            return {
                "tables": tables,
                "columns": {
                    t: sorted(
                        (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                        for c in found.get_columns(t)
                    )
                    for t in tables
                },
                "indexes": {
                    t: sorted(
                        (i["name"], tuple(i["column_names"]), i["unique"])
                        for i in found.get_indexes(t)
                    )
                    for t in tables
                },
                "unique": {
                    t: sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(t))
                    for t in tables
                },
                "foreign": {
                    t: sorted(
                        (f["referred_table"], tuple(f["constrained_columns"]))
                        for f in found.get_foreign_keys(t)
                    )
                    for t in tables
                },
                "checks": {
                    t: sorted(c["sqltext"] for c in found.get_check_constraints(t)) for t in tables
                },
                "triggers": sorted(connection.execute(text(query)).scalars()),
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_template_is_the_migrated_store(backend: str, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    migrated = database(backend, tmp_path / "a")
    templated = database(backend, tmp_path / "b")
    try:
        by_migrations, by_template = next(migrated), next(templated)
        upgrade(by_migrations)
        migrate(by_template)
        assert current_revision(by_template) == head_revision()
        expected = _shape(by_migrations)
        assert expected["triggers"]  # the immutability triggers are there to compare
        assert _shape(by_template) == expected
    finally:
        migrated.close()
        templated.close()
