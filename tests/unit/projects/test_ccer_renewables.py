"""CCER-01-002-V01 (offshore wind) and CCER-01-001-V01 (solar thermal): worked examples by hand.

The formulas are those of the methodologies' 6.3–6.5 (CCER-01-002-V01 equations (1)–(4),
CCER-01-001-V01 equations (1)–(6)):

    BE_y = EG_PJ,y × EF_grid,CM,y          EG_PJ,y = EG_export,y − EG_import,y
    EF_grid,CM,y = EF_OM × ω_OM + EF_BM × ω_BM,   ω_OM = ω_BM = 0.5 (Tables 2–3)
    PE_y = 0 (offshore wind, 6.4);  PE_y = Σ FC × NCV × CC × OF × 44/12 (solar thermal, (4)–(5))
    ER_y = BE_y − PE_y

and 7.3.4: a reading of a meter not calibrated in time is taken × (1 − MPE) for electricity
supplied and × (1 + MPE) for electricity taken and fuel burnt. The margins below are invented for
the examples (typed with a notice, as a project does while the catalogue holds no edition).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from dualcarbon.accounting.findings import Acceptance
from dualcarbon.errors import InputError
from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.factors.model import Factor
from dualcarbon.io.project_yaml import project_from_mapping
from dualcarbon.io.register_files import register_from_mapping
from dualcarbon.metrology.register import Register
from dualcarbon.projects.engine import account_project

OM, BM = 0.8, 0.4
CM = OM * 0.5 + BM * 0.5  # CCER-01-002-V01 equation (3), Tables 2–3


def meter(meter_id: str, accuracy: str = "0.5") -> dict[str, Any]:
    return {
        "id": meter_id,
        "name": f"关口电能表 {meter_id}",
        "quantity": "有功电能",
        "energy": "electricity",
        "level": "site",
        "kind": "electricity_meter",
        "accuracy": accuracy,
        "interval_months": 12,
    }


def calibrated(meter_id: str, on: str) -> dict[str, Any]:
    return {"instrument": meter_id, "date": on, "result": "pass", "certificate": f"C-{on}"}


def register(
    export_calibrated: str = "2024-12-01", accuracy: str = "0.5", fuel: bool = False
) -> Register:
    instruments = [meter("EXP-1", accuracy), meter("IMP-1")]
    calibrations = [calibrated("EXP-1", export_calibrated), calibrated("IMP-1", "2024-12-01")]
    if fuel:
        gas = meter("FM-1", "1.5") | {
            "name": "燃气流量计",
            "quantity": "体积流量",
            "energy": "natural_gas",
            "kind": "gas_flowmeter",
        }
        instruments.append(gas)
        calibrations.append(calibrated("FM-1", "2024-12-01"))
    return register_from_mapping(
        {"instruments": instruments, "calibrations": calibrations}, source="meters.yaml"
    )


def wind(**changes: Any) -> dict[str, Any]:
    project = {
        "id": "T-OW",
        "name": "测试海上风电",
        "owner": "测试公司",
        "methodology": "ccer-01-002-v01",
        "grid": "华东",
        "grid_connected": "2024-06-01",
        "crediting_period": {"start": "2024-07-01", "end": "2034-06-30"},
        "monitoring_period": {"start": "2025-01-01", "end": "2025-03-31"},
        "facts": {"distance_km": 42, "depth_m": 18},
        "grid_margins": {2025: {"om": OM, "bm": BM, "source": "测试用公布值"}},
    } | changes.pop("project", {})
    document = {
        "project": project,
        "monitoring_plan": [
            {"parameter": "export", "meter": "EXP-1"},
            {"parameter": "import", "meter": "IMP-1"},
        ],
        "grid_supply": [
            {"year": 2025, "month": 1, "export": 1000, "import": 10, "export_ref": "结算单 1"},
            {"year": 2025, "month": 2, "export": 2000, "import": 20, "export_ref": "结算单 2"},
            {"year": 2025, "month": 3, "export": 1500, "import": 5, "export_ref": "结算单 3"},
        ],
    }
    document.update(changes)
    return document


def run(document: dict[str, Any], **kwargs: Any) -> Any:
    inventory = project_from_mapping(document, source="project.yaml")
    return account_project(inventory, register=kwargs.pop("reg", register()), **kwargs)


def rules_broken(document: dict[str, Any], **kwargs: Any) -> list[str]:
    with pytest.raises(InputError) as caught:
        run(document, **kwargs)
    return [problem.rule for problem in caught.value.problems]


def test_offshore_wind_reduction_by_hand() -> None:
    """ER = (4500 − 35) MWh × 0.6 tCO2/MWh = 2679 tCO2 (equations (1)–(4), PE = 0)."""
    result = run(wind())
    assert result.total == pytest.approx((4500 - 35) * CM, rel=1e-12)
    year = result.by_year().row(0, named=True)
    assert year["year"] == 2025
    assert year["net_supply_mwh"] == pytest.approx(4465)
    assert year["project"] == 0 and year["leakage"] == 0
    assert not result.corrections


def test_every_line_traces_its_meter_and_the_published_margins() -> None:
    result = run(wind())
    inputs = result.accounting.inputs
    exported = inputs.filter(inputs["slot"] == "exported")
    assert exported["reference"].to_list()[0] == "EXP-1 结算单 1"
    om = inputs.filter(inputs["slot"] == "om")
    assert set(om["reference"].to_list()) == {"测试用公布值（2025年值）"}
    assert set(om["tier"].to_list()) == {"default"}


def test_uncalibrated_export_meter_is_taken_low() -> None:
    """EXP-1 calibrated 2024-01-10 with a 12-month interval is overdue from 2025-01-10:
    every month's export × (1 − 0.5 %) (CCER-01-002-V01 7.3.4, class 0.5)."""
    result = run(wind(), reg=register(export_calibrated="2024-01-10"))
    export = 4500 * (1 - 0.005)
    assert result.total == pytest.approx((export - 35) * CM, rel=1e-12)
    assert [c.month for c in result.corrections] == [1, 2, 3]
    assert result.corrections[1].corrected == pytest.approx(2000 * 0.995)
    assert result.corrections[0].clause == "CCER-01-002-V01 7.3.4"


