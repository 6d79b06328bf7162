"""EU CBAM specific embedded emissions (IR 2025/2547 Annex III), worked by hand for the four goods
issue 17 names: grey clinker and grey Portland cement of the demo cement works, unwrought
aluminium of the demo smelter, hot-rolled coil of a re-rolling mill on default slabs.

Published values used (IR 2025/2621 as in dualcarbon/cbam/data/defaults-2025-2621.yaml, read in
the OJ text and the Commission's workbook): China's electricity factor 0.605 tCO2e/MWh (Annex II);
China's default for slabs 7207 12 10: 3.169 tCO2e/t direct; China's grey clinker 1.35 + 0.04;
mark-ups 10 % (2026), 20 % (2027), 30 % (2028 on)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from dualcarbon.accounting.engine import account
from dualcarbon.attribution import attribute
from dualcarbon.cbam.catalogue import defaults
from dualcarbon.cbam.declaration import Declaration
from dualcarbon.cbam.see import CbamError, embedded_emissions
from dualcarbon.errors import InputError
from dualcarbon.io import read_inventory
from dualcarbon.io.cbam_files import declaration_from_mapping, file_sources, read_declaration

ROOT = Path(__file__).resolve().parents[3]
CEMENT = ROOT / "src" / "dualcarbon" / "demo" / "data" / "cbam" / "cement-works-2025.yaml"
ALUMINIUM = ROOT / "examples" / "cbam-aluminium-2025.yaml"
HOT_ROLLED = ROOT / "examples" / "cbam-hot-rolled-2025.yaml"
CHINA_GRID = 0.605  # tCO2e/MWh, IR 2025/2621 Annex II
SLAB_DEFAULT = 3.169  # tCO2e/t, China, 7207 12 10, IR 2025/2621 Annex I


def _goods(path: Path) -> dict[str, Any]:
    report = embedded_emissions(read_declaration(path), file_sources(path.parent))
    return {g.id: g for g in report.goods}


def _inventory_yaml(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def test_clinker_is_the_kiln_lines_over_their_output() -> None:
    """SEE_dir = AttrEm_dir / AL (eq. 57): the clinker lines' counted emissions (process CO2 net
    of the deduction, and kiln coal) over the clinker weighed; SEE_ind = MWh × 0.605 / AL."""
    path = ROOT / "src" / "dualcarbon" / "demo" / "data" / "cement-plant-2025.yaml"
    inventory = read_inventory(path)
    result = account(inventory)
    raw = _inventory_yaml(path)
    clinker_t = sum(r["clinker_output"] for r in raw["clinker"])
    mwh = sum(r["amount"] for r in raw["electricity"])
    good = _goods(CEMENT)["clinker"]
    assert good.activity_level == pytest.approx(clinker_t, rel=1e-12)
    assert good.see_direct == pytest.approx(result.total() / clinker_t, rel=1e-12)
    assert good.see_indirect == pytest.approx(mwh * CHINA_GRID / clinker_t, rel=1e-12)
    assert good.see_total == pytest.approx(good.see_direct + good.see_indirect, rel=1e-15)
    assert good.default_share == 0.0 and good.basis == "actual"
    fuel_lines = attribute(inventory, result).lines_of("clinker_line")
    assert set(good.lines) == {a.line for a in fuel_lines if a.counted}
    assert "入窑煤粉秤 1#线" in good.evidence and "熟料皮带秤 CL-01" in good.output_evidence


def test_cement_is_a_complex_good_per_tonne_of_clinker_contained() -> None:
    """SEE_g = (AttrEm_g + M_ck × SEE_ck) / AL_g (eq. 59), per tonne of cement; per tonne of
    clinker contained (Art. 4(5)) divided by Ck = M_ck / AL_g = 2 925 000 / 3 900 000 = 0.75.
    The mills burn nothing: the direct SEE per tonne of clinker contained is the clinker's."""
    goods = _goods(CEMENT)
    clinker, cement = goods["clinker"], goods["cement"]
    al, m_ck, mwh = 3_900_000, 2_925_000, 136_500
    direct_per_t = m_ck * clinker.see_direct / al
    indirect_per_t = (mwh * CHINA_GRID + m_ck * clinker.see_indirect) / al
    assert cement.clinker_ratio == pytest.approx(0.75, rel=1e-15)
    assert cement.see_direct_product == pytest.approx(direct_per_t, rel=1e-12)
    assert cement.see_indirect_product == pytest.approx(indirect_per_t, rel=1e-12)
    assert cement.see_direct == pytest.approx(direct_per_t / 0.75, rel=1e-12)
    assert cement.see_direct == pytest.approx(clinker.see_direct, rel=1e-12)
    assert cement.see_indirect == pytest.approx(indirect_per_t / 0.75, rel=1e-12)
    (used,) = cement.precursors
    assert (used.basis, used.amount) == ("installation", m_ck)


