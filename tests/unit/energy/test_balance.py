"""GB/T 2589-2020 comprehensive energy consumption, computed by hand.

    E = Σ q_i × k_i (consumed) − Σ q_j × k_j (exported),   1 kgce = 29 307.6 kJ

k is the measured NCV ÷ 29.3076 MJ/kgce where the fuel was analysed, else the Appendix A
reference coefficient (diesel 1.4571 kgce/kg, electricity 0.1229 kgce/kWh, heat 0.03412
kgce/MJ), else the emissions methodology's default NCV ÷ 29.3076.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.energy.balance import EqualValue, energy_balance
from dualcarbon.errors import InputError
from dualcarbon.factors.catalogue import default_catalogue
from dualcarbon.io.yaml_inventory import inventory_from_mapping

KJ_PER_KGCE = 29_307.6  # GB/T 2589-2020, the definition of 1 kgce (7 000 kcal_IT)


def cement_plant(**tables: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "inventory": {
            "organisation": "示例水泥",
            "facility": "熟料基地",
            "year": 2025,
            "methodology": "cn-mee-cement-2024",
        },
        "clinker": [
            {
                "unit": "L1",
                "month": 1,
                "clinker_type": "硅酸盐水泥熟料",
                "clinker_output": 10000,
                "clinker_output_ref": "皮带秤 CL-01",
            },
        ],
        **tables,
    }


def balance_of(raw: dict[str, Any], **kwargs: Any):  # type: ignore[no-untyped-def]
    inventory = inventory_from_mapping(raw, source="plant.yaml")
    result = account(inventory, plausibility=False)
    return energy_balance(inventory, result, **kwargs)


def test_measured_ncv_reference_coefficient_and_export_by_hand() -> None:
    raw = cement_plant(
        fuel=[
            {
                "unit": "L1",
                "month": 1,
                "fuel": "bituminous_coal",
                "consumption": 1000,
                "consumption_ref": "煤秤 B-1",
                "ncv": 22.0,
                "ncv_unit": "GJ/t",
                "ncv_ref": "化验 2025-01",
            },
            {
                "unit": "L1",
                "month": 1,
                "fuel": "diesel",
                "consumption": 10,
                "consumption_ref": "油罐 D-1",
            },
        ],
        electricity=[
            {"month": 1, "direction": "purchased", "amount": 1000, "amount_ref": "结算单"},
            {"month": 1, "direction": "exported", "amount": 100, "amount_ref": "上网结算单"},
        ],
    )
    balance = balance_of(raw)
    coal = 1000 * 22.0e6 / KJ_PER_KGCE  # t × GJ/t → kJ ÷ kJ/kgce
    diesel = 10_000 * 1.4571  # Appendix A: 1.4571 kgce/kg
    bought = 1_000_000 * 0.1229  # Appendix A: electricity, calorific equivalent
    sold = 100_000 * 0.1229
    assert balance.consumed_tce == pytest.approx((coal + diesel + bought) / 1000, rel=1e-12)
    assert balance.exported_tce == pytest.approx(sold / 1000, rel=1e-12)
    assert balance.total_tce == pytest.approx((coal + diesel + bought - sold) / 1000, rel=1e-12)
    bases = dict(balance.lines.select("carrier", "coefficient_basis").iter_rows())
    assert bases == {
        "bituminous_coal": "measured_ncv",
        "diesel": "gbt_2589",
        "electricity": "gbt_2589",
    }
    assert "gbt-2589-2020/standard_coal_coefficient/diesel@1" in balance.coefficients


def test_a_fuel_without_an_appendix_coefficient_takes_the_methodology_ncv() -> None:
    raw = {
        "inventory": {"organisation": "示例", "year": 2024, "methodology": "gbt-32150-2015"},
        "fuel": [
            {
                "month": 1,
                "fuel": "petroleum_coke",
                "consumption": 500,
                "consumption_ref": "料秤 P-2",
            }
        ],
    }
    balance = balance_of(raw)
    line = balance.lines.row(0, named=True)
    assert line["coefficient_basis"] == "methodology_ncv"
    ncv = default_catalogue().get(line["coefficient_ref"])  # the default the emissions used
    assert (ncv.subject, ncv.unit) == ("petroleum_coke", "GJ/t")
    expected = 500 * ncv.value * 1e6 / KJ_PER_KGCE  # GJ/t → kJ/t, ÷ kJ/kgce
    assert balance.total_tce * 1000 == pytest.approx(expected, rel=1e-9)


def test_equal_value_of_electricity_is_declared_with_its_source() -> None:
    raw = cement_plant(electricity=[{"month": 1, "amount": 1000, "amount_ref": "结算单"}])
    balance = balance_of(raw, equal_value=EqualValue(302.0, "国家统计局 2024 年火电供电煤耗"))
    assert balance.calibre == "equal_value"
    assert balance.total_tce == pytest.approx(1_000_000 * 0.302 / 1000)
    assert balance.lines["coefficient_basis"].to_list() == ["declared"]


@pytest.mark.parametrize(
    ("value", "ref", "field"),
    [
        (0.1229, "GB/T 2589", "--equal-value"),
        (302.0, " ", "--equal-value-ref"),
        (math.nan, "x", "--equal-value"),
    ],
)
def test_an_implausible_or_unsourced_equal_value_is_refused(
    value: float, ref: str, field: str
) -> None:
    with pytest.raises(InputError) as caught:
        EqualValue(value, ref)
    assert caught.value.problems[0].file == field


def test_meter_and_analysis_uncertainty_combine_per_line() -> None:
    raw = cement_plant(
        fuel=[
            {
                "unit": "L1",
                "month": 1,
                "fuel": "bituminous_coal",
                "consumption": 1000,
                "consumption_ref": "煤秤 B-1",
                "consumption_mpe": 1.0,
                "ncv": 22.0,
                "ncv_u": 0.22,
                "ncv_unit": "GJ/t",
                "ncv_ref": "化验",
            }
        ],
        electricity=[{"month": 1, "amount": 1000, "amount_ref": "表 E-1", "amount_mpe": 0.5}],
    )
    balance = balance_of(raw)
    coal = 1000 * 22.0e6 / KJ_PER_KGCE
    u_coal = coal * math.hypot(0.01 / math.sqrt(3), 0.01)  # rectangular MPE, u(NCV)/NCV
    u_power = 1_000_000 * 0.1229 * 0.005 / math.sqrt(3)
    assert balance.total_u_tce == pytest.approx(math.hypot(u_coal, u_power) / 1000, rel=1e-9)


def test_a_heat_purchase_converts_at_the_appendix_coefficient() -> None:
    raw = {
        "inventory": {"organisation": "示例", "year": 2024, "methodology": "gbt-32150-2015"},
        "heat": [{"month": 2, "amount": 500, "amount_unit": "GJ", "amount_ref": "热表 H-1"}],
    }
    balance = balance_of(raw)
    assert balance.total_tce == pytest.approx(500_000 * 0.03412 / 1000)  # MJ × kgce/MJ


def test_a_zero_reading_with_a_meter_has_an_uncertainty_not_nan() -> None:
    raw = cement_plant(
        electricity=[
            {"month": 1, "amount": 0, "amount_ref": "表 E-1", "amount_mpe": 0.5},
            {"month": 2, "amount": 1000, "amount_ref": "表 E-1", "amount_mpe": 0.5},
        ]
    )
    balance = balance_of(raw)
    assert balance.total_u_tce == pytest.approx(1_000_000 * 0.1229 * 0.005 / math.sqrt(3) / 1000)


def test_a_power_plant_subtracts_what_it_supplies() -> None:
    """GB/T 2589-2020 deducts energy delivered outside the boundary: net power and heat
    supplied (the production table) at 0.1229 kgce/kWh and 0.03412 kgce/MJ."""
    raw = {
        "inventory": {"organisation": "示例电厂", "year": 2024, "methodology": "cn-mee-power-2022"},
        "fuel": [
            {"unit": "#1", "month": 1, "fuel": "coal", "consumption": 1000, "consumption_ref": "秤",
             "ncv": 22.0, "ncv_ref": "热值", "carbon_content": 55.0, "carbon_content_ref": "碳"},
        ],
        "production": [
            {"unit": "#1", "month": 1, "generation": 2200, "supply": 2100, "heat_supply": 500,
             "heat_ratio": 0.02},
        ],
    }  # fmt: skip
    balance = balance_of(raw)
    coal = 1000 * 22.0e6 / KJ_PER_KGCE
    supplied = 2_100_000 * 0.1229 + 500_000 * 0.03412
    assert balance.exported_tce == pytest.approx(supplied / 1000)
    assert balance.total_tce == pytest.approx((coal - supplied) / 1000)
