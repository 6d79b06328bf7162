"""CCUS by ISO 27916:2019 cl. 8.2 (as 40 CFR 98.483(a) Equation 1 states it), worked by hand:

m_input  = Σ (Q − S) × C_CO2                  40 CFR 98.473(a)(1) Equation UU-1
m_stored = m_input − m_loss,operations − m_loss,EOR complex
net over the chain = m_stored − E_fuel − E_electricity   (capture and transport are outside
                                                         ISO 27916; dualcarbon's figure)
"""

from __future__ import annotations

from typing import Any

import pytest

from dualcarbon.accounting.findings import FindingsError, Severity
from dualcarbon.errors import InputError
from dualcarbon.io.project_yaml import project_from_mapping
from dualcarbon.io.register_files import register_from_mapping
from dualcarbon.projects.engine import account_project

# GB/T 32151 Appendix C Table C.1 (the defaults GB/T 32150—2025 uses), natural gas
NG_NCV, NG_CC, NG_OF = 389.31, 0.0153, 0.99
# MEE and NBS announcement 2025 No. 47, Table 1: national grid factor of 2023 (tCO2/MWh)
GRID_2023 = 0.5306

REGISTER = register_from_mapping(
    {
        "instruments": [
            {
                "id": "FT-1",
                "quantity": "质量流量",
                "energy": "other",
                "level": "secondary",
                "kind": "other",
                "accuracy": "±0.25%",
                "interval_months": 12,
            },
            {
                "id": "FT-2",
                "quantity": "质量流量",
                "energy": "other",
                "level": "site",
                "kind": "other",
                "accuracy": "±0.2%",
                "interval_months": 12,
            },
            {
                "id": "FG-1",
                "quantity": "体积流量",
                "energy": "natural_gas",
                "level": "secondary",
                "kind": "gas_flowmeter",
                "accuracy": "1.0",
                "interval_months": 12,
            },
            {
                "id": "EM-1",
                "quantity": "有功电能",
                "energy": "electricity",
                "level": "secondary",
                "kind": "electricity_meter",
                "accuracy": "0.5S",
                "interval_months": 12,
            },
        ],
        "calibrations": [
            {"instrument": "FT-1", "date": "2024-12-01", "result": "pass"},
            {"instrument": "FT-2", "date": "2024-12-01", "result": "pass"},
            {"instrument": "FG-1", "date": "2024-12-01", "result": "pass"},
            {"instrument": "EM-1", "date": "2024-12-01", "result": "pass"},
        ],
    },
    source="meters.yaml",
)


def chain(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "project": {
            "id": "T-CCUS",
            "name": "测试封存",
            "owner": "测试公司",
            "methodology": "ccus-iso-27916",
            "monitoring_period": {"start": "2025-01-01", "end": "2025-01-31"},
        },
        "monitoring_plan": [
            {"parameter": "co2_mass", "meter": "FT-1", "point": "捕集出口"},
            {"parameter": "co2_mass", "meter": "FT-2", "point": "注入站"},
            {"parameter": "fuel", "meter": "FG-1"},
            {"parameter": "electricity", "meter": "EM-1"},
        ],
        "co2_stream": [
            {
                "year": 2025,
                "month": 1,
                "unit": "捕集出口",
                "stage": "捕集",
                "mass": 1000,
                "mass_ref": "FT-1",
                "co2_fraction": 99,
                "co2_fraction_ref": "GC-1",
            },
            {
                "year": 2025,
                "month": 1,
                "unit": "注入站",
                "stage": "接收",
                "mass": 990,
                "redelivered": 10,
                "mass_ref": "FT-2",
                "co2_fraction": 99,
                "co2_fraction_ref": "GC-2",
            },
        ],
        "storage_losses": [
            {
                "year": 2025,
                "month": 1,
                "unit": "注入站",
                "kind": "放空火炬",
                "amount": 2,
                "amount_ref": "FV-1",
            },
            {
                "year": 2025,
                "month": 1,
                "unit": "注入站",
                "kind": "封存体泄漏",
                "amount": 0.5,
                "amount_tier": "calculated",
                "amount_ref": "监测报告",
            },
        ],
        "fuel": [
            {
                "year": 2025,
                "month": 1,
                "fuel": "natural_gas",
                "consumption": 1,
                "consumption_unit": "万Nm3",
                "consumption_ref": "燃气表 FG",
            },
        ],
        "electricity": [
            {"year": 2025, "month": 1, "amount": 100, "amount_ref": "电能表 EM"},
        ],
    }
    document.update(changes)
    return document