def test_calibration_in_the_middle_of_the_period_corrects_only_the_late_months() -> None:
    """Calibrated 2024-02-15, due 2025-02-15: January is within the interval; February (overdue
    on its last day) and March are taken low."""
    result = run(wind(), reg=register(export_calibrated="2024-02-15"))
    assert [c.month for c in result.corrections] == [2, 3]
    export = 1000 + (2000 + 1500) * (1 - 0.005)
    assert result.total == pytest.approx((export - 35) * CM, rel=1e-12)


def test_uncalibrated_import_meter_is_taken_high() -> None:
    reg = register_from_mapping(
        {
            "instruments": [meter("EXP-1"), meter("IMP-1", "0.2S")],
            "calibrations": [calibrated("EXP-1", "2024-12-01")],
        },
        source="meters.yaml",
    )
    result = run(wind(), reg=reg)
    assert result.total == pytest.approx((4500 - 35 * 1.002) * CM, rel=1e-12)
    assert {c.parameter for c in result.corrections} == {"import"}


def test_not_applicable_project_is_refused_naming_the_clause() -> None:
    """20 km from shore in 25 m of water meets neither condition of CCER-01-002-V01 §2."""
    document = wind(project={"facts": {"distance_km": 20, "depth_m": 25}})
    [rule] = rules_broken(document)
    assert "not applicable: CCER-01-002-V01 2" in rule
    assert "distance from shore 20 km" in rule


def test_either_condition_suffices() -> None:
    assert run(wind(project={"facts": {"distance_km": 12, "depth_m": 31}})).total > 0


def test_a_missing_fact_is_asked_for() -> None:
    rules = rules_broken(wind(project={"facts": {"distance_km": 12}}))
    assert any("checked on water depth" in rule for rule in rules)


def test_crediting_period_longer_than_ten_years_is_refused() -> None:
    period = {"start": "2024-07-01", "end": "2034-07-01"}
    rules = rules_broken(wind(project={"crediting_period": period}))
    assert any("longer than 10 years" in rule and "5.2" in rule for rule in rules)


def test_monitoring_outside_crediting_and_before_eligibility_is_refused() -> None:
    early = {"start": "2020-09-01", "end": "2020-11-30"}
    document = wind(project={"monitoring_period": early})
    document["grid_supply"] = [
        {"year": 2020, "month": m, "export": 100, "export_ref": "x"} for m in (9, 10, 11)
    ]
    rules = rules_broken(document)
    assert any("after 2020-09-22" in rule for rule in rules)
    assert any("outside the crediting period" in rule for rule in rules)


