"""Methodology files load one by one and versions resolve exactly (issue 13, item 3; decision
0014): a bad file names itself and the others still load; ``id@7`` that is not shipped is an
error, not version 1; ``sector`` is free data (``cement`` loads)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dualcarbon.cli.main import app
from dualcarbon.errors import FactorDataError, MethodologyNotFoundError
from dualcarbon.methodologies import definition
from dualcarbon.methodologies.definition import (
    get_methodology,
    load_folder,
    resolve_methodology,
)

SHIPPED = Path(definition.__file__).parent / "data"


def _copy(folder: Path, methodology_id: str, **changes: object) -> Path:
    raw = yaml.safe_load((SHIPPED / f"{methodology_id}.yaml").read_text(encoding="utf-8"))
    raw.update(changes)
    path = folder / f"{raw['id']}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_a_bad_file_names_itself_and_the_others_still_load(tmp_path: Path) -> None:
    shutil.copy(SHIPPED / "cn-mee-power-2022.yaml", tmp_path)
    _copy(tmp_path, "gbt-32150-2025", sources="not a list")
    (tmp_path / "broken-yaml.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    loaded = load_folder(tmp_path)
    assert sorted(loaded.methodologies) == ["cn-mee-power-2022"]
    assert sorted(loaded.broken) == ["broken-yaml.yaml", "gbt-32150-2025.yaml"]
    problem = loaded.broken["gbt-32150-2025.yaml"]
    assert problem.path.endswith("gbt-32150-2025.yaml") and "sources" in problem.rule


def test_a_sector_is_free_data(tmp_path: Path) -> None:
    _copy(tmp_path, "gbt-32150-2025", id="cement-sketch", sector="cement")
    assert load_folder(tmp_path).methodologies["cement-sketch"].sector == "cement"
    _copy(tmp_path, "gbt-32150-2025", id="bad-sector", sector="Cement Industry!")
    assert "sector" in load_folder(tmp_path).broken["bad-sector.yaml"].rule


def test_versions_resolve_exactly() -> None:
    shipped = get_methodology("cn-mee-power-2022")
    assert resolve_methodology(f"cn-mee-power-2022@{shipped.version}") is shipped
    assert resolve_methodology(f"power@{shipped.version}") is shipped  # an alias, versioned
    with pytest.raises(MethodologyNotFoundError) as raised:
        resolve_methodology("cn-mee-power-2022@7")
    assert "cn-mee-power-2022@7" in str(raised.value)
    assert f"cn-mee-power-2022@{shipped.version}" in str(raised.value)  # what exists


def test_a_shipped_but_broken_methodology_says_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.copy(SHIPPED / "cn-mee-power-2022.yaml", tmp_path)
    _copy(tmp_path, "gbt-32150-2025", sources="not a list")
    monkeypatch.setattr(definition, "_data_folder", lambda: tmp_path)
    definition.shipped.cache_clear()
    try:
        with pytest.raises(FactorDataError, match=r"gbt-32150-2025\.yaml"):
            get_methodology("gbt-32150-2025")
        assert get_methodology("cn-mee-power-2022").id == "cn-mee-power-2022"
        listed = CliRunner().invoke(app, ["methodologies", "list", "--json"])
        assert listed.exit_code == 1
        assert "cn-mee-power-2022" in listed.stdout
        assert "gbt-32150-2025.yaml" in listed.stderr
    finally:
        definition.shipped.cache_clear()


def test_every_shipped_file_loads() -> None:
    definition.shipped.cache_clear()
    assert definition.broken_methodologies() == {}
    listed = CliRunner().invoke(app, ["methodologies", "list"])
    assert listed.exit_code == 0, listed.output


def test_a_factor_on_a_source_that_reads_none_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load((SHIPPED / "gbt-32150-2025.yaml").read_text(encoding="utf-8"))
    for source in raw["sources"]:
        if source["kind"] == "process":
            source["factor"] = "gbt-32150-2025/co2_emission_factor/heat"
    (tmp_path / "gbt-32150-2025.yaml").write_text(
        yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8"
    )
    problem = load_folder(tmp_path).broken["gbt-32150-2025.yaml"]
    assert "a process source takes no factor" in problem.rule
