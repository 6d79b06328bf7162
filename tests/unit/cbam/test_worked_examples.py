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
ALUMINIUM = ROOT / "examples" / "cbam" / "aluminium-2025.yaml"
HOT_ROLLED = ROOT / "examples" / "cbam" / "hot-rolled-2025.yaml"
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
    # the casting shop serves both potlines, inside the boundary (Annex I 3.17.2)
    with_casting = attribute(inventory, result, shared_units=["铸造"])
    assert good.see_direct == pytest.approx(
        with_casting.direct("electrolysis_series") / metal, rel=1e-12
    )
    diesel = float(result.lines.filter(result.lines["unit"] == "铸造")["emission_co2e"].sum())
    assert with_casting.direct("electrolysis_series") == pytest.approx(
        attribution.direct("electrolysis_series") + diesel, rel=1e-12
    )
    assert good.see_total == good.see_direct
    mwh = sum(r["amount"] for r in raw["electricity"])
    assert good.see_indirect == pytest.approx(mwh * CHINA_GRID / metal, rel=1e-12)
    casting = [u for u in attribution.unattributed if u.unit == "铸造"]
    assert casting, "unnamed, the casting shop's diesel is no potline's"


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


# -- what an independent review found (issue 17) --------------------------------------------------


def _mill_with(tmp_path: Path, **tables: list[dict[str, Any]]) -> Path:
    raw = _inventory_yaml(ROOT / "examples" / "rolling-mill-2025.yaml")
    for name, rows in tables.items():
        raw.setdefault(name, []).extend(rows)
    (tmp_path / "rolling-mill-2025.yaml").write_text(
        yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8"
    )
    (tmp_path / "cbam.yaml").write_text(
        HOT_ROLLED.read_text(encoding="utf-8").replace("../rolling-mill", "rolling-mill"),
        encoding="utf-8",
    )
    return tmp_path / "cbam.yaml"


def test_heat_bought_in_counts_among_the_direct_emissions(tmp_path: Path) -> None:
    """IR 2025/2547 eq. 55: AttrEm_Dir = DirEm + Em_H,imp − …; heat sold and electricity sold
    are no emission of the process."""
    heat = [{"month": m, "direction": "purchased", "amount": 20000, "amount_unit": "GJ",
             "amount_ref": f"蒸汽结算单 2025-{m:02d}"} for m in range(1, 13)]  # fmt: skip
    sold = [{"month": 1, "direction": "exported", "amount": 1000, "amount_ref": "售电单"}]
    path = _mill_with(tmp_path, heat=heat, electricity=sold)
    result = account(read_inventory(tmp_path / "rolling-mill-2025.yaml"))
    heat_t = float(
        result.lines.filter(result.lines["source"] == "purchased_heat")["emission_co2e"].sum()
    )
    assert heat_t > 0
    plain = _goods(HOT_ROLLED)["coil"]
    good = _goods(path)["coil"]
    assert good.heat_direct == pytest.approx(heat_t, rel=1e-12)
    assert good.attributed_direct == pytest.approx(plain.attributed_direct + heat_t, rel=1e-12)
    assert good.electricity_mwh == pytest.approx(plain.electricity_mwh, rel=1e-12)


def test_inventory_lines_left_out_are_reported(tmp_path: Path) -> None:
    """A typo in a unit (1号线 for 1#线) leaves 20 000 t of coal out of the clinker lines: the
    report says so instead of a silently smaller SEE."""
    source = ROOT / "src" / "dualcarbon" / "demo" / "data" / "cement-plant-2025.yaml"
    raw = _inventory_yaml(source)
    raw["fuel"].append(
        {"unit": "1号线", "month": 3, "fuel": "bituminous_coal", "consumption": 20000,
         "consumption_ref": "入窑煤粉秤", "ncv": 22.7, "ncv_unit": "GJ/t", "ncv_ref": "煤质化验"}
    )  # fmt: skip
    (tmp_path / "cement-plant-2025.yaml").write_text(
        yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8"
    )
    (tmp_path / "cbam.yaml").write_text(
        CEMENT.read_text(encoding="utf-8").replace(
            "../cement-plant-2025.yaml", "cement-plant-2025.yaml"
        ),
        encoding="utf-8",
    )
    clinker = _goods(tmp_path / "cbam.yaml")["clinker"]
    assert any("1号线" in text and "no instance" in text for text in clinker.warnings)


def test_default_shares_carry_through_precursors_made_here() -> None:
    """Slabs made here from pig iron bought on China's default (1.66), coil rolled from those
    slabs: the coil's share of defaults is the pig iron's part of its SEE."""
    raw = _inventory_yaml(HOT_ROLLED)
    raw["goods"] = [
        {"id": "slab", "good": "semi_finished_steel",
         "output": {"amount": 1_000_000, "unit": "t", "evidence": "连铸计量"},
         "precursors": [{"good": "pig_iron", "amount": {"amount": 900_000, "unit": "t",
                                                        "evidence": "铁水计量"}}]},
        {"id": "coil", "good": "hot_rolled_flat",
         "actual": {"inventory": "../rolling-mill-2025.yaml"},
         "output": {"amount": 950_000, "unit": "t", "evidence": "成品卷称重"},
         "precursors": [{"good": "slab", "amount": {"amount": 1_000_000, "unit": "t",
                                                     "evidence": "板坯入库"}}]},
    ]  # fmt: skip
    report = embedded_emissions(Declaration.model_validate(raw), file_sources(HOT_ROLLED.parent))
    slab, coil = report.goods
    assert slab.default_share == pytest.approx(1.0, rel=1e-12)  # nothing of its own
    pig = 900_000 * 1.66
    assert coil.default_share == pytest.approx(
        pig / (coil.see_direct * coil.activity_level), rel=1e-12
    )


def test_mistakes_in_a_declaration_are_named() -> None:
    raw = _cement_declaration()
    raw["goods"][0]["id"] = "ck"
    with pytest.raises(CbamError) as caught:  # made here as 'ck', named 'clinker'
        embedded_emissions(declaration_from_mapping(raw, source="t"), file_sources(CEMENT.parent))
    assert caught.value.problems[0].field == "goods[cement].precursors[0].good"
    raw = _cement_declaration()
    raw["goods"][1]["output"]["unit"] = "kt"  # pint reads a knot
    with pytest.raises(CbamError) as caught:
        embedded_emissions(declaration_from_mapping(raw, source="t"), file_sources(CEMENT.parent))
    assert caught.value.problems[0].field == "goods[cement].output.unit"
    raw = _cement_declaration(year=2024)  # the inventory is of 2025
    with pytest.raises(InputError) as caught:
        embedded_emissions(
            declaration_from_mapping(raw, source="t"), file_sources(CEMENT.parent, 2024)
        )
    assert "of 2025" in caught.value.problems[0].rule
    raw = _cement_declaration()
    raw["goods"][1]["precursors"][0]["amount"]["amount"] = 4_000_000  # more clinker than cement
    with pytest.raises(CbamError, match=r"102\.6 %"):
        embedded_emissions(declaration_from_mapping(raw, source="t"), file_sources(CEMENT.parent))