def run(document: dict[str, Any]) -> Any:
    return account_project(project_from_mapping(document, source="ccus.yaml"), register=REGISTER)


def test_stored_and_net_by_hand() -> None:
    result = run(chain())
    year = result.by_year().row(0, named=True)
    m_input = (990 - 10) * 0.99
    assert year["received"] == pytest.approx(m_input, rel=1e-12)
    assert year["m_stored"] == pytest.approx(m_input - 2 - 0.5, rel=1e-12)
    fuel = 1 * NG_NCV * NG_CC * NG_OF * 44 / 12
    electricity = 100 * GRID_2023
    assert year["chain_fuel"] == pytest.approx(fuel, rel=1e-9)
    assert year["chain_electricity"] == pytest.approx(electricity, rel=1e-9)
    assert result.total == pytest.approx(m_input - 2.5 - fuel - electricity, rel=1e-9)
    # captured CO2 is shown beside, not added: 1000 × 0.99, of which 990 × 0.99 arrived
    assert year["captured"] == pytest.approx(990.0, rel=1e-12)


def test_uncertainty_of_the_received_mass_by_hand() -> None:
    """Only the custody meter's ±0.2 % (rectangular) is stated among the counted inputs:
    u = C_CO2 × 0.002 × 990 / √3 for Q (S shares the meter but is typed without an MPE)."""
    document = chain(fuel=[], electricity=[])
    document["storage_losses"] = []
    result = run(document)
    expected = 0.99 * 0.002 * 990 / 3**0.5
    assert result.uncertainty().u == pytest.approx(expected, rel=1e-9)


def test_a_month_without_stream_records_is_refused() -> None:
    document = chain(
        project=chain()["project"]
        | {"monitoring_period": {"start": "2025-01-01", "end": "2025-02-28"}}
    )
    with pytest.raises(InputError) as caught:
        run(document)
    assert any("without records: 2025-02" in p.rule for p in caught.value.problems)


def test_a_purity_typed_as_a_fraction_is_refused() -> None:
    document = chain()
    document["co2_stream"][1]["co2_fraction"] = 0.99
    with pytest.raises(FindingsError) as caught:
        run(document)
    [finding] = caught.value.open
    assert finding.severity is Severity.ERROR and finding.field == "co2_fraction"


def test_no_crediting_period_is_asked_for() -> None:
    assert run(chain()).header.crediting_period is None


def test_the_report_shows_iso_storage_beside_the_net_and_every_reading() -> None:
    from dualcarbon.reports.monitoring_report import render_monitoring_report

    result = run(chain())
    page = render_monitoring_report(result, uncertainty=result.uncertainty())
    assert "二氧化碳捕集、运输与地质封存 监测报告" in page
    assert "m_stored" in page and "全链条净封存量" in page
    assert "FT-2" in page and "990.000" in page  # the custody meter's reading, as read
    assert "本方法学未规定适用条件" in page


def test_a_chain_reports_within_one_calendar_year() -> None:
    """Its grid electricity takes the factor of its year: a period across two years is refused."""
    document = chain()
    document["project"]["monitoring_period"] = {"start": "2025-12-01", "end": "2026-01-31"}
    with pytest.raises(InputError) as caught:
        run(document)
    assert any("one calendar year" in p.rule for p in caught.value.problems)
