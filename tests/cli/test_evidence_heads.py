"""Heads kept outside the store (issue 12): ``evidence heads export`` writes them,
``evidence verify --head FILE|URL`` proves the store still extends them.

The insider here rewrites the store consistently — drops the newest entries of the organisation
log and of the platform log with their heads, and fixes every recorded size and root — so that
nothing inside the store tells. Only a head kept outside catches it.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from dualcarbon.cli.main import app
from dualcarbon.demo import demo_inventory_path
from dualcarbon.ledger import merkle, published

runner = CliRunner()


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "en")
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DUALCARBON_DATABASE_URL", raising=False)
    monkeypatch.delenv("DUALCARBON_LEDGER_KEY", raising=False)


def _store(tmp_path: Path) -> str:
    database = f"sqlite:///{tmp_path / 'store.sqlite'}"
    out = runner.invoke(
        app,
        ["account", str(demo_inventory_path()), "--store"],
        env={"DUALCARBON_DATABASE_URL": database},
    )
    assert out.exit_code == 0, out.output
    return database


def _cut_every_log_short(database: str) -> None:
    """Drop the newest entry of every log with its head; fix sizes and compact ranges."""
    engine = create_engine(database)
    with engine.begin() as connection:
        for log_id, size in connection.execute(
            text("SELECT log_id, size FROM evidence_logs")
        ).all():
            connection.execute(
                text("DELETE FROM evidence_entries WHERE log_id = :l AND sequence = :s"),
                {"l": log_id, "s": size - 1},
            )
            connection.execute(
                text("DELETE FROM evidence_heads WHERE log_id = :l AND tree_size = :s"),
                {"l": log_id, "s": size},
            )
            compact = merkle.CompactRange()
            for leaf in connection.execute(
                text("SELECT leaf_hash FROM evidence_entries WHERE log_id = :l ORDER BY sequence"),
                {"l": log_id},
            ).scalars():
                compact.append(bytes.fromhex(leaf))
            connection.execute(
                text("UPDATE evidence_logs SET size = :n, compact_json = :c WHERE log_id = :l"),
                {"n": size - 1, "c": json.dumps(compact.to_json()), "l": log_id},
            )
    engine.dispose()


@contextlib.contextmanager
def _serving(body: bytes) -> Iterator[str]:
    """``body`` served on a loopback port; the URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/heads.json"
    finally:
        server.shutdown()
        server.server_close()


def test_a_kept_head_catches_what_the_store_no_longer_shows(tmp_path: Path) -> None:
    database = _store(tmp_path)
    kept = tmp_path / "heads.json"
    exported = runner.invoke(
        app, ["evidence", "heads", "export", "--database", database, "-o", str(kept)]
    )
    assert exported.exit_code == 0, exported.output
    document = json.loads(kept.read_text())
    assert document["format"] == published.FORMAT
    assert sorted(h["log_id"] for h in document["heads"]) == ["org:1", "platform"]
    clean = runner.invoke(app, ["evidence", "verify", "--database", database, "--head", str(kept)])
    assert clean.exit_code == 0, clean.output

    _cut_every_log_short(database)
    unaware = runner.invoke(app, ["evidence", "verify", "--database", database, "--json"])
    assert unaware.exit_code == 0, unaware.output  # nothing inside the store tells …
    caught = runner.invoke(
        app, ["evidence", "verify", "--database", database, "--head", str(kept), "--json"]
    )
    assert caught.exit_code == 1  # … the kept heads do, for both logs
    problems = {
        (log["log_id"], p["kind"], p["sequence"])
        for log in json.loads(caught.stdout)
        for p in log["problems"]
    }
    assert problems == {("org:1", "removed", 1), ("platform", "removed", 1)}
    with _serving(kept.read_bytes()) as url:
        fetched = runner.invoke(app, ["evidence", "verify", "--database", database, "--head", url])
    assert fetched.exit_code == 1
    assert "org:1 #1" in fetched.output and "removed" in fetched.output


def test_unreadable_kept_heads_are_refused_by_name(tmp_path: Path) -> None:
    database = _store(tmp_path)
    with _serving(b" " * (published.MAX_BYTES + 10)) as url:
        big = runner.invoke(app, ["evidence", "verify", "--database", database, "--head", url])
    assert big.exit_code == 2
    assert "larger than" in big.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"heads": [{"log_id": "platform", "tree_size": "x"}]}')
    refused = runner.invoke(app, ["evidence", "verify", "--database", database, "--head", str(bad)])
    assert refused.exit_code == 2
    assert "bad.json" in "".join(refused.output.split()) and "head 1" in refused.output


@pytest.mark.parametrize("command", [["verify"], ["heads", "export", "-o", "heads.json"]])
def test_an_empty_store_is_named_not_migrated(tmp_path: Path, command: list[str]) -> None:
    """An audit only reads: pointed at a store with no tables (a mistyped URL), it says so and
    leaves the store as it found it, instead of a traceback from the first query."""
    database = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    out = runner.invoke(app, ["evidence", *command, "--database", database])
    assert out.exit_code == 1
    assert "the store is empty" in " ".join(out.output.split())
    assert out.exception is None or isinstance(out.exception, SystemExit)
    tables = create_engine(database).connect().execute(text("SELECT name FROM sqlite_master"))
    assert tables.all() == []


def test_a_store_at_an_older_migration_is_named(tmp_path: Path) -> None:
    from dualcarbon.store import upgrade

    database = f"sqlite:///{tmp_path / 'old.sqlite'}"
    upgrade(database, "0008")
    out = runner.invoke(app, ["evidence", "verify", "--database", database])
    assert out.exit_code == 1
    assert "the store is at migration 0008" in " ".join(out.output.split())