def test_unwrought_aluminium_counts_direct_emissions_only() -> None:
    """Aluminium is a good of Annex II to Reg. 2023/956: the potlines' direct emissions (anodes
    and anode effects in CO2e) over the metal tapped; the indirect are computed, not added."""
    path = ROOT / "examples" / "aluminium-2025.yaml"
    inventory = read_inventory(path)
    result = account(inventory)
    attribution = attribute(inventory, result)
    raw = _inventory_yaml(path)
    metal = sum(r["aluminium_output"] for r in raw["electrolysis"])
    good = _goods(ALUMINIUM)["aluminium"]
    assert good.activity_level == pytest.approx(metal, rel=1e-12)
    assert good.see_direct == pytest.approx(
        attribution.direct("electrolysis_series") / metal, rel=1e-12
    )
    assert good.see_total == good.see_direct
    mwh = sum(r["amount"] for r in raw["electricity"])
    assert good.see_indirect == pytest.approx(mwh * CHINA_GRID / metal, rel=1e-12)
    casting = [u for u in attribution.unattributed if u.unit == "铸造"]
    assert casting, "the casting shop's diesel is not the potlines'"


def test_hot_rolled_coil_on_default_slabs() -> None:
    """A re-rolling mill: its whole inventory is the rolling process (reheating gas, FC × NCV ×
    CC × OF × 44/12), slabs bought without data stand on China's default 3.169: SEE = (E_gas +
    1 660 000 × 3.169) / 1 620 000, and the share of defaults is the slabs' part of it."""
    raw = _inventory_yaml(ROOT / "examples" / "rolling-mill-2025.yaml")
    carbon_per_heat, oxidation = 0.0153, 0.99  # natural gas, GB/T 32151 Table C.1 as catalogued
    gas = sum(
        r["consumption"] * r["ncv"] * carbon_per_heat * oxidation * 44 / 12 for r in raw["fuel"]
    )
    slabs, coil = 1_660_000, 1_620_000
    good = _goods(HOT_ROLLED)["coil"]
    assert good.attributed_direct == pytest.approx(gas, rel=1e-9)
    assert good.see_direct == pytest.approx((gas + slabs * SLAB_DEFAULT) / coil, rel=1e-9)
    assert good.default_share == pytest.approx(
        slabs * SLAB_DEFAULT / (gas + slabs * SLAB_DEFAULT), rel=1e-9
    )
    (slab,) = good.precursors
    assert slab.basis == "default" and slab.see_direct == SLAB_DEFAULT


def _cement_declaration(**change: Any) -> dict[str, Any]:
    raw = _inventory_yaml(CEMENT)
    raw.update(change)
    return raw


def test_a_good_without_data_stands_on_its_marked_up_default() -> None:
    """No data of its own: China's grey clinker default 1.35 + 0.04 = 1.39, marked up by 10 % in
    2026 (1.529, the workbook's 2026 column), marked as default."""
    raw = _cement_declaration(year=2026, goods=[{"id": "clinker", "good": "clinker"}])
    declaration = declaration_from_mapping(raw, source="test")
    (good,) = embedded_emissions(declaration, file_sources(CEMENT.parent)).goods
    assert (good.basis, good.default_share, good.mark_up) == ("default", 1.0, 0.10)
    assert good.see_total == pytest.approx(1.39, rel=1e-12)
    assert good.see_total_marked_up == pytest.approx(1.529, rel=1e-12)
    assert defaults().mark_up_of(2028) == defaults().mark_up_of(2031) == 0.30


def test_a_supplier_s_actual_values_replace_the_default() -> None:
    raw = _inventory_yaml(HOT_ROLLED)
    slab = raw["goods"][0]["precursors"][0]
    slab["supplier"] = {
        "installation": "示例钢铁联合企业 (demo steelworks)",
        "direct": 1.9,
        "evidence": "supplier communication 2025-Q4",
    }
    declaration = Declaration.model_validate(raw)
    (good,) = embedded_emissions(declaration, file_sources(HOT_ROLLED.parent)).goods
    assert good.default_share == 0.0
    assert good.precursors[0].see_direct == 1.9


def test_wrong_declarations_are_refused() -> None:
    raw = _cement_declaration()
    raw["goods"][1]["precursors"][0]["good"] = "pig_iron"  # not a precursor of cement
    with pytest.raises(CbamError, match="no precursor of portland_cement"):
        embedded_emissions(declaration_from_mapping(raw, source="t"), file_sources(CEMENT.parent))
    raw = _cement_declaration()
    raw["goods"][1].pop("output")
    with pytest.raises(InputError) as caught:
        declaration_from_mapping(raw, source="cement.yaml")
    assert any("needs its output" in p.rule for p in caught.value.problems)
    raw = _cement_declaration()
    raw["installation"]["country"] = "China"
    with pytest.raises(InputError) as caught:
        declaration_from_mapping(raw, source="cement.yaml")
    assert caught.value.problems[0].field == "installation.country"
    assert math.isfinite(CHINA_GRID)
