"""How sure each default is, as data (issue 13: "where a value could not be read in the official
text, the file says so and the report shows it"; docs/factor-data-format.md, Confidence)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import dualcarbon.factors as factors_package
from dualcarbon.accounting.engine import account
from dualcarbon.accounting.result import result_to_json
from dualcarbon.cli.main import app
from dualcarbon.demo import demo_inventory_path
from dualcarbon.errors import FactorDataError
from dualcarbon.factors import default_catalogue
from dualcarbon.factors.catalogue import FactorCatalogue
from dualcarbon.io import read_inventory
from dualcarbon.reports.html import render_html


def test_every_factor_has_a_confidence_and_entries_override_their_source() -> None:
    factors = default_catalogue().search(None)
    assert {f.effective_confidence for f in factors} == {"verified", "corroborated", "unverified"}
    unmeasured = default_catalogue().get(
        "cn-mee-power-2022/carbon_content_per_heat/coal_unmeasured"
    )
    # the file's own note: presumed to continue the 2022-06 notice value, not read in No. 485
    assert unmeasured.source.confidence == "corroborated"
    assert unmeasured.effective_confidence == "unverified" and unmeasured.transcribed
    grid_2023 = default_catalogue().get("cn-grid-ef-2023/co2_emission_factor/grid/CN")
    assert grid_2023.effective_confidence == "verified" and not grid_2023.transcribed


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_marks_what_was_not_read_in_the_official_text(lang: str) -> None:
    result = account(read_inventory(demo_inventory_path()))
    page = render_html(result, lang=lang)
    marked = sum(f.transcribed for f in result.factors.values())
    assert marked >= 2  # the power guideline's defaults were never read in its text
    assert page.count('class="transcribed"') == marked
    exported = result_to_json(result)["factors"]
    assert {ref: f["confidence"] for ref, f in exported.items()} == {
        ref: f.effective_confidence for ref, f in result.factors.items()
    }


def test_factors_show_prints_the_confidence() -> None:
    shown = CliRunner(env={"DUALCARBON_LANG": "en"}).invoke(
        app, ["factors", "show", "cn-mee-power-2022/carbon_content_per_heat/coal_unmeasured"]
    )
    assert shown.exit_code == 0, shown.output
    assert "unverified" in shown.output


def test_a_source_without_a_confidence_does_not_load(tmp_path: Path) -> None:
    shipped = Path(factors_package.__file__).parent / "data" / "gwp-ipcc-ar6.yaml"
    text = shipped.read_text(encoding="utf-8")
    assert "  confidence: corroborated\n" in text
    broken = tmp_path / "gwp-ipcc-ar6.yaml"
    broken.write_text(text.replace("  confidence: corroborated\n", "", 1), encoding="utf-8")
    with pytest.raises(FactorDataError, match="confidence"):
        FactorCatalogue.from_files([broken])
