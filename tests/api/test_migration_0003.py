"""Migration 0003 (accounts) goes up and down on both backends, keeping the data before it."""

from __future__ import annotations

from sqlalchemy import inspect, text

from dualcarbon.store import current_revision, downgrade, make_engine, upgrade

ACCOUNTS = {"users", "user_organisations", "api_keys", "web_sessions"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0003_upgrades_and_downgrades_cleanly(db_url: str) -> None:
    upgrade(db_url, "0002")
    assert not ACCOUNTS & _tables(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO organisations (id, name) VALUES (1, '甲')"))
        upgrade(db_url, "0003")
        assert current_revision(db_url) == "0003"
        assert _tables(db_url) >= ACCOUNTS
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, role, organisation_id,"
                    " active, created_at) VALUES (1, 'a@b.cn', 'a', 'x', 'verifier', NULL, TRUE,"
                    " CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text("INSERT INTO user_organisations (user_id, organisation_id) VALUES (1, 1)")
            )
        downgrade(db_url, "0002")
        assert current_revision(db_url) == "0002"
        assert not ACCOUNTS & _tables(db_url)
        with engine.connect() as connection:
            names = connection.execute(text("SELECT name FROM organisations")).scalars().all()
        assert names == ["甲"]
        upgrade(db_url)
        assert _tables(db_url) >= ACCOUNTS
    finally:
        engine.dispose()
