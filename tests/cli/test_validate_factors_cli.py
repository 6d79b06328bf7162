"""``dualcarbon factors validate``: the bundled measurements checked end to end against an
independent computation (plain Python and statsmodels' DerSimonian–Laird), the measured factors
published and reloaded, the platform's store read once per facility and year, and bad input
refused with its row."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml
from statsmodels.stats.meta_analysis import combine_effects
from typer.testing import CliRunner

from dualcarbon.accounting.engine import account
from dualcarbon.cli.main import app
from dualcarbon.factors import FactorCatalogue, default_catalogue
from dualcarbon.factors.catalogue import load_factor_file
from dualcarbon.io import read_inventory
from dualcarbon.store import make_engine, save_inventory, save_result, session_scope, upgrade

runner = CliRunner()
ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "factor-validation" / "measurements-2024.csv"
DEMO = ROOT / "src" / "dualcarbon" / "demo" / "data" / "demo-plant.yaml"
COAL = "cn-mee-power-2022/carbon_content_per_heat/coal_unmeasured"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "en")
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))


def _run(*args: str) -> dict[str, object]:
    out = runner.invoke(app, ["factors", "validate", *args, "--json"])
    assert out.exit_code == 0, out.output
    data: dict[str, object] = json.loads(out.stdout)
    return data


def test_the_coal_default_against_an_independent_computation() -> None:
    """The example's power-plant coal rows, in tC/TJ: averaged per plant by hand, the plant
    means combined by statsmodels, the default's En recomputed."""
    rows = [r for r in csv.DictReader(EXAMPLE.open(encoding="utf-8")) if r["default"] == COAL]
    by_plant: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for row in rows:
        assert row["unit"] == "tC/TJ"
        by_plant[row["holder"]].append((float(row["value"]) / 1000, float(row["u"]) / 1000))
    means = np.array([sum(v for v, _ in r) / len(r) for r in by_plant.values()])
    variances = np.array([sum(u * u for _, u in r) / len(r) ** 2 for r in by_plant.values()])
    reference = combine_effects(means, variances, method_re="dl")
    assert reference.tau2 > 0  # the example's plants do differ
    data = _run("--measurements", str(EXAMPLE))
    checks = {c["default"]: c for c in data["checks"]}  # type: ignore[union-attr, index]
    coal = checks[f"{COAL}@1"]
    assert coal["measurements"] == len(rows)
    assert coal["enterprises"] == len(by_plant)
    assert coal["consensus"] == pytest.approx(reference.mean_effect_re, rel=1e-9)
    assert coal["consensus_u"] == pytest.approx(reference.sd_eff_w_re, rel=1e-9)
    assert coal["tau"] == pytest.approx(math.sqrt(reference.tau2), rel=1e-9)
    default = default_catalogue().get(COAL).value
    assert coal["en"] == pytest.approx(
        (default - reference.mean_effect_re) / (2 * reference.sd_eff_w_re), rel=1e-9
    )
    # the guideline's default for months without an analysis is set high on purpose
    assert coal["verdict"] == "default_above"
    assert {c["verdict"] for c in checks.values()} >= {"consistent", "insufficient"}


def test_published_factors_supersede_their_defaults(tmp_path: Path) -> None:
    target = tmp_path / "cn-measured-2024.yaml"
    data = _run(
        "--measurements", str(EXAMPLE), "--publish", str(target), "--publisher", "因子库维护组"
    )
    published = data["published"]
    assert isinstance(published, list)
    factors = load_factor_file(target)
    assert [f.ref for f in factors] == [p["ref"] for p in published]
    publishable = [c for c in data["checks"] if c["publishable"]]  # type: ignore[union-attr]
    assert len(factors) == len(publishable) < len(data["checks"])  # type: ignore[arg-type]
    joined = FactorCatalogue([*default_catalogue(), *factors])
    for factor in factors:
        assert factor.supersedes is not None
        assert joined.is_superseded(joined.get(factor.supersedes))
        # named after the default it measured, which here nothing superseded before
        assert factor.id == "cn-measured-2024/" + factor.supersedes.split("@")[0]
    assert factors[0].source.publisher == "因子库维护组"
    assert factors[0].source.edition == "2024"  # the year measured


def test_the_report_names_each_default_and_no_enterprise(tmp_path: Path) -> None:
    report = tmp_path / "validation.html"
    out = runner.invoke(
        app, ["factors", "validate", "--measurements", str(EXAMPLE), "--report", str(report)]
    )
    assert out.exit_code == 0, out.output
    page = report.read_text(encoding="utf-8")
    assert page.count("<tr data-ref=") == 5
    assert 'data-verdict="default_above"' in page and 'data-verdict="consistent"' in page
    assert "电厂01" not in page  # enterprises appear by code only
    # anthracite has two enterprises: counts only, no chart, no means
    assert page.count("<svg") == 4 and page.count('class="hint withheld"') == 1
    assert "缺省排放因子实测验证报告" in page  # a file is Chinese unless --lang en


