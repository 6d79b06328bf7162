"""Cement, aluminium and steel (issue 13, items 4–6): worked examples computed by hand from the
guidelines' formulas and the defaults of the factor files, each default cited by its table.

Defaults (the factor files say how sure each is):
- cement, CETS—AG—02.01—V01—2024 附录A: Portland clinker 0.535 and white clinker 0.550 tCO2/t;
  deductions 电石渣 0.480, 钢渣 0.215 tCO2/t; a measured factor from CaO and MgO,
  (CaO − CaO_nc) × 44/56 + (MgO − MgO_nc) × 44/40 (GB/T 32151.8-2015; NDRC cement guideline 2013);
- aluminium, CETS—AG—04.01—V01—2024 第6章、附录A: NC 0.411 t/t, S 2 %, A 0.4 %, CF4 0.034 and
  C2F6 0.0034 kg/t Al, slope 0.143 kg/t per min/cell-day, C2F6/CF4 0.1; GWP IPCC AR5 Table 8.A.1
  (CF4 6630, C2F6 11100);
- steel, NDRC steel guideline (2013) 附录二: limestone 0.440, crude steel 0.0154 tCO2/t.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import yaml

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inputs import line_inputs
from dualcarbon.accounting.inventory import Inventory
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.accounting.uncertainty import account_uncertainty
from dualcarbon.errors import InputError
from dualcarbon.io import read_inventory
from dualcarbon.io.excel import read_workbook, write_template
from dualcarbon.io.yaml_inventory import inventory_from_mapping
from dualcarbon.methodologies.definition import all_methodologies, resolve_methodology
from dualcarbon.reports.charts import monthly_chart

EXAMPLES = Path(__file__).parents[2] / "examples"
C_TO_CO2 = 44 / 12


def _inventory(methodology: str, **tables: list[dict[str, Any]]) -> Inventory:
    header = {"organisation": "测试", "year": 2025, "methodology": methodology}
    return inventory_from_mapping({"inventory": header, **tables}, source="test.yaml")


def _by_source(result: AccountingResult) -> dict[str, float]:
    frame = result.by("source")
    return dict(zip(frame["source"].to_list(), frame["tco2e"].to_list(), strict=True))


def _problems(inventory: Inventory) -> list[tuple[str | None, int | None, str | None, str]]:
    with pytest.raises(InputError) as raised:
        account(inventory)
    return [(p.sheet, p.row, p.field, p.rule) for p in raised.value.problems]


# -- cement ------------------------------------------------------------------------------------

CLINKER = [
    {"unit": "1#", "month": 1, "clinker_type": "硅酸盐水泥熟料", "clinker_output": 100_000,
     "clinker_output_ref": "皮带秤 1"},
    {"unit": "1#", "month": 2, "clinker_type": "portland", "clinker_output": 100_000,
     "clinker_output_ref": "皮带秤 1", "cao_clinker": 65.0, "cao_noncarbonate": 1.2,
     "mgo_clinker": 2.5, "mgo_noncarbonate": 0.3, "oxides_ref": "全分析 02"},
    {"unit": "2#", "month": 1, "clinker_type": "白色硅酸盐水泥熟料", "clinker_output": 10_000,
     "clinker_output_ref": "皮带秤 2"},
]  # fmt: skip
ALTERNATIVES = [
    {"unit": "1#", "month": 1, "material": "电石渣", "amount": 5_000, "amount_ref": "配料秤"},
    {"unit": "1#", "month": 2, "material": "钢渣", "amount": 2_000, "amount_ref": "配料秤"},
]


def test_cement_process_emissions_by_hand() -> None:
    result = account(
        _inventory("cn-mee-cement-2024", clinker=CLINKER, alternative_materials=ALTERNATIVES)
    )
    measured_factor = (0.650 - 0.012) * 44 / 56 + (0.025 - 0.003) * 44 / 40
    assert measured_factor == pytest.approx(0.5254857142857143, rel=1e-15)
    process = 100_000 * 0.535 + 100_000 * measured_factor + 10_000 * 0.550
    deduction = 5_000 * 0.480 + 2_000 * 0.215
    sources = _by_source(result)
    assert sources["clinker_process"] == pytest.approx(process, rel=1e-12)
    assert sources["alternative_material_deduction"] == pytest.approx(-deduction, rel=1e-12)
    assert result.total() == pytest.approx(process - deduction, rel=1e-12)
    # per clinker line (熟料生产设施层级)
    units = result.by("unit")
    line1 = units.filter(pl.col("unit") == "1#")["tco2e"].item()
    assert line1 == pytest.approx(100_000 * (0.535 + measured_factor) - deduction, rel=1e-12)


def test_a_measured_clinker_factor_is_traced_to_its_oxides() -> None:
    result = account(_inventory("cn-mee-cement-2024", clinker=CLINKER))
    line = result.lines.filter(pl.col("month") == 2, pl.col("unit") == "1#")["line"].item()
    inputs = result.inputs.filter(pl.col("line") == line)
    factor = inputs.filter(pl.col("slot") == "clinker_factor").row(0, named=True)
    assert factor["derived"] and factor["tier"] == "calculated" and factor["unit"] == "tCO2/t"
    oxides = inputs.filter(pl.col("slot").str.contains("o_"))
    assert set(oxides["slot"]) == {"cao_clinker", "cao_noncarbonate", "mgo_clinker",
                                   "mgo_noncarbonate"}  # fmt: skip
    assert set(oxides["tier"]) == {"lab"} and set(oxides["reference"]) == {"全分析 02"}
    assert oxides.filter(pl.col("slot") == "cao_clinker")["value"].item() == pytest.approx(0.65)
    default = result.inputs.filter(pl.col("slot") == "clinker_factor", pl.col("tier") == "default")
    assert set(default["reference"]) == {
        "cn-mee-cement-2024/clinker/portland@1",
        "cn-mee-cement-2024/clinker/white@1",
    }
    assert "cn-mee-cement-2024/clinker/white@1" in result.meta.factors


def test_cement_refuses_values_without_evidence_and_unknown_materials() -> None:
    clinker = [
        {"month": 1, "clinker_output": 1000, "clinker_output_ref": "秤", "clinker_factor": 0.52},
        {"month": 2, "clinker_output": 1000, "clinker_output_ref": "秤", "cao_clinker": 65.0,
         "cao_noncarbonate": 1.0, "mgo_clinker": 2.0, "mgo_noncarbonate": 0.1},
        {"month": 3, "clinker_output": 1000},
    ]  # fmt: skip
    alternatives = [{"month": 1, "material": "石英砂", "amount": 10, "amount_ref": "秤"}]
    problems = _problems(
        _inventory("cn-mee-cement-2024", clinker=clinker, alternative_materials=alternatives)
    )
    fields = {(sheet, row, field) for sheet, row, field, _ in problems}
    assert ("clinker", 1, "clinker_factor_ref") in fields  # a lab factor names its report
    assert ("clinker", 2, "oxides_ref") in fields  # so do the oxides it is computed from
    assert ("clinker", 3, "clinker_output_ref") in fields  # a measured output its meter
    assert ("alternative_materials", 1, "material") in fields
    rules = " ".join(rule for *_, rule in problems)
    assert "电石渣" in rules  # the words a user may type are offered


def test_a_typed_clinker_factor_with_its_report_is_used_as_typed() -> None:
    clinker = [
        {"month": 1, "clinker_output": 1000, "clinker_output_ref": "秤", "clinker_factor": 0.52,
         "clinker_factor_ref": "检测报告 X-1", "clinker_factor_u": 0.004}
    ]  # fmt: skip
    result = account(_inventory("cn-mee-cement-2024", clinker=clinker))
    assert result.total() == pytest.approx(520.0, rel=1e-12)
    budget = account_uncertainty(result)
    assert budget.u == pytest.approx(1000 * 0.004, rel=1e-12)


# -- aluminium ---------------------------------------------------------------------------------


def test_aluminium_anode_and_anode_effects_by_hand() -> None:
    series = [
        {"unit": "A", "month": 1, "aluminium_output": 10_000, "aluminium_output_ref": "计量 A"},
        {"unit": "B", "month": 1, "aluminium_output": 10_000, "aluminium_output_ref": "计量 B",
         "anode_effect_minutes": 0.1, "anode_effect_ref": "槽控机 B"},
    ]  # fmt: skip
    result = account(_inventory("cn-mee-aluminium-2024", electrolysis=series))
    anode = 10_000 * 0.411 * (1 - 0.02 - 0.004) * C_TO_CO2
    cf4_default = 10_000 * 0.034e-3 * 6630
    c2f6_default = 10_000 * 0.0034e-3 * 11100
    cf4_slope = 10_000 * 0.143 * 0.1e-3 * 6630
    c2f6_slope = 10_000 * 0.1 * 0.143 * 0.1e-3 * 11100
    units = {u: t for u, t, _ in result.by("unit").iter_rows()}
    assert units["A"] == pytest.approx(anode + cf4_default + c2f6_default, rel=1e-12)
    assert units["B"] == pytest.approx(anode + cf4_slope + c2f6_slope, rel=1e-12)
    by_gas = result.by("gas")
    cf4 = by_gas.filter(pl.col("gas") == "CF4")["tco2e"].item()
    assert cf4 == pytest.approx(cf4_default + cf4_slope, rel=1e-12)
    emitted = result.lines.filter(pl.col("gas") == "CF4", pl.col("unit") == "B")["emission"]
    assert emitted.item() == pytest.approx(10_000 * 0.143 * 0.1e-3, rel=1e-12)  # t CF4
    gwp = result.inputs.filter(pl.col("slot") == "gwp")
    assert set(gwp["reference"]) == {"gwp-ipcc-ar5/gwp/CF4@1", "gwp-ipcc-ar5/gwp/C2F6@1"}


def test_aluminium_measured_anode_data_replace_the_defaults() -> None:
    series = [
        {"month": 1, "aluminium_output": 1_000, "aluminium_output_ref": "计量", "net_anode": 0.40,
         "net_anode_ref": "台账", "anode_sulphur": 1.5, "anode_ash": 0.3, "anode_ref": "化验"}
    ]  # fmt: skip
    result = account(_inventory("cn-mee-aluminium-2024", electrolysis=series))
    assert _by_source(result)["anode"] == pytest.approx(
        1_000 * 0.40 * (1 - 0.015 - 0.003) * C_TO_CO2, rel=1e-12
    )
    tiers = dict(
        result.inputs.filter(pl.col("calculator") == "anode_co2").select("slot", "tier").iter_rows()
    )
    assert tiers == {
        "aluminium_output": "measured",
        "net_anode": "calculated",
        "anode_sulphur": "lab",
        "anode_ash": "lab",
    }


# -- steel -------------------------------------------------------------------------------------

FLOWS = [
    {"unit": "烧结", "month": 1, "material": "石灰石", "flow": "输入", "amount": 1_000,
     "amount_ref": "地磅", "amount_mpe": 0.5},
    {"unit": "电炉", "month": 1, "material": "电极", "flow": "input", "amount": 10,
     "amount_ref": "台账", "carbon_content": 99.0, "carbon_content_u": 0.5,
     "carbon_content_ref": "化验"},
    {"unit": "炼钢", "month": 1, "material": "粗钢", "flow": "输出", "amount": 5_000,
     "amount_ref": "钢坯秤"},
]  # fmt: skip


def test_steel_carbon_mass_balance_by_hand() -> None:
    result = account(_inventory("cn-mee-steel-2024", carbon_flows=FLOWS))
    carbon_in = 1_000 * 0.440 + 10 * 0.99 * C_TO_CO2
    carbon_out = 5_000 * 0.0154
    sources = _by_source(result)
    assert sources["carbon_inputs"] == pytest.approx(carbon_in, rel=1e-12)
    assert sources["carbon_outputs"] == pytest.approx(-carbon_out, rel=1e-12)
    assert result.total() == pytest.approx(carbon_in - carbon_out, rel=1e-12)


def test_mass_balance_uncertainty_has_the_exact_sensitivities() -> None:
    """u² = (EF_limestone · u_AD)² + (AD_electrode · 44/12 · u_C)²: the meter's ±0.5 % as a
    rectangular u (JCGM 100 4.3.7) and the lab's u of the carbon content; the other inputs have
    no stated u. GUM and a Monte Carlo of the same model agree."""
    result = account(_inventory("cn-mee-steel-2024", carbon_flows=FLOWS))
    u_amount = 1_000 * 0.005 / math.sqrt(3)
    expected = math.hypot(0.440 * u_amount, 10 * C_TO_CO2 * 0.005)
    gum = account_uncertainty(result)
    assert gum.u == pytest.approx(expected, rel=1e-12)
    carbon = next(b for b in gum.budget if "carbon content" in b.label_en)
    assert carbon.sensitivity == pytest.approx(10 * C_TO_CO2, rel=1e-12)
    amount = next(b for b in gum.budget if "limestone" in b.label_en)
    assert amount.sensitivity == pytest.approx(0.440, rel=1e-12)
    mc = account_uncertainty(result, "mcm", trials=200_000, seed=7)
    assert mc.u == pytest.approx(expected, rel=0.02)


def test_a_material_without_a_default_needs_its_carbon_content() -> None:
    flows = [{"month": 1, "material": "其他", "flow": "输入", "amount": 10, "amount_ref": "秤"}]
    problems = _problems(_inventory("cn-mee-steel-2024", carbon_flows=flows))
    assert [(sheet, row, field) for sheet, row, field, _ in problems] == [
        ("carbon_flows", 1, "material")
    ]
    assert "cn-ndrc-steel-2013/co2_factor/other" in problems[0][3]


# -- all three ---------------------------------------------------------------------------------


def test_the_three_sectors_are_listed_and_resolve_by_short_name() -> None:
    sectors = {m.sector for m in all_methodologies().values()}
    assert {"cement", "steel", "aluminium"} <= sectors
    assert resolve_methodology("cement-2024").id == "cn-mee-cement-2024"
    assert resolve_methodology("aluminium").id == "cn-mee-aluminium-2024"


@pytest.mark.parametrize("sector", ["cement", "aluminium", "steel"])
def test_each_example_recomputes_independently(sector: str) -> None:
    """The example inventory, recomputed from its YAML with numpy and the factor values typed
    here, gives the engine's process total (fuel lines are checked by the power tests)."""
    path = EXAMPLES / f"{sector}-2025.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    result = account(read_inventory(path))
    process = result.lines.filter(pl.col("formula") != "fuel_combustion_co2", pl.col("counted"))
    engine = float((process["emission_co2e"] * process["sign"]).sum())
    assert engine == pytest.approx(_independent(sector, raw), rel=1e-12)
    assert not result.lines.filter(pl.col("emission_co2e").is_nan()).height