def test_records_outside_the_period_and_gaps_are_refused() -> None:
    document = wind()
    document["grid_supply"] = [
        {"year": 2025, "month": 1, "export": 1000, "export_ref": "x"},
        {"year": 2025, "month": 4, "export": 1000, "export_ref": "x"},
    ]
    rules = rules_broken(document)
    assert any("2025-04 lies outside the monitoring period" in rule for rule in rules)
    assert any("without records: 2025-02, 2025-03" in rule for rule in rules)


def test_meter_worse_than_class_half_is_refused() -> None:
    rules = rules_broken(wind(), reg=register(accuracy="1.0"))
    assert any("requires class 0.5 or better" in rule for rule in rules)


def test_plan_must_name_a_registered_meter() -> None:
    document = wind(monitoring_plan=[{"parameter": "export", "meter": "NOPE"}])
    rules = rules_broken(document)
    assert any("NOPE is not in the instrument register" in rule for rule in rules)
    assert any("names no meter for import" in rule for rule in rules)


def test_enterprise_guideline_is_not_a_project_methodology() -> None:
    rules = rules_broken(wind(project={"methodology": "cn-mee-power-2022"}))
    assert any("not a project methodology" in rule for rule in rules)


def test_margins_of_the_latest_earlier_year_apply_when_year_y_is_not_published() -> None:
    """Tables 6–7: year y's margins, else the most recent year before y."""
    document = wind(project={"grid_margins": {2023: {"om": 0.9, "bm": 0.3, "source": "2023年版"}}})
    result = run(document)
    assert result.total == pytest.approx(4465 * (0.9 * 0.5 + 0.3 * 0.5), rel=1e-12)
    om = result.accounting.inputs.filter(result.accounting.inputs["slot"] == "om")
    assert "取此前最近一年" in om["reference"][0]


def test_published_edition_in_the_catalogue_is_used_and_cited() -> None:
    weights = default_catalogue().get("ccer-01-002-v01/weight/om").source
    source = weights.model_copy(update={"id": "test-grid-2025"})

    def margin(subject: str, value: float) -> Factor:
        return Factor(
            id=f"test-grid-2025/{subject}/east",
            version=1,
            kind="co2_emission_factor",
            subject=subject,
            name_zh=subject,
            name_en=subject,
            gas="CO2",
            value=value,
            unit="tCO2/MWh",
            table="表",
            year=2025,
            region="east",
            source=source,
        )

    catalogue = FactorCatalogue(
        [
            *default_catalogue(),
            margin("grid_operating_margin", 0.7),
            margin("grid_build_margin", 0.5),
        ]
    )
    document = wind(project={"grid_margins": {}})
    result = run(document, catalogue=catalogue)
    assert result.total == pytest.approx(4465 * 0.6, rel=1e-12)
    assert "test-grid-2025/grid_operating_margin/east@1" in result.accounting.meta.factors


def test_no_margins_at_all_is_refused_with_what_to_do() -> None:
    rules = rules_broken(wind(project={"grid_margins": {}}))
    assert any("give them under project.grid_margins" in rule for rule in rules)


def test_uncertainty_of_the_reduction_by_hand() -> None:
    """Each monthly reading's u = MPE·x/√3 (rectangular, JCGM 100 4.3.7), the margins exact:
    u(ER)² = Σ (CM · u(export_m))² + Σ (CM · u(import_m))²."""
    document = wind()
    for row in document["grid_supply"]:
        row["export_mpe"] = 0.5
        row["import_mpe"] = 0.5
    result = run(document)
    readings = [1000, 2000, 1500, 10, 20, 5]
    expected = math.sqrt(sum((CM * 0.005 * x / math.sqrt(3)) ** 2 for x in readings))
    assert result.uncertainty().u == pytest.approx(expected, rel=1e-9)


def test_meter_mpe_comes_from_the_register_where_none_is_typed() -> None:
    result = run(wind(), reg=register(accuracy="0.2S"))
    readings = [1000, 2000, 1500]
    exported = math.sqrt(sum((CM * 0.002 * x / math.sqrt(3)) ** 2 for x in readings))
    imported = math.sqrt(sum((CM * 0.005 * x / math.sqrt(3)) ** 2 for x in (10, 20, 5)))
    assert result.uncertainty().u == pytest.approx(math.hypot(exported, imported), rel=1e-9)


