"""``dualcarbon certificates`` end to end on a SQLite file: import, claim once, list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dualcarbon.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "en")
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DUALCARBON_DATABASE_URL", raising=False)


def test_import_claim_and_list(tmp_path: Path) -> None:
    book = tmp_path / "gec.xlsx"
    database = f"sqlite:///{tmp_path / 'ledger.db'}"
    assert (
        runner.invoke(app, ["certificates", "template", "-o", str(book), "--example"]).exit_code
        == 0
    )
    holder = ["--holder", "示例铝业有限公司", "--database", database]
    out = runner.invoke(app, ["certificates", "import", str(book), *holder])
    assert out.exit_code == 0, out.output
    assert "2,000 certificates" in out.output
    again = runner.invoke(
        app, ["certificates", "import", str(book), "--holder", "乙", "--database", database]
    )
    assert again.exit_code == 1 and "a certificate is recorded once" in again.output
    claim = ["certificates", "claim", *holder, "--purpose", "product", "--subject", "AL-INGOT"]
    out = runner.invoke(app, [*claim, "--quantity", "1500", "--json"])
    assert out.exit_code == 0, out.output
    made = json.loads(out.stdout)
    assert made["mwh"] == 1500 and [t["quantity"] for t in made["taken"]] == [1200, 300]
    out = runner.invoke(app, [*claim, "--quantity", "501"])
    assert out.exit_code == 1 and "only 500" in out.output
    out = runner.invoke(app, ["certificates", "list", *holder, "--json"])
    listed = json.loads(out.stdout)
    assert [b["remaining"] for b in listed["batches"]] == [0, 500]
    assert {c["reference"] for c in listed["claims"]} == {made["reference"]}


def test_an_unknown_purpose_is_a_usage_error(tmp_path: Path) -> None:
    out = runner.invoke(
        app,
        [
            "certificates",
            "claim",
            "--holder",
            "x",
            "--quantity",
            "1",
            "--purpose",
            "ccer",
            "--subject",
            "s",
        ],
    )
    assert out.exit_code == 2