def _independent(sector: str, raw: dict[str, Any]) -> float:
    if sector == "cement":
        total = 0.0
        for row in raw["clinker"]:
            if "cao_clinker" in row:
                factor = (row["cao_clinker"] - row["cao_noncarbonate"]) / 100 * 44 / 56 + (
                    row["mgo_clinker"] - row["mgo_noncarbonate"]
                ) / 100 * 44 / 40
            else:
                factor = 0.535
            total += row["clinker_output"] * factor
        deduction = {"电石渣": 0.480, "钢渣": 0.215}
        return total - sum(
            r["amount"] * deduction[r["material"]] for r in raw["alternative_materials"]
        )
    if sector == "aluminium":
        total = 0.0
        for row in raw["electrolysis"]:
            p = row["aluminium_output"]
            nc = row.get("net_anode", 0.411)
            s = row.get("anode_sulphur", 2.0) / 100
            a = row.get("anode_ash", 0.4) / 100
            total += p * nc * (1 - s - a) * 44 / 12
            aem = row.get("anode_effect_minutes")
            cf4 = 0.143 * aem if aem is not None else 0.034
            c2f6 = 0.1 * 0.143 * aem if aem is not None else 0.0034
            total += p * (cf4 * 6630 + c2f6 * 11100) / 1000
        return total
    factors = {"石灰石": 0.440, "白云石": 0.471, "直接还原铁": 0.073, "粗钢": 0.0154}
    total = 0.0
    for row in raw["carbon_flows"]:
        if "carbon_content" in row:
            factor = row["carbon_content"] / 100 * 44 / 12
        else:
            factor = factors[row["material"]]
        total += (1 if row["flow"] == "输入" else -1) * row["amount"] * factor
    return total


