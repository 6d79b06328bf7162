"""The shipped factor catalogue: loads, versions, search, and sources cited."""

from pathlib import Path

import pytest

from dualcarbon.errors import FactorDataError, FactorNotFoundError
from dualcarbon.factors import FactorCatalogue, default_catalogue
from dualcarbon.factors.catalogue import load_factor_file


def test_every_entry_cites_its_document_and_table() -> None:
    catalogue = default_catalogue()
    assert len(catalogue) > 200
    for factor in catalogue:
        assert factor.table.strip(), factor.ref
        assert factor.source.verified.strip(), factor.ref


@pytest.mark.parametrize(
    ("ref", "value"),
    [
        ("gwp-ipcc-ar6/gwp/CH4", 27.9),  # AR6 WG1 Table 7.15
        ("gwp-ipcc-ar6/gwp/CH4_fossil", 29.8),
        ("gwp-ipcc-ar5/gwp/CH4", 28.0),  # AR5 WG1 Table 8.A.1
        ("gwp-ipcc-ar4/gwp/CH4", 25.0),  # AR4 WG1 Table 2.14
        ("gwp-ipcc-ar6/gwp/SF6", 25200.0),
        ("ipcc-2006-v2-ch1/net_calorific_value/natural_gas", 48.0),  # IPCC 2006 V2 Table 1.2
        ("cn-grid-ef-2023/co2_emission_factor/grid/CN", 0.5306),  # MEE/NBS 公告2025年第47号
        ("cn-grid-ef-2022/co2_emission_factor/grid/CN", 0.5366),
    ],
)
def test_published_values(ref: str, value: float) -> None:
    assert default_catalogue().get(ref).value == pytest.approx(value)


def test_search_in_chinese_and_english() -> None:
    catalogue = default_catalogue()
    zh = catalogue.search("天然气", kind="net_calorific_value")
    en = catalogue.search("natural gas", kind="net_calorific_value")
    assert zh and {f.ref for f in zh} == {f.ref for f in en}


def test_two_standards_keep_their_own_value_for_the_same_fuel() -> None:
    found = default_catalogue().search(kind="carbon_content_per_heat", subject="natural_gas")
    sources = {f.source.id for f in found}
    assert {"ipcc-2006-v2-ch1", "cn-mee-power-2022"} <= sources


def test_superseded_versions_stay_queryable(tmp_path: Path) -> None:
    path = tmp_path / "demo-src.yaml"
    path.write_text(
        """
source: {id: demo-src, document: D, publisher: P, edition: "1", verified: test,
         confidence: verified}
factors:
  - {id: demo-src/gwp/CH4, version: 1, kind: gwp, subject: CH4, name_zh: 甲烷, name_en: methane,
     value: 21, unit: tCO2e/t, table: T1}
  - {id: demo-src/gwp/CH4, version: 2, kind: gwp, subject: CH4, name_zh: 甲烷, name_en: methane,
     value: 25, unit: tCO2e/t, table: T1, supersedes: demo-src/gwp/CH4@1}
""",
        encoding="utf-8",
    )
    catalogue = FactorCatalogue.from_files([path])
    assert catalogue.get("demo-src/gwp/CH4").value == 25
    assert catalogue.get("demo-src/gwp/CH4@1").value == 21
    assert catalogue.is_superseded(catalogue.get("demo-src/gwp/CH4@1"))
    assert [f.version for f in catalogue.search("methane")] == [2]
    assert [f.version for f in catalogue.search("methane", include_superseded=True)] == [1, 2]


def test_unknown_factor_names_what_was_asked() -> None:
    with pytest.raises(FactorNotFoundError, match="nope/gwp/X"):
        default_catalogue().get("nope/gwp/X")


def test_bad_file_names_file_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "source: {id: bad, document: D, publisher: P, edition: '1', verified: v,"
        " confidence: verified}\n"
        "factors:\n  - {id: bad/gwp/X, version: 1, kind: gwp, subject: X, name_zh: x, name_en: x,"
        " value: 1, unit: bananas, table: T}\n",
        encoding="utf-8",
    )
    with pytest.raises(FactorDataError) as info:
        load_factor_file(path)
    assert "bad.yaml" in str(info.value) and "bad/gwp/X" in str(info.value)


def test_uncertainty_to_standard_uncertainty() -> None:
    ch4 = default_catalogue().get("gwp-ipcc-ar6/gwp/CH4_fossil")
    # printed 29.8 ± 11 as a 5–95 % range: u = 11 / 1.645 (JCGM 100 4.3.4, normal)
    assert ch4.standard_uncertainty == pytest.approx(11 / 1.6448536269514722)


def test_lowered_coal_default_supersedes_the_2021_value_but_stays_readable() -> None:
    catalogue = default_catalogue()
    old = catalogue.get("cn-mee-power-2021/carbon_content_per_heat/coal_unmeasured")
    assert old.value == 0.03356 and catalogue.is_superseded(old)
    found = catalogue.search(kind="carbon_content_per_heat", subject="coal")
    assert old.ref not in {f.ref for f in found}
    everything = catalogue.search(
        kind="carbon_content_per_heat", subject="coal", include_superseded=True
    )
    assert old.ref in {f.ref for f in everything}