def test_the_store_is_read_once_per_facility_and_year(tmp_path: Path, db_url: str) -> None:
    """Three plants' results; one corrected later: only the correction's values count."""
    upgrade(db_url)
    engine = make_engine(db_url)
    base = read_inventory(DEMO)
    try:
        with session_scope(engine) as session:
            for name in ("甲电力", "乙电力", "丙电力"):
                inventory = dataclasses.replace(
                    base, header=base.header.model_copy(update={"organisation": name})
                )
                stored = save_inventory(session, name, "一号电厂", inventory)
                save_result(session, stored, account(inventory))
            fuel = base.tables["fuel"].with_columns(
                pl.col("carbon_content") + 1.0  # a corrected laboratory series
            )
            corrected = dataclasses.replace(
                base,
                header=base.header.model_copy(update={"organisation": "丙电力"}),
                tables={**base.tables, "fuel": fuel},
            )
            stored = save_inventory(session, "丙电力", "一号电厂", corrected)
            save_result(session, stored, account(corrected))
    finally:
        engine.dispose()
    data = _run("--database", db_url)
    (coal,) = data["checks"]  # type: ignore[misc]
    assert coal["measurements"] == 3 * 20
    # a plant's year given as a file as well counts once: the file
    raw = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    raw["inventory"]["organisation"] = "甲电力"
    again = tmp_path / "甲电力.yaml"
    again.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    both = _run("--database", db_url, str(again))
    assert both["checks"][0]["measurements"] == 3 * 20  # type: ignore[index]
    assert any("甲电力" in line for line in both["skipped"])  # type: ignore[union-attr]
    if db_url.startswith("sqlite:///"):
        # a read-only URI opens as SQLite says, not as a missing file
        uri = f"sqlite:///file:{db_url.removeprefix('sqlite:///')}?mode=ro&uri=true"
        assert _run("--database", uri)["checks"] == data["checks"]
    means = sorted(h["mean"] for h in coal["holders"])
    # the corrected plant's carbon is 1 % point higher in every month
    assert means[0] == pytest.approx(means[1], rel=1e-12)
    assert means[2] > means[1] * 1.015


def test_bad_rows_are_refused_with_their_row(tmp_path: Path) -> None:
    bad = tmp_path / "m.csv"
    bad.write_text(f"default,value,unit,holder\n{COAL},abc,tC/TJ,甲\n", encoding="utf-8")
    report = tmp_path / "r.html"
    out = runner.invoke(
        app, ["factors", "validate", "--measurements", str(bad), "--report", str(report)]
    )
    assert out.exit_code == 1
    assert "row 2" in out.output and "value" in out.output
    assert not report.exists()


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--measurements", str(EXAMPLE), "--publish", "cn-measured-2024.yaml"],
        ["--measurements", "no-such-file.csv"],
        ["no-such-inventory.yaml"],
        ["--measurements", str(EXAMPLE), "--report", "no-such-folder/r.html"],
        ["--measurements", str(EXAMPLE), "--only", "no/such/factor"],
    ],
)
def test_missing_inputs_are_usage_errors(args: list[str]) -> None:
    out = runner.invoke(app, ["factors", "validate", *args])
    assert out.exit_code == 2, out.output
    assert out.exception is None or isinstance(out.exception, SystemExit)


def test_only_the_defaults_asked_for(tmp_path: Path) -> None:
    oxidation = "cn-mee-power-2022/oxidation_rate/coal"
    data = _run("--measurements", str(EXAMPLE), "--only", oxidation)
    assert [c["default"] for c in data["checks"]] == [f"{oxidation}@1"]  # type: ignore[union-attr]
    target = tmp_path / "cn-measured-oxidation.yaml"
    _run(
        "--measurements",
        str(EXAMPLE),
        "--only",
        oxidation,
        "--publish",
        str(target),
        "--publisher",
        "x",
    )
    assert [f.supersedes for f in load_factor_file(target)] == [f"{oxidation}@1"]


def test_a_refusal_reads_in_chinese(tmp_path: Path) -> None:
    """Publishing with too few enterprises: the reason in the terminal's language."""
    out = runner.invoke(
        app,
        [
            "factors",
            "validate",
            "--measurements",
            str(EXAMPLE),
            "--lang",
            "zh",
            "--only",
            "gbt-32151-common-fuels/carbon_content_per_heat/anthracite",
            "--publish",
            str(tmp_path / "cn-measured-2024.yaml"),
            "--publisher",
            "x",
        ],
    )
    assert out.exit_code == 1
    assert "没有哪个缺省值有足够多企业的实测值" in out.output
    assert not (tmp_path / "cn-measured-2024.yaml").exists()


def test_three_plants_of_one_group_are_not_three_enterprises(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    paths = []
    for plant in ("一号", "二号", "三号"):
        raw["inventory"]["facility"] = f"{plant}电厂"
        path = tmp_path / f"{plant}.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        paths.append(str(path))
    (coal,) = _run(*paths)["checks"]  # type: ignore[misc]
    assert (coal["enterprises"], coal["organisations"]) == (3, 1)
    assert coal["verdict"] == "insufficient" and not coal["publishable"]
    assert coal["consensus"] is None and coal["holders"] == []
