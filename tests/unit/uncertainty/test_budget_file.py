"""Budget files and the `dualcarbon uncertainty` command."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dualcarbon.cli.main import app
from dualcarbon.errors import InputError
from dualcarbon.io.budget_file import read_budget

EXAMPLES = Path(__file__).parents[3] / "examples"
runner = CliRunner()


def test_every_input_form_loads(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(
        """
model: [Y = X1 + X2 + X3 + X4 + X5 + X6 + X7 + X8 + X9 + X10, W = 2 * Y]
inputs:
  X1: {value: 1.0, u: 0.1, dof: 9}
  X2: {distribution: rectangular, value: 0, half_width: 0.5}
  X3: {distribution: rectangular, lower: -1, upper: 1}
  X4: {distribution: triangular, lower: -1, upper: 1, mode: 0}
  X5: {distribution: trapezoidal, lower: -1, upper: 1, beta: 0.5}
  X6: {distribution: arcsine, value: 0, half_width: 0.5}
  X7: {distribution: t, value: 1, u: 0.1, dof: 4}
  X8: {distribution: lognormal, value: 2, u: 0.2}
  X9: {observations: [1.01, 0.99, 1.02]}
  X10: {value: 3.0}
correlations:
  - [X1, X7, 0.0]
""",
        encoding="utf-8",
    )
    model = read_budget(path)
    assert model.outputs == ("Y", "W")
    assert model.jacobian()[1].tolist() == [2.0] * 10


def test_problems_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        """
model: Y = A + B
inputs:
  A: {distribution: rectangular, lower: 1}
  B: {distribution: banana, value: 1}
correlations: [[A, B]]
extra: 1
""",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_budget(path)
    fields = {p.field for p in info.value.problems}
    assert fields == {"inputs.A", "inputs.B", "correlations[0]", "extra"}


def test_cli_json_keys() -> None:
    out = runner.invoke(
        app,
        [
            "uncertainty",
            str(EXAMPLES / "gum-h2.yaml"),
            "--json",
            "--seed",
            "1",
            "--trials",
            "200000",
        ],
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    r = data["outputs"]["R"]
    assert set(r["gum"]) >= {"value", "u", "dof", "k", "U", "interval", "coverage"}
    assert set(r["mcm"]) >= {"value", "u", "interval", "shortest_interval", "coverage", "trials"}
    assert isinstance(r["validated"], bool)
    assert r["gum"]["value"] == pytest.approx(127.732, abs=1e-3)
    assert {line["input"] for line in data["budget"]} == {"V", "I", "phi"}


def test_cli_table_and_plot(tmp_path: Path) -> None:
    plot = tmp_path / "h.png"
    out = runner.invoke(
        app,
        [
            "uncertainty",
            str(EXAMPLES / "coal-emission.yaml"),
            "--seed",
            "2",
            "--trials",
            "100000",
            "--plot",
            str(plot),
            "--coverage",
            "0.99",
        ],
    )
    assert out.exit_code == 0, out.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "FC" in out.output and "C_ar" in out.output


def test_cli_refuses_bad_method() -> None:
    out = runner.invoke(app, ["uncertainty", str(EXAMPLES / "gum-h2.yaml"), "--method", "x"])
    assert out.exit_code != 0
