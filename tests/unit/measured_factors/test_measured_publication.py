"""A measured factor published as a factor file that supersedes the default it was checked
against, and a later publication superseding the earlier one."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from dualcarbon.errors import DualcarbonError
from dualcarbon.factors import FactorCatalogue, default_catalogue
from dualcarbon.io.measurement_files import write_factor_file
from dualcarbon.measured_factors.comparison import check_default, codes_key
from dualcarbon.measured_factors.observations import Observation
from dualcarbon.measured_factors.publication import (
    MeasuredSource,
    head_of_chain,
    measured_factor_file,
    rounded,
)

COAL = "cn-mee-power-2022/carbon_content_per_heat/coal_unmeasured"
KEY = codes_key("test secret")


def _observations(shift: float = 0.0, holders: int = 4) -> list[Observation]:
    return [
        Observation(COAL, 26.2 + 0.4 * h + shift + 0.1 * m, "tC/TJ", 0.3, f"plant {h}", 2024, "x")
        for h in range(holders)
        for m in range(3)
    ]


def _source(source_id: str, year: int = 2025) -> MeasuredSource:
    return MeasuredSource(
        id=source_id,
        publisher="factor database maintainers",
        edition=str(year),
        published=dt.date(year, 3, 1),
    )


def test_rounded_to_the_second_significant_digit_of_u() -> None:
    """JCGM 100 7.2.6: u = 0.00048 keeps the value to 1e-5."""
    assert rounded(0.0265812, 0.00048) == 0.02658
    assert rounded(358.04, 2.6) == 358.0
    assert rounded(1.5, 0.0) == 1.5


def test_the_published_entry_supersedes_the_default(tmp_path: Path) -> None:
    catalogue = default_catalogue()
    check = check_default(catalogue.get(COAL), _observations(), KEY)
    data = measured_factor_file([check], _source("cn-measured-2025"), catalogue)
    (entry,) = data["factors"]
    assert entry["supersedes"] == catalogue.get(COAL).ref
    assert entry["unit"] == "tC/GJ"
    # the published u is that of one more enterprise: √(τ² + u(μ)²)
    assert entry["uncertainty"]["u"] == pytest.approx(check.consensus.prediction_u, rel=0.05)
    assert entry["value"] == pytest.approx(check.consensus.value, abs=1e-5)
    factors = write_factor_file(data, tmp_path / "cn-measured-2025.yaml", catalogue)
    joined = FactorCatalogue([*catalogue, *factors])
    default = joined.get(f"{COAL}@1")
    assert joined.is_superseded(default)  # the old value stays for the results that used it
    assert joined.get(COAL).ref == default.ref
    found = joined.search(kind="carbon_content_per_heat", subject="coal")
    assert factors[0] in found and default not in found
    assert factors[0].standard_uncertainty == entry["uncertainty"]["u"]


def test_a_second_publication_supersedes_the_first(tmp_path: Path) -> None:
    catalogue = default_catalogue()
    first = write_factor_file(
        measured_factor_file(
            [check_default(catalogue.get(COAL), _observations(), KEY)],
            _source("cn-measured-2025"),
            catalogue,
        ),
        tmp_path / "cn-measured-2025.yaml",
        catalogue,
    )
    with_first = FactorCatalogue([*catalogue, *first])
    assert head_of_chain(with_first, catalogue.get(COAL)) == first[0]
    later = measured_factor_file(
        [check_default(with_first.get(COAL), _observations(shift=0.3), KEY)],
        _source("cn-measured-2026", 2026),
        with_first,
    )
    second = write_factor_file(later, tmp_path / "cn-measured-2026.yaml", with_first)
    assert second[0].supersedes == first[0].ref
    both = FactorCatalogue([*with_first, *second])
    assert both.is_superseded(first[0]) and not both.is_superseded(second[0])


def test_too_few_enterprises_publish_nothing() -> None:
    catalogue = default_catalogue()
    check = check_default(catalogue.get(COAL), _observations(holders=2), KEY)
    with pytest.raises(DualcarbonError, match="enough enterprises"):
        measured_factor_file([check], _source("cn-measured-2025"), catalogue)


def test_a_file_not_named_after_its_source_is_refused(tmp_path: Path) -> None:
    catalogue = default_catalogue()
    data = measured_factor_file(
        [check_default(catalogue.get(COAL), _observations(), KEY)],
        _source("cn-measured-2025"),
        catalogue,
    )
    with pytest.raises(DualcarbonError, match=r"cn-measured-2025\.yaml"):
        write_factor_file(data, tmp_path / "measured.yaml", catalogue)
    assert list(tmp_path.iterdir()) == []


def test_publishing_the_same_source_twice_writes_nothing(tmp_path: Path) -> None:
    catalogue = default_catalogue()
    data = measured_factor_file(
        [check_default(catalogue.get(COAL), _observations(), KEY)],
        _source("cn-measured-2025"),
        catalogue,
    )
    first = write_factor_file(data, tmp_path / "cn-measured-2025.yaml", catalogue)
    again = tmp_path / "again"
    again.mkdir()
    with pytest.raises(DualcarbonError, match="holds a source cn-measured-2025 already"):
        write_factor_file(
            data, again / "cn-measured-2025.yaml", FactorCatalogue([*catalogue, *first])
        )
    assert list(again.iterdir()) == []
    before = (tmp_path / "cn-measured-2025.yaml").read_bytes()
    with pytest.raises(DualcarbonError, match="exists: not replaced"):
        write_factor_file(data, tmp_path / "cn-measured-2025.yaml", catalogue)
    assert (tmp_path / "cn-measured-2025.yaml").read_bytes() == before


def test_the_note_carries_the_statistics() -> None:
    catalogue = default_catalogue()
    check = check_default(catalogue.get(COAL), _observations(), KEY)
    (entry,) = measured_factor_file([check], _source("cn-measured-2025"), catalogue)["factors"]
    assert "4 enterprises" in entry["note"] and "12 measurements" in entry["note"]
    assert f"En = {check.en:.2f}" in entry["note"]
    assert math.isfinite(entry["value"])


@pytest.mark.parametrize("source_id", ["ipcc-2006-v2-ch1", "My Measured", "测量-2025"])
def test_a_shipped_or_malformed_source_id_is_refused(tmp_path: Path, source_id: str) -> None:
    """Publishing under IPCC's id would put the maintainers' figures under IPCC's name."""
    catalogue = default_catalogue()
    data = measured_factor_file(
        [check_default(catalogue.get(COAL), _observations(), KEY)], _source(source_id), catalogue
    )
    with pytest.raises(DualcarbonError):
        write_factor_file(data, tmp_path / f"{source_id}.yaml", catalogue)
    assert list(tmp_path.iterdir()) == []
