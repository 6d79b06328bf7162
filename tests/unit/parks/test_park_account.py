"""The demo park (src/dualcarbon/demo/data/park/park.yaml): a gas CHP plant and three members,
worked by hand from the files, so that energy moved inside the park is counted once.

Factors by hand: natural gas carbon per unit heat 0.0153 tC/GJ and oxidation 0.99 (GB/T 32151
table C.1, read from the catalogue); grid 0.5306 tCO2/MWh (MEE and NBS Announcement No. 47 of 2025,
table 1, the 2023 national average the inventories' year takes); heat 0.11 tCO2/GJ (GB/T 32150-2015
reference value); electricity 0.1229 kgce/kWh and heat 0.03412 kgce/MJ (GB/T 2589-2020 Appendix A);
1 kgce = 29.3076 MJ (GB/T 2589-2020)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from dualcarbon.errors import InputError
from dualcarbon.factors import default_catalogue
from dualcarbon.io.park_files import account_park_file
from dualcarbon.parks.evaluation import evaluate

PARK = Path(__file__).parents[3] / "src" / "dualcarbon" / "demo" / "data" / "park"
GRID, HEAT = 0.5306, 0.11
ELECTRICITY_TCE, HEAT_TCE = 0.1229, 0.03412  # per MWh, per GJ


def _file(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((PARK / name).read_text("utf-8"))
    return loaded


def _gas(name: str) -> tuple[float, float]:
    """(Σ consumption × NCV [GJ], direct tCO2) of a member's natural-gas lines."""
    catalogue = default_catalogue()
    per_heat = catalogue.get("gbt-32151-common-fuels/carbon_content_per_heat/natural_gas").value
    oxidation = catalogue.get("gbt-32151-common-fuels/oxidation_rate/natural_gas").value
    heat = math.fsum(r["consumption"] * r["ncv"] for r in _file(name).get("fuel", []))
    return heat, heat * per_heat * oxidation * 44 / 12


def _amount(name: str, table: str, direction: str) -> float:
    rows = _file(name).get(table, [])
    return math.fsum(r["amount"] for r in rows if r.get("direction", "purchased") == direction)


def test_the_park_by_hand() -> None:
    account = account_park_file(PARK / "park.yaml")
    park = _file("park.yaml")
    internal_e = sum(t["amount"] for t in park["transfers"] if t["carrier"] == "electricity")
    internal_h = sum(t["amount"] for t in park["transfers"] if t["carrier"] == "heat")
    members = ("chp-2025.yaml", "rolling-mill-2025.yaml", "battery-2025.yaml", "food-2025.yaml")
    e_in = sum(_amount(m, "electricity", "purchased") for m in members) - internal_e
    e_out = sum(_amount(m, "electricity", "exported") for m in members) - internal_e
    h_in = sum(_amount(m, "heat", "purchased") for m in members) - internal_h
    h_out = sum(_amount(m, "heat", "exported") for m in members) - internal_h
    direct = sum(_gas(m)[1] for m in members)
    assert (e_in, e_out, h_in, h_out) == pytest.approx((54230, 412600, 0, 1033000))
    assert account.electricity_in_mwh == pytest.approx(e_in)
    assert account.heat_out_gj == pytest.approx(h_out)
    assert account.direct_tco2e == pytest.approx(direct, rel=1e-12)
    location = direct + (e_in - e_out) * GRID + (h_in - h_out) * HEAT
    assert account.location_tco2e == pytest.approx(location, rel=1e-12)
    green = sum(g["mwh"] for g in park["green_electricity"] if g["kind"] == "certificates")
    assert account.market_tco2e == pytest.approx(location - green * GRID, rel=1e-12)
    # counting the CHP's fuel and its customers' purchases both would add the transfers
    assert account.internal_tco2e == pytest.approx(internal_e * GRID + internal_h * HEAT)
    assert account.naive_tco2e - account.location_tco2e == pytest.approx(
        account.internal_tco2e + e_out * GRID + h_out * HEAT, rel=1e-12
    )
    # the park treated as one GB/T 32150 enterprise: the members' own totals add up to it
    assert sum(m.reported_tco2e for m in account.members) == pytest.approx(location, rel=1e-12)
    # energy: fuels at their measured NCV, electricity and heat at GB/T 2589's coefficients
    fuels_tce = sum(_gas(m)[0] for m in members) / 29.3076
    energy = (
        fuels_tce
        + (e_in - e_out) * ELECTRICITY_TCE
        + (h_in - h_out) * HEAT_TCE
        + 12000 * ELECTRICITY_TCE  # renewable electricity used on site
    )
    assert account.energy_tce == pytest.approx(energy, rel=1e-9)
    assert account.carbon_per_energy == pytest.approx((location - green * GRID) / energy, rel=1e-9)
    clean = fuels_tce + green * ELECTRICITY_TCE + 12000 * ELECTRICITY_TCE
    gross = fuels_tce + e_in * ELECTRICITY_TCE + 12000 * ELECTRICITY_TCE
    assert account.clean_energy_share == pytest.approx(clean / gross, rel=1e-9)