def test_a_period_across_two_years_has_a_reduction_for_each() -> None:
    document = wind(
        project={
            "monitoring_period": {"start": "2025-11-01", "end": "2026-01-31"},
            "grid_margins": {
                2025: {"om": OM, "bm": BM, "source": "2025年版"},
                2026: {"om": 0.7, "bm": 0.3, "source": "2026年版"},
            },
        }
    )
    document["grid_supply"] = [
        {"year": 2025, "month": 11, "export": 1000, "export_ref": "x", "import": 0},
        {"year": 2025, "month": 12, "export": 1000, "export_ref": "x", "import": 0},
        {"year": 2026, "month": 1, "export": 1000, "export_ref": "x", "import": 0},
    ]
    by_year = run(document, reg=register(export_calibrated="2025-06-01")).by_year()
    assert by_year["total"].to_list() == pytest.approx([2000 * CM, 1000 * 0.5])


SOLAR_NG = {  # 环办气候函〔2022〕485号 附录 常用化石燃料相关参数缺省值, natural gas
    "ncv": 389.31,  # GJ/10^4 Nm3
    "carbon_per_heat": 0.01532,  # tC/GJ
    "oxidation_rate": 0.99,
}


def solar(**changes: Any) -> dict[str, Any]:
    document = wind(
        project={
            "methodology": "ccer-01-001-v01",
            "facts": {"separately_metered": True},
            "grid": "西北",
        }
    )
    document["monitoring_plan"].append({"parameter": "fuel", "meter": "FM-1"})
    document["fuel"] = [
        {
            "year": 2025,
            "month": 1,
            "fuel": "natural_gas",
            "consumption": 2.0,
            "consumption_unit": "万Nm3",
            "consumption_ref": "购气凭证 1",
        },
        {
            "year": 2025,
            "month": 2,
            "fuel": "natural_gas",
            "consumption": 3.0,
            "consumption_unit": "万Nm3",
            "consumption_ref": "购气凭证 2",
        },
    ]
    document.update(changes)
    return document


def pe_per_10k_nm3() -> float:
    """CCER-01-001-V01 equation (5): COEF = NCV × CC × OF × 44/12 [tCO2 per 10^4 Nm3]."""
    return SOLAR_NG["ncv"] * SOLAR_NG["carbon_per_heat"] * SOLAR_NG["oxidation_rate"] * 44 / 12


def test_solar_thermal_reduction_by_hand() -> None:
    """ER = BE − PE: (4500 − 35) × 0.6 − 5 × COEF (equations (1)–(6))."""
    result = run(solar(), reg=register(fuel=True))
    by_year = result.by_year().row(0, named=True)
    assert by_year["project"] == pytest.approx(5 * pe_per_10k_nm3(), rel=1e-9)
    assert result.total == pytest.approx(4465 * CM - 5 * pe_per_10k_nm3(), rel=1e-9)


def test_solar_thermal_uncalibrated_flowmeter_is_taken_high() -> None:
    """FM-1 (class 1.5) never calibrated: fuel × (1 + 1.5 %) (CCER-01-001-V01 7.3.4)."""
    reg = register(fuel=True)
    reg = reg.model_copy(
        update={"calibrations": tuple(c for c in reg.calibrations if c.instrument_id != "FM-1")}
    )
    result = run(solar(), reg=reg)
    assert result.by_year()["project"][0] == pytest.approx(5 * 1.015 * pe_per_10k_nm3(), rel=1e-9)


def test_solar_thermal_flowmeter_worse_than_class_two_is_refused() -> None:
    reg = register(fuel=True)
    worse = tuple(
        i.model_copy(update={"accuracy": i.accuracy.parse("2.5")}) if i.id == "FM-1" else i
        for i in reg.instruments
    )
    rules = rules_broken(solar(), reg=reg.model_copy(update={"instruments": worse}))
    assert any("FM-1" in rule and "class 2 or better" in rule for rule in rules)


def test_solar_thermal_month_taking_more_than_it_supplies_counts_negative() -> None:
    """A winter month importing more than it exports lowers the year's EG_PJ,y (equation (2)
    is over the year); it is not refused."""
    document = solar()
    document["grid_supply"][0] |= {"export": 5, "import": 40}
    # the plausibility check asks about a month 300 times below the others: acknowledged
    winter = Acceptance.parse("month_jump:grid_supply:1", by="测试", reason="冬季光照不足")
    result = run(document, reg=register(fuel=True), accept=[winter])
    lines = result.accounting.lines.filter(result.accounting.lines["month"] == 1)
    assert lines.filter(lines["source"] == "baseline")["emission"][0] == pytest.approx(-35 * CM)


