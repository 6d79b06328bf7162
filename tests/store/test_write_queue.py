"""Writers to a SQLite file take turns on a lock file instead of polling SQLite's busy handler
(issue 12, server speed; ``dualcarbon.store.writelock``); the file is in write-ahead-log mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import Organisation
from locks import lock_is_free

fcntl = pytest.importorskip("fcntl")  # Linux and macOS; elsewhere the thread lock alone


def test_a_write_holds_the_file_lock_until_its_commit_and_a_read_takes_none(
    tmp_path: Path,
) -> None:
    database = tmp_path / "store.sqlite"
    url = f"sqlite:///{database}"
    upgrade(url)
    engine = make_engine(url)
    lock_file = Path(f"{database.resolve()}.write-lock")
    try:
        with session_scope(engine) as session:
            session.execute(text("SELECT count(*) FROM organisations")).scalar_one()
            assert not lock_file.exists() or lock_is_free(lock_file)  # reading takes no turn
            session.add(Organisation(name="甲"))
            session.flush()  # the first write takes the turn ...
            assert not lock_is_free(lock_file)
        assert lock_is_free(lock_file)  # ... and the commit gives it back
        with pytest.raises(RuntimeError), session_scope(engine) as session:
            session.add(Organisation(name="乙"))
            session.flush()
            raise RuntimeError("rolled back")
        assert lock_is_free(lock_file)  # so does a rollback
        with engine.connect() as connection:
            mode = connection.execute(text("PRAGMA journal_mode")).scalar_one()
        assert mode == "wal"
        with session_scope(engine) as session:
            names = session.scalars(text("SELECT name FROM organisations")).all()
        assert names == ["甲"]
    finally:
        engine.dispose()