@pytest.mark.parametrize("name", ["cement-2024", "aluminium-2024", "steel-2024"])
def test_each_template_with_its_example_accounts(tmp_path: Path, name: str) -> None:
    methodology = resolve_methodology(name)
    path = write_template(methodology, tmp_path / f"{name}.xlsx", example=True)
    inventory = read_workbook(path)
    result = account(inventory)
    sector_tables = methodology.tables - {"fuel", "electricity"}
    assert sector_tables and all(inventory.table(t).height for t in sector_tables)
    assert result.total() > 0


def test_line_inputs_survive_the_stored_parquet() -> None:
    result = account(read_inventory(EXAMPLES / "cement-2025.yaml"))
    buffer = io.BytesIO()
    result.lines.write_parquet(buffer, compression="zstd")
    stored = pl.read_parquet(io.BytesIO(buffer.getvalue()))
    assert line_inputs(stored).equals(result.inputs)
    assert np.isfinite(stored["emission_co2e"].to_numpy()).all()


def test_the_charts_take_each_sources_colour_from_its_methodology_file() -> None:
    result = account(read_inventory(EXAMPLES / "cement-2025.yaml"))
    svg = monthly_chart(result, "zh")
    methodology = resolve_methodology("cement-2024")
    for kind in ("clinker_process", "alternative_material_deduction"):
        source = methodology.source(kind)
        assert source is not None and source.colour is not None
        assert source.colour.lower() in svg.lower()