def test_the_evaluation_names_each_threshold_and_its_source() -> None:
    evaluation = evaluate(account_park_file(PARK / "park.yaml"))
    by_id = {r.criterion.id: r for r in evaluation.results}
    core = by_id["carbon_per_energy"]
    assert core.limit == 0.2 and core.outcome == "not_met"  # 24.4万 tce: the 20–100万 band
    assert "≤ 0.2" in core.why_zh
    assert by_id["clean_energy_share"].outcome == "met"
    assert by_id["product_energy_grade"].outcome == "not_evaluated"
    assert by_id["water_reuse"].value == 91 and by_id["water_reuse"].limit == 80
    assert "910号" in evaluation.system.document_zh and evaluation.system.confidence


@pytest.mark.parametrize(
    ("scale", "limit", "outcome"), [(5.0, 0.3, "met"), (0.5, None, "not_evaluated")]
)
def test_the_threshold_follows_the_parks_size(
    scale: float, limit: float | None, outcome: str
) -> None:
    """The same emissions over five times the energy (122万 tce, 0.16 tCO2/tce): the ≥ 100万 tce
    band, ≤ 0.3, met; over half of it (12万 tce): no threshold was found under 20万 tce, so none
    is applied."""
    account = account_park_file(PARK / "park.yaml")
    members = tuple(
        dataclasses.replace(m, energy_tce=m.energy_tce * scale) for m in account.members
    )
    scaled = dataclasses.replace(account, members=members)
    core = next(r for r in evaluate(scaled).results if r.criterion.id == "carbon_per_energy")
    assert core.limit == limit
    assert core.outcome == outcome


def _park(tmp_path: Path, **changes: Any) -> Path:
    raw = _file("park.yaml")
    raw.update(changes)
    for name in ("chp-2025.yaml", "rolling-mill-2025.yaml", "battery-2025.yaml", "food-2025.yaml"):
        (tmp_path / name).write_text((PARK / name).read_text("utf-8"), "utf-8")
    path = tmp_path / "park.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


def test_a_transfer_the_inventories_do_not_support_is_refused(tmp_path: Path) -> None:
    transfers = _file("park.yaml")["transfers"]
    transfers[0]["amount"] = 80000  # the mill bought 74,230 MWh in all
    with pytest.raises(InputError) as caught:
        account_park_file(_park(tmp_path, transfers=transfers))
    (problem,) = caught.value.problems
    assert problem.field == "transfers[1]" and "示例轧钢厂" in problem.rule
    assert "74,230" in problem.rule and "电力" in problem.chinese()


def test_every_problem_of_a_park_file_at_once(tmp_path: Path) -> None:
    raw = _file("park.yaml")
    raw["transfers"][0]["to"] = "不存在的厂"
    raw["transfers"][1]["unit"] = "kWh"
    raw["members"].append({"name": "示例食品厂", "inventory": "food-2025.yaml"})
    raw["declared"]["water_reuse"] = {"value": 120}
    with pytest.raises(InputError) as caught:
        account_park_file(_park(tmp_path, **raw))
    fields = {p.field for p in caught.value.problems}
    assert fields == {
        "transfers[1].to",
        "transfers[2].unit",
        "members[5].name",
        "members[5].inventory",  # the dairy's inventory a second time: it would count twice
        "declared.water_reuse.value",
        "declared.water_reuse.evidence",
    }


def test_members_of_another_year_and_inconsistent_green_electricity(tmp_path: Path) -> None:
    """A member's inventory of another year; certificates beyond what a member bought from
    outside the park (the dairy buys all its power from the CHP plant); 'not applicable' where
    the notice does not admit it."""
    raw = _file("park.yaml")
    raw["green_electricity"].append(
        {"member": "示例食品厂", "kind": "direct", "mwh": 1000, "evidence": "直供合同"}
    )
    raw["declared"]["water_reuse"] = {"not_applicable": "没有"}
    path = _park(tmp_path, **raw)
    mill = yaml.safe_load((tmp_path / "rolling-mill-2025.yaml").read_text("utf-8"))
    mill["inventory"]["year"] = 2024
    (tmp_path / "rolling-mill-2025.yaml").write_text(
        yaml.safe_dump(mill, allow_unicode=True), "utf-8"
    )
    with pytest.raises(InputError) as caught:
        account_park_file(path)
    fields = {p.field for p in caught.value.problems}
    assert fields == {"members[2].inventory", "declared.water_reuse.not_applicable"}
    mill["inventory"]["year"] = 2025
    (tmp_path / "rolling-mill-2025.yaml").write_text(
        yaml.safe_dump(mill, allow_unicode=True), "utf-8"
    )
    del raw["declared"]["water_reuse"]
    with pytest.raises(InputError) as caught:
        account_park_file(_park(tmp_path, **raw))
    (problem,) = caught.value.problems
    assert problem.field == "green_electricity[3]" and "示例食品厂" in problem.rule


def test_a_park_selling_more_than_it_emits_is_not_evaluated() -> None:
    """Deducting the energy sold outside at the grid factor can take a park's emissions below
    zero; a negative tCO2/tce would 'meet' any threshold, so it is not evaluated."""
    account = account_park_file(PARK / "park.yaml")
    members = tuple(
        dataclasses.replace(m, direct_tco2e=0.0) if not m.utility else m for m in account.members
    )
    selling = dataclasses.replace(
        account, members=members, electricity_out_mwh=account.electricity_out_mwh * 4
    )
    assert selling.market_tco2e < 0
    core = next(r for r in evaluate(selling).results if r.criterion.id == "carbon_per_energy")
    assert core.outcome == "not_evaluated" and "不大于零" in core.why_zh