def test_solar_thermal_without_separate_metering_is_not_applicable() -> None:
    document = solar()
    document["project"]["facts"] = {"separately_metered": False}
    [rule] = [r for r in rules_broken(document, reg=register(fuel=True)) if "applicable" in r]
    assert "CCER-01-001-V01 2" in rule


def test_period_dates_in_results() -> None:
    result = run(wind())
    assert result.header.monitoring_period.start == dt.date(2025, 1, 1)
    document = result.to_json(lang="en", uncertainty=result.uncertainty())
    assert document["total_tco2e"] == pytest.approx(4465 * CM)
    assert document["applicability"][0]["met"] is True


def test_a_meter_found_out_of_tolerance_is_corrected_by_the_error_found() -> None:
    """7.3.4: calibrated but out of tolerance → reading × (1 − |actual basic error|). EXP-1
    failed on 2025-01-20 with a basic error of 0.8 %: February and March (failed at their
    start) are taken × 0.992; January (passed at its start, failed by its end) as well."""
    reg = register_from_mapping(
        {
            "instruments": [meter("EXP-1"), meter("IMP-1")],
            "calibrations": [
                calibrated("EXP-1", "2024-12-01"),
                calibrated("IMP-1", "2024-12-01"),
                {
                    "instrument": "EXP-1",
                    "date": "2025-01-20",
                    "result": "fail",
                    "certificate": "F-1",
                    "error_found": 0.8,
                },
            ],
        },
        source="meters.yaml",
    )
    result = run(wind(), reg=reg)
    assert {c.error_percent for c in result.corrections} == {0.8}
    assert result.total == pytest.approx((4500 * 0.992 - 35) * CM, rel=1e-12)


def test_a_failed_meter_without_a_stated_error_takes_its_class() -> None:
    reg = register_from_mapping(
        {
            "instruments": [meter("EXP-1"), meter("IMP-1")],
            "calibrations": [
                calibrated("EXP-1", "2024-12-01"),
                calibrated("IMP-1", "2024-12-01"),
                {"instrument": "EXP-1", "date": "2025-01-20", "result": "fail", "certificate": "F"},
            ],
        },
        source="meters.yaml",
    )
    assert run(wind(), reg=reg).total == pytest.approx((4500 * 0.995 - 35) * CM, rel=1e-12)


def test_a_monitoring_period_of_centuries_is_refused_at_once() -> None:
    document = wind(project={"monitoring_period": {"start": "2025-01-01", "end": "2999-12-31"}})
    rules = rules_broken(document)
    assert any("at most 10 years" in rule for rule in rules)
    assert all(len(rule) < 500 for rule in rules)  # not thousands of months listed


def test_an_infinite_distance_is_not_a_fact() -> None:
    rules = rules_broken(wind(project={"facts": {"distance_km": float("inf"), "depth_m": 5}}))
    assert any("finite number" in rule for rule in rules)


def test_a_month_recorded_twice_is_refused() -> None:
    document = wind()
    document["grid_supply"].append(dict(document["grid_supply"][0]))
    assert any("recorded more than once" in rule for rule in rules_broken(document))


def test_every_metering_point_has_every_month() -> None:
    document = wind()
    document["grid_supply"].append(
        {"year": 2025, "month": 1, "unit": "关口2", "export": 10, "import": 0, "export_ref": "x"}
    )
    rules = rules_broken(document)
    assert any("2025-02 关口2" in rule and "2025-03 关口2" in rule for rule in rules)


def test_a_period_does_not_split_a_month() -> None:
    """Records are monthly: a period ending on the 27th would share its month with the next."""
    document = wind(project={"monitoring_period": {"start": "2025-01-01", "end": "2025-03-27"}})
    assert any("end on a month's last day" in rule for rule in rules_broken(document))


def test_a_row_typing_one_margin_only_is_refused() -> None:
    document = wind()
    document["grid_supply"][0] |= {"om": 0.9, "om_ref": "某公告"}
    assert any("both margins" in rule for rule in rules_broken(document))
