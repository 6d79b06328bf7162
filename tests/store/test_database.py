"""Where the store lives by default and how URLs are read."""

from __future__ import annotations

from pathlib import Path

import pytest

from dualcarbon.store import current_revision, database_url, head_revision, make_engine, upgrade
from dualcarbon.store.database import data_dir


def test_default_url_is_sqlite_in_user_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DUALCARBON_DATABASE_URL", raising=False)
    monkeypatch.delenv("DUALCARBON_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = tmp_path / ".local" / "share" / "dualcarbon" / "dualcarbon.sqlite"
    assert database_url() == f"sqlite:///{expected}"


def test_dualcarbon_home_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DUALCARBON_DATABASE_URL", raising=False)
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "dc"))
    assert data_dir() == tmp_path / "dc"
    assert database_url() == f"sqlite:///{tmp_path / 'dc' / 'dualcarbon.sqlite'}"


def test_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALCARBON_DATABASE_URL", "postgresql+psycopg://u@db/carbon")
    assert database_url() == "postgresql+psycopg://u@db/carbon"


def test_sqlite_engine_creates_folder_and_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'x.sqlite'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (tmp_path / "a" / "b").is_dir()
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["postgresql://u@db/carbon", "postgres://u@db/carbon"])
def test_plain_postgresql_urls_use_psycopg3(url: str) -> None:
    engine = make_engine(url)
    try:
        assert engine.url.drivername == "postgresql+psycopg"
    finally:
        engine.dispose()


def test_upgrade_without_url_creates_the_default_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DUALCARBON_DATABASE_URL", raising=False)
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))
    upgrade()
    assert (tmp_path / "home" / "dualcarbon.sqlite").is_file()
    assert current_revision() == head_revision()