# -- what a review found by typing the mistakes users make ----------------------------------------


def test_oxides_given_in_part_are_refused_not_replaced_by_the_default() -> None:
    """CaO and MgO of the clinker typed, the non-carbonate columns left blank: the user meant a
    measured factor; a silent fall back to 0.535 would hide the gap."""
    clinker = [
        {"month": 1, "clinker_output": 1000, "clinker_output_ref": "秤", "cao_clinker": 65.2,
         "mgo_clinker": 2.4, "oxides_ref": "全分析"}
    ]  # fmt: skip
    problems = _problems(_inventory("cn-mee-cement-2024", clinker=clinker))
    assert {(row, field) for _, row, field, _ in problems} == {
        (1, "cao_noncarbonate"),
        (1, "mgo_noncarbonate"),
    }


def test_a_negative_computed_factor_and_percentages_over_100_are_refused() -> None:
    clinker = [
        {"month": 1, "clinker_output": 1000, "clinker_output_ref": "秤", "cao_clinker": 1.0,
         "cao_noncarbonate": 5.0, "mgo_clinker": 0.0, "mgo_noncarbonate": 0.0,
         "oxides_ref": "全分析"}
    ]  # fmt: skip
    problems = _problems(_inventory("cn-mee-cement-2024", clinker=clinker))
    assert [(row, field) for _, row, field, _ in problems] == [(1, "cao_clinker")]
    assert "negative" in problems[0][3]
    series = [
        {"month": 1, "aluminium_output": 100, "aluminium_output_ref": "计量",
         "anode_sulphur": 200, "anode_ref": "化验"}
    ]  # fmt: skip
    problems = _problems(_inventory("cn-mee-aluminium-2024", electrolysis=series))
    assert [(field, rule) for _, _, field, rule in problems] == [
        ("anode_sulphur", "a percentage is at most 100")
    ]


def test_every_typed_value_names_its_evidence_whatever_its_tier() -> None:
    clinker = [
        {"month": 1, "clinker_output": 1000, "clinker_output_ref": "秤", "clinker_factor": 0.52,
         "clinker_factor_tier": "calculated"},
        {"month": 2, "clinker_output": 1000, "clinker_output_ref": "秤", "clinker_factor": 0.53,
         "clinker_factor_tier": "default"},
    ]  # fmt: skip
    problems = _problems(_inventory("cn-mee-cement-2024", clinker=clinker))
    rules = {row: rule for _, row, field, rule in problems if field == "clinker_factor_ref"}
    assert set(rules) == {1, 2}
    assert "calculation" in rules[1] and "source and clause" in rules[2]  # each row its own rule


def test_a_blank_flow_is_refused_not_taken_as_input() -> None:
    flows = [{"month": 1, "material": "粗钢", "amount": 10, "amount_ref": "钢坯秤"}]
    problems = _problems(_inventory("cn-mee-steel-2024", carbon_flows=flows))
    assert [(row, field) for _, row, field, _ in problems] == [(1, "flow")]


def test_each_problem_is_reported_once() -> None:
    """Anode CO2, CF4 and C2F6 read the same electrolysis rows: an output without its meter is
    one problem, not three; a misspelt clinker type is one problem, not two."""
    series = [{"month": 1, "aluminium_output": 100}]
    problems = _problems(_inventory("cn-mee-aluminium-2024", electrolysis=series))
    assert [(row, field) for _, row, field, _ in problems] == [(1, "aluminium_output_ref")]
    clinker = [
        {"month": 1, "clinker_type": "硅酸盐水泥熟科", "clinker_output": 1000,
         "clinker_output_ref": "秤"}
    ]  # fmt: skip
    problems = _problems(_inventory("cn-mee-cement-2024", clinker=clinker))
    assert [(row, field) for _, row, field, _ in problems] == [(1, "clinker_type")]


def test_a_computed_value_names_the_evidence_it_was_computed_from() -> None:
    result = account(_inventory("cn-mee-cement-2024", clinker=CLINKER))
    factor = result.inputs.filter(pl.col("slot") == "clinker_factor", pl.col("derived"))
    assert factor["reference"].to_list() == ["全分析 02"]
    unused = result.inputs.filter(pl.col("slot") == "cao_clinker")
    assert unused["line"].to_list() == factor["line"].to_list()  # listed only where used


def test_typed_defaults_with_the_same_reference_are_separate_inputs() -> None:
    """Two lines typing different defaults that cite the same appendix: each keeps its own value
    and u in the budget (only a catalogue factor, id@version, is one input shared by lines)."""
    clinker = [
        {"month": 1, "clinker_output": 10_000, "clinker_output_ref": "秤",
         "clinker_factor": 0.535, "clinker_factor_u": 0.01, "clinker_factor_tier": "default",
         "clinker_factor_ref": "附录A"},
        {"month": 2, "clinker_output": 10_000, "clinker_output_ref": "秤",
         "clinker_factor": 0.292, "clinker_factor_u": 0.05, "clinker_factor_tier": "default",
         "clinker_factor_ref": "附录A"},
    ]  # fmt: skip
    result = account(_inventory("cn-mee-cement-2024", clinker=clinker))
    expected = math.hypot(10_000 * 0.01, 10_000 * 0.05)
    assert account_uncertainty(result).u == pytest.approx(expected, rel=1e-12)


def test_an_inventory_without_rows_accounts_to_zero_and_writes_valid_json() -> None:
    result = account(_inventory("cn-mee-steel-2024"))
    assert result.total() == 0.0 and result.lines.height == 0
    document = account_uncertainty(result).to_json()
    assert document["relative_U"] is None
    json.dumps(document, allow_nan=False)
