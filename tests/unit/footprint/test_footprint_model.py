"""The product-system model: each rule can fail, and names the process, exchange and field."""

import copy
import math
from typing import Any

import pytest

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.footprint.model import (
    Boundary,
    ElectricityBasis,
    Exchange,
    ProductSystem,
    Stage,
    UncertaintyType,
    cas_is_valid,
    primary_data_share,
    validate_product_system,
)
from dualcarbon.footprint.pedigree import lognormal_sigma

GRID = "cn-grid-ef-2022/co2_emission_factor/grid/CN"


def base() -> dict[str, Any]:
    """A valid cradle-to-gate system: one process on steel (background), grid power and CO2."""
    return {
        "id": "widget",
        "name": "widget",
        "functional_unit": {"kind": "declared", "description": "1 kg", "amount": 1, "unit": "kg"},
        "reference_process": "make",
        "reference_product": "widget",
        "reference_flow": {"amount": 1, "unit": "kg"},
        "boundary": "cradle_to_gate",
        "stages": ["raw_material_acquisition", "production"],
        "cut_off": {"criterion": "mass", "threshold_percent": 1, "justification": "screening"},
        "gwp_set": "AR6",
        "period": {"start": "2024-01-01", "end": "2024-12-31"},
        "geography": "CN",
        "parameters": [{"name": "loss", "value": 0.1}],
        "flows": [
            {
                "id": "co2",
                "name": "CO2",
                "compartment": "air",
                "unit": "kg",
                "cas": "124-38-9",
                "gas": "CO2",
            }
        ],
        "background": [
            {
                "product": "steel",
                "unit": "kg",
                "emission_factor": 2.0,
                "emission_factor_unit": "kgCO2e/kg",
                "source": "illustrative",
            }
        ],
        "processes": [
            {
                "id": "make",
                "name": "make widgets",
                "stage": "production",
                "exchanges": [
                    {"kind": "production", "product": "widget", "amount": 1, "unit": "kg"},
                    {
                        "kind": "technosphere",
                        "product": "steel",
                        "formula": "1 + loss",
                        "unit": "kg",
                    },
                    {
                        "kind": "technosphere",
                        "product": "power",
                        "amount": 2,
                        "unit": "kWh",
                        "electricity": {"basis": "location_based", "grid_factor": GRID},
                    },
                    {"kind": "emission", "flow": "co2", "amount": 0.5, "unit": "kg"},
                ],
            }
        ],
    }


def _set(raw: dict[str, Any], path: str, value: Any) -> None:
    """Set ``raw[a][b][0]…`` from ``"a.b.0"``; ``value`` DELETE removes the key."""
    *parents, last = path.split(".")
    node: Any = raw
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = value


DELETE = object()


def problems_of(raw: dict[str, Any]) -> list[InputProblem]:
    with pytest.raises(InputError) as caught:
        validate_product_system(raw, source="test.yaml")
    assert all(p.file == "test.yaml" for p in caught.value.problems)
    return list(caught.value.problems)


def assert_problem(
    raw: dict[str, Any],
    rule: str,
    *,
    field: str | None,
    sheet: str | None = None,
    row: int | None = None,
) -> None:
    found = problems_of(raw)
    matching = [p for p in found if rule in p.rule]
    assert matching, f"no problem with {rule!r} in {[str(p) for p in found]}"
    assert any((p.field, p.sheet, p.row) == (field, sheet, row) for p in matching), [
        str(p) for p in matching
    ]


def ex(n: int) -> str:
    """Path of exchange number ``n`` (from 1) of the one process."""
    return f"processes.0.exchanges.{n - 1}"


P = "process make"


def test_base_is_valid() -> None:
    system = validate_product_system(base())
    assert system.gwp_set == "gwp-ipcc-ar6"
    assert system.amounts() == {"make": (1.0, 1.1, 2.0, 0.5)}
    assert system.electricity_choices()["power"].basis is ElectricityBasis.LOCATION_BASED
    assert system.providers()["steel"].kind == "background"
    assert system.providers()["power"].kind == "electricity"


# --- one exchange -----------------------------------------------------------------------------

EXCHANGE_RULES = [
    ({f"{ex(2)}.product": DELETE}, "names its product", "product", 2),
    ({f"{ex(4)}.flow": DELETE}, "names its elementary flow", "flow", 4),
    ({f"{ex(4)}.product": "steel"}, "has no product", "product", 4),
    ({f"{ex(2)}.amount": 3}, "either amount or formula", "amount", 2),
    ({f"{ex(4)}.amount": -0.5}, "not signed", "amount", 4),
    ({f"{ex(4)}.unit": "kgg"}, "unknown unit", "unit", 4),
    ({f"{ex(2)}.formula": "__import__('os')"}, "is not allowed", "formula", 2),
    ({f"{ex(2)}.formula": "loss = 1"}, "without '='", "formula", 2),
    (
        {f"{ex(4)}.uncertainty": {"type": 3, "scale": 0.1}, f"{ex(4)}.basic_uncertainty": 1.05},
        "not both",
        "basic_uncertainty",
        4,
    ),
    (
        {f"{ex(4)}.data_quality": [1, 2, 3, 4, 5]},
        "basic uncertainty factor",
        "basic_uncertainty",
        4,
    ),
    (
        {f"{ex(4)}.data_quality": [1, 2, 3, 4, 6]},
        "less than or equal to 5",
        "data_quality.technological",
        4,
    ),
    ({f"{ex(4)}.data_quality": [1, 2]}, "five scores", "data_quality", 4),
    ({f"{ex(4)}.basic_uncertainty": 0.9}, "greater than or equal to 1", "basic_uncertainty", 4),
    ({f"{ex(4)}.uncertainty": {"type": 2}}, "needs a scale", "uncertainty.scale", 4),
    (
        {f"{ex(4)}.uncertainty": {"type": 2, "scale": 0.1, "loc": 1.0}},
        "ln|amount|",
        "uncertainty.loc",
        4,
    ),
    (
        {f"{ex(4)}.uncertainty": {"type": 4, "minimum": 1, "maximum": 2}},
        "below minimum",
        "uncertainty.minimum",
        4,
    ),
    (
        {f"{ex(4)}.uncertainty": {"type": 4, "minimum": 1}},
        "minimum and maximum",
        "uncertainty.minimum",
        4,
    ),
    ({f"{ex(4)}.uncertainty": {"type": 7}}, "Input should be", "uncertainty.type", 4),
    ({f"{ex(4)}.electricity": {"basis": "on_site"}}, "only an input", "electricity", 4),
    ({f"{ex(3)}.unit": "kg"}, "measured in energy", "unit", 3),
    ({f"{ex(2)}.secondary": True}, "names its material", "material", 2),
    ({f"{ex(4)}.material": "steel"}, "inputs only", "secondary", 4),
    ({f"{ex(2)}.eol_recycling": True}, "only an avoided product", "eol_recycling", 2),
    (
        {f"{ex(3)}.electricity": {"basis": "location_based"}},
        "names its grid factor",
        "electricity.grid_factor",
        3,
    ),
    (
        {
            f"{ex(3)}.electricity": {
                "basis": "green_certificate",
                "emission_factor": 0,
                "emission_factor_unit": "kgCO2e/kWh",
                "instrument": "GEC-1",
            }
        },
        "needs its evidence",
        "electricity.evidence",
        3,
    ),
    (
        {
            f"{ex(3)}.electricity": {
                "basis": "supplier_specific",
                "instrument": "PPA-1",
                "evidence": "contract",
            }
        },
        "needs the emission_factor",
        "electricity.emission_factor",
        3,
    ),
    (
        {
            f"{ex(3)}.electricity": {
                "basis": "supplier_specific",
                "instrument": "PPA-1",
                "evidence": "contract",
                "emission_factor": 0.1,
                "emission_factor_unit": "kg/t",
            }
        },
        "GHG mass per energy",
        "electricity.emission_factor_unit",
        3,
    ),
    ({f"{ex(4)}.colour": "red"}, "Extra inputs are not permitted", "colour", 4),
]


@pytest.mark.parametrize(("changes", "rule", "field", "row"), EXCHANGE_RULES)
def test_exchange_rule(changes: dict[str, Any], rule: str, field: str, row: int) -> None:
    raw = base()
    for path, value in changes.items():
        _set(raw, path, value)
    assert_problem(raw, rule, field=field, sheet=P, row=row)


def test_every_problem_of_every_exchange_at_once() -> None:
    raw = base()
    _set(raw, f"{ex(2)}.unit", "kgg")
    _set(raw, f"{ex(4)}.amount", -1)
    _set(raw, f"{ex(4)}.unit", "lbz")
    raw["processes"].append(copy.deepcopy(raw["processes"][0]))
    raw["processes"][1]["id"] = "other"
    found = {(p.sheet, p.row, p.field) for p in problems_of(raw)}
    assert {
        (P, 2, "unit"),
        (P, 4, "amount"),
        (P, 4, "unit"),
        ("process other", 2, "unit"),
        ("process other", 4, "amount"),
    } <= found


# --- one process ------------------------------------------------------------------------------


def _two_products(raw: dict[str, Any]) -> None:
    raw["processes"][0]["exchanges"].append(
        {"kind": "production", "product": "offcut", "amount": 0.25, "unit": "kg"}
    )


def test_co_products_need_allocation() -> None:
    raw = base()
    _two_products(raw)
    assert_problem(raw, "needs allocation factors", field="allocation", sheet=P)


def test_allocation_factors_sum_to_one() -> None:
    raw = base()
    _two_products(raw)
    raw["processes"][0]["allocation"] = {
        "method": "physical",
        "basis": "mass",
        "factors": {"widget": 0.8, "offcut": 0.25},
    }
    assert_problem(raw, "sum to 1, not 1.05", field="allocation.factors", sheet=P)


def test_allocation_names_every_co_product() -> None:
    raw = base()
    _two_products(raw)
    raw["processes"][0]["allocation"] = {
        "method": "physical",
        "basis": "mass",
        "factors": {"widget": 0.8, "scrap": 0.2},
    }
    assert_problem(raw, "one factor for each co-product", field="allocation.factors", sheet=P)


def test_economic_allocation_needs_justification() -> None:
    raw = base()
    _two_products(raw)
    raw["processes"][0]["allocation"] = {
        "method": "economic",
        "basis": "price",
        "factors": {"widget": 0.9, "offcut": 0.1},
    }
    assert_problem(raw, "needs a justification", field="allocation.justification", sheet=P)


def test_allocation_factor_applies() -> None:
    raw = base()
    _two_products(raw)
    raw["processes"][0]["allocation"] = {
        "method": "physical",
        "basis": "mass",
        "factors": {"widget": 0.8, "offcut": 0.2},
    }
    process = validate_product_system(raw).process("make")
    assert process.products == ("widget", "offcut")
    assert process.allocation_factor("offcut") == 0.2


def test_allocation_on_a_single_product_is_refused() -> None:
    raw = base()
    raw["processes"][0]["allocation"] = {
        "method": "physical",
        "basis": "mass",
        "factors": {"widget": 1.0},
    }
    assert_problem(raw, "co-products only", field="allocation", sheet=P)


def test_process_makes_something() -> None:
    raw = base()
    _set(raw, f"{ex(1)}.kind", "technosphere")
    assert_problem(raw, "at least one product", field="exchanges", sheet=P)


def test_product_made_twice_by_one_process() -> None:
    raw = base()
    raw["processes"][0]["exchanges"].append(
        {"kind": "production", "product": "widget", "amount": 1, "unit": "kg"}
    )
    assert_problem(raw, "makes this product twice", field="product", sheet=P, row=5)


def test_parameter_rules() -> None:
    raw = base()
    raw["processes"][0]["parameters"] = [
        {"name": "x", "value": 1},
        {"name": "x", "value": 2},
        {"name": "sqrt", "value": 2},
        {"name": "y", "value": 1, "formula": "x"},
    ]
    found = problems_of(raw)
    assert any("function or constant" in p.rule and p.field == "parameters[3].name" for p in found)
    assert any(
        "either value or formula" in p.rule and p.field == "parameters[4].value" for p in found
    )


def test_duplicate_parameter_in_process() -> None:
    raw = base()
    raw["processes"][0]["parameters"] = [{"name": "x", "value": 1}, {"name": "x", "value": 2}]
    assert_problem(raw, "parameter defined twice", field="parameters", sheet=P)


# --- the system -------------------------------------------------------------------------------

SYSTEM_RULES: list[tuple[dict[str, Any], str, str | None, str | None, int | None]] = [
    ({"reference_process": "nope"}, "no process has this id", "reference_process", None, None),
    ({"reference_product": "steel"}, "does not make it", "reference_product", None, None),
    (
        {"reference_flow.unit": "m**2"},
        "another kind of quantity",
        "reference_flow.unit",
        None,
        None,
    ),
    ({"functional_unit.kind": "functional"}, "declared unit", "functional_unit.kind", None, None),
    ({"stages": ["production"]}, "no more, no less", "stages", None, None),
    ({"processes.0.stage": "use"}, "outside the system boundary", "stage", P, None),
    ({f"{ex(4)}.stage": "end_of_life"}, "outside the system boundary", "stage", P, 4),
    ({f"{ex(2)}.product": "iron"}, "no provider", "product", P, 2),
    ({f"{ex(2)}.unit": "m**3"}, "provided in 'kg'", "unit", P, 2),
    ({f"{ex(4)}.flow": "ch4"}, "no elementary flow", "flow", P, 4),
    ({f"{ex(4)}.unit": "kWh"}, "measured in 'kg'", "unit", P, 4),
    ({"gwp_set": "AR7"}, "not a GWP set", "gwp_set", None, None),
    ({"flows.0.gas": "XYZ"}, "has no GWP for this gas", "gas", "flows", 1),
    ({"flows.0.cas": "124-38-8"}, "check digit", "cas", "flows", 1),
    ({"flows.0.unit": "kgg"}, "unknown unit", "unit", "flows", 1),
    (
        {f"{ex(3)}.electricity.grid_factor": "cn-grid-ef-2022/x"},
        "no factor with this id",
        "electricity.grid_factor",
        P,
        3,
    ),
    (
        {f"{ex(3)}.electricity.grid_factor": "gwp-ipcc-ar6/gwp/CO2"},
        "not a grid electricity factor",
        "electricity.grid_factor",
        P,
        3,
    ),
    (
        {f"{ex(3)}.electricity": {"basis": "on_site"}},
        "on-site electricity is made by a process",
        "product",
        P,
        3,
    ),
    (
        {"background.0.emission_factor_unit": "kgCO2e/kWh"},
        "CO2e mass per kg",
        "emission_factor_unit",
        "background",
        1,
    ),
    ({"background.0.source": " "}, "name the source", "source", "background", 1),
    ({"period.end": "2023-12-31"}, "ends before it starts", "period.end", None, None),
    ({"parameters.0.formula": "loss * 2"}, "either value or formula", "value", "parameters", 1),
    (
        {"parameters": [{"name": "loss", "formula": "gain"}]},
        "unknown name(s) gain",
        "parameters[1].formula",
        "parameters",
        None,
    ),
    (
        {"parameters": [{"name": "loss", "formula": "a"}, {"name": "a", "formula": "loss"}]},
        "in a circle",
        "parameters",
        "parameters",
        None,
    ),
    (
        {"parameters": [{"name": "loss", "formula": "1 / 0"}]},
        "the formula gives inf",
        "parameters[1].formula",
        "parameters",
        None,
    ),
    ({"parameters.0.value": -3}, "not signed", "formula", P, 2),
    ({f"{ex(2)}.formula": "1 + lost"}, "unknown name(s) lost", "formula", P, 2),
    (
        {"processes.0.parameters": [{"name": "loss", "value": 0.2}]},
        "shadows a system parameter",
        "parameters",
        P,
        None,
    ),
    ({"cut_off.justification": ""}, "at least 1 character", "cut_off.justification", None, None),
    (
        {"recycling": {"method": "avoided_burden"}},
        "must be justified",
        "recycling.justification",
        None,
        None,
    ),
    ({"surprise": 1}, "Extra inputs are not permitted", "surprise", None, None),
    ({"processes": []}, "at least 1 item", "processes", None, None),
]


@pytest.mark.parametrize(("changes", "rule", "field", "sheet", "row"), SYSTEM_RULES)
def test_system_rule(
    changes: dict[str, Any], rule: str, field: str | None, sheet: str | None, row: int | None
) -> None:
    raw = base()
    for path, value in changes.items():
        _set(raw, path, value)
    assert_problem(raw, rule, field=field, sheet=sheet, row=row)


def test_duplicate_ids() -> None:
    raw = base()
    raw["processes"].append(copy.deepcopy(raw["processes"][0]))
    raw["flows"].append(copy.deepcopy(raw["flows"][0]))
    found = problems_of(raw)
    assert any(p.sheet == "processes" and p.field == "id" and p.value == "make" for p in found)
    assert any(p.sheet == "flows" and p.field == "id" and p.value == "co2" for p in found)
    assert any("made by processes make, make" in p.rule for p in found)


def test_background_product_also_made_by_a_process() -> None:
    raw = base()
    raw["background"][0]["product"] = "widget"
    assert_problem(raw, "one provider", field="product", sheet="background", row=1)


def test_bought_electricity_also_made_in_the_system() -> None:
    raw = base()
    raw["processes"].append(
        {
            "id": "pv",
            "name": "rooftop PV",
            "stage": "production",
            "exchanges": [{"kind": "production", "product": "power", "amount": 1, "unit": "kWh"}],
        }
    )
    assert_problem(raw, "own generation is basis on_site", field="electricity", sheet=P, row=3)
    _set(raw, f"{ex(3)}.electricity", {"basis": "on_site"})
    system = validate_product_system(raw)
    assert system.providers()["power"].ref == "pv"


def test_one_electricity_product_one_sourcing() -> None:
    raw = base()
    raw["processes"][0]["exchanges"].append(
        {
            "kind": "technosphere",
            "product": "power",
            "amount": 1,
            "unit": "kWh",
            "electricity": {
                "basis": "location_based",
                "grid_factor": "cn-grid-ef-2022/co2_emission_factor/grid/CN-East",
            },
        }
    )
    raw["processes"][0]["exchanges"].append(
        {"kind": "technosphere", "product": "power", "amount": 1, "unit": "kWh"}
    )
    found = problems_of(raw)
    assert any("sourced differently" in p.rule and p.row == 5 for p in found)
    assert any("repeat the choice here" in p.rule and p.row == 6 for p in found)


def test_contractual_electricity_is_visible() -> None:
    raw = base()
    choice = {
        "basis": "green_certificate",
        "instrument": "GEC-2024-000123",
        "location_factor": "cn-electricity-cfp-2023/carbon_footprint_factor/grid/CN",
        "evidence": "certificate redemption record (illustrative)",
        "emission_factor": 0.0,
        "emission_factor_unit": "kgCO2e/kWh",
    }
    _set(raw, f"{ex(3)}.electricity", choice)
    system = validate_product_system(raw)
    chosen = system.electricity_choices()["power"]
    assert chosen.basis is ElectricityBasis.GREEN_CERTIFICATE
    assert chosen.instrument == "GEC-2024-000123"
    assert ElectricityBasis.GREEN_CERTIFICATE.label_zh.startswith("绿色电力证书")


def test_cradle_to_grave_needs_every_stage_or_a_justified_exclusion() -> None:
    raw = base()
    raw["boundary"] = "cradle_to_grave"
    raw["functional_unit"]["kind"] = "functional"
    raw["stages"] = ["raw_material_acquisition", "production", "distribution", "use"]
    assert_problem(raw, "covers every stage", field="stages")
    raw["stage_exclusions"] = [{"stage": "end_of_life", "justification": "landfill, negligible"}]
    system = validate_product_system(raw)
    assert system.boundary is Boundary.CRADLE_TO_GRAVE
    raw["stage_exclusions"].append({"stage": "use", "justification": "passive product"})
    assert_problem(raw, "both included and excluded", field="stage_exclusions")


def test_cradle_to_gate_takes_no_stage_exclusions() -> None:
    raw = base()
    raw["stage_exclusions"] = [{"stage": "use", "justification": "gate"}]
    assert_problem(raw, "list no stage exclusions", field="stage_exclusions")


def test_cut_off_rules() -> None:
    raw = base()
    raw["cut_off"]["exclusions"] = [
        {"product": "glue", "reason": "tiny", "estimated_share_percent": 2.0},
    ]
    assert_problem(
        raw, "exceeds the 1 % threshold", field="cut_off.exclusions[1].estimated_share_percent"
    )
    # rules across the system are checked once every part is valid
    raw["cut_off"]["exclusions"][0]["estimated_share_percent"] = 0.5
    assert_problem(raw, "no exchange uses this product", field="cut_off.exclusions[1].product")
    raw["cut_off"]["exclusions"] = [
        {"product": "steel", "reason": "tiny", "estimated_share_percent": 0.5},
    ]
    assert_problem(raw, "also has a provider", field="cut_off.exclusions[1].product")
    raw["cut_off"]["total_percent"] = 0.5
    raw["cut_off"]["exclusions"] = [
        {"product": f"item{i}", "reason": "tiny", "estimated_share_percent": 0.3} for i in range(3)
    ]
    assert_problem(raw, "threshold exceeds the total", field="cut_off.threshold_percent")
    assert_problem(raw, "add up to 0.9 %", field="cut_off.exclusions")


def test_cut_off_exclusion_provides_the_product() -> None:
    raw = base()
    raw["processes"][0]["exchanges"].append(
        {"kind": "technosphere", "product": "glue", "amount": 0.001, "unit": "kg"}
    )
    assert_problem(raw, "no provider", field="product", sheet=P, row=5)
    raw["cut_off"]["exclusions"] = [
        {"product": "glue", "reason": "0.1 % of mass", "estimated_share_percent": 0.1}
    ]
    assert validate_product_system(raw).providers()["glue"].kind == "cut_off"


def _eol_credit(raw: dict[str, Any]) -> None:
    raw["boundary"] = "cradle_to_grave"
    raw["functional_unit"]["kind"] = "functional"
    raw["stages"] = [s.value for s in Stage]
    raw["background"].append(
        {
            "product": "primary_steel",
            "unit": "kg",
            "emission_factor": 2.2,
            "emission_factor_unit": "kgCO2e/kg",
            "source": "illustrative",
        }
    )
    raw["processes"].append(
        {
            "id": "eol",
            "name": "end of life",
            "stage": "end_of_life",
            "exchanges": [
                {"kind": "production", "product": "widget_disposal", "amount": 1, "unit": "kg"},
                {
                    "kind": "avoided_product",
                    "product": "primary_steel",
                    "amount": 0.8,
                    "unit": "kg",
                    "eol_recycling": True,
                },
            ],
        }
    )


def test_cut_off_refuses_an_end_of_life_recycling_credit() -> None:
    raw = base()
    _eol_credit(raw)
    assert_problem(
        raw,
        "no credit for end-of-life recycling",
        field="eol_recycling",
        sheet="process eol",
        row=2,
    )


def test_avoided_burden_allows_the_credit_when_justified() -> None:
    raw = base()
    _eol_credit(raw)
    raw["recycling"] = {"method": "avoided_burden", "justification": "closed-loop steel"}
    system = validate_product_system(raw)
    assert system.providers()["primary_steel"].kind == "background"


def test_formulas_parameters_and_overrides() -> None:
    raw = base()
    raw["parameters"] = [
        {"name": "loss", "formula": "scrap / (1 - scrap)"},
        {"name": "scrap", "value": 0.2},
    ]
    system = validate_product_system(raw)
    assert system.parameter_values()["loss"] == pytest.approx(0.25)
    assert system.amounts()["make"][1] == pytest.approx(1.25)
    assert system.amounts({"scrap": 0.5})["make"][1] == pytest.approx(2.0)
    with pytest.raises(InputError, match="no system parameter of this name"):
        system.amounts({"nope": 1.0})
    with pytest.raises(InputError, match="not signed"):
        system.amounts({"scrap": 3.0})


def test_process_parameters_see_system_parameters() -> None:
    raw = base()
    raw["processes"][0]["parameters"] = [{"name": "mass", "formula": "2 * (1 + loss)"}]
    _set(raw, f"{ex(2)}.formula", "mass / 2")
    assert validate_product_system(raw).amounts()["make"][1] == pytest.approx(1.1)


def test_recycled_content_per_material() -> None:
    raw = base()
    raw["background"].append(
        {
            "product": "scrap_steel",
            "unit": "kg",
            "emission_factor": 0.4,
            "emission_factor_unit": "kgCO2e/kg",
            "source": "illustrative",
        }
    )
    _set(raw, f"{ex(2)}.material", "steel")
    raw["processes"][0]["exchanges"].append(
        {
            "kind": "technosphere",
            "product": "scrap_steel",
            "amount": 400,
            "unit": "g",
            "material": "steel",
            "secondary": True,
        }
    )
    # 1.1 kg primary + 0.4 kg secondary: 0.4 / 1.5
    shares = validate_product_system(raw).recycled_content("make")
    assert shares == {"steel": pytest.approx(0.4 / 1.5)}


def test_resolved_uncertainty_from_pedigree() -> None:
    exchange = Exchange.model_validate(
        {
            "kind": "emission",
            "flow": "co2",
            "amount": 0.5,
            "unit": "kg",
            "data_quality": [2, 3, 1, 2, 4],
            "basic_uncertainty": 1.05,
        }
    )
    resolved = exchange.resolved_uncertainty(0.5)
    assert resolved.type is UncertaintyType.LOGNORMAL
    assert resolved.loc == pytest.approx(math.log(0.5))
    assert resolved.scale == pytest.approx(lognormal_sigma((2, 3, 1, 2, 4), 1.05))
    assert resolved.as_stats_arrays()["uncertainty_type"] == 2
    bare = exchange.model_copy(update={"data_quality": None})
    assert bare.resolved_uncertainty(0.5).scale == pytest.approx(0.5 * math.log(1.05))
    exact = exchange.model_copy(update={"data_quality": None, "basic_uncertainty": None})
    assert exact.resolved_uncertainty(0.5).type is UncertaintyType.UNDEFINED
    assert exchange.resolved_uncertainty(0.0).type is UncertaintyType.UNDEFINED


def test_explicit_uncertainty_wins_and_gets_its_loc() -> None:
    exchange = Exchange.model_validate(
        {
            "kind": "emission",
            "flow": "co2",
            "amount": 2.0,
            "unit": "kg",
            "data_quality": [2, 3, 1, 2, 4],
            "uncertainty": {"type": 3, "scale": 0.1},
        }
    )
    resolved = exchange.resolved_uncertainty(2.0)
    assert (resolved.type, resolved.loc, resolved.scale) == (UncertaintyType.NORMAL, 2.0, 0.1)
    row = resolved.as_stats_arrays()
    assert math.isnan(row["minimum"])  # type: ignore[arg-type]


def test_primary_data_share() -> None:
    assert primary_data_share([(True, 30.0), (False, 10.0), (True, -10.0)]) == pytest.approx(80.0)
    assert primary_data_share([]) == 0.0


def test_stage_labels_and_cas() -> None:
    assert Stage.END_OF_LIFE.label_zh == "生命末期"
    assert Stage.RAW_MATERIAL_ACQUISITION.label("en") == "Raw material acquisition"
    assert Boundary.CRADLE_TO_GATE.stages == (Stage.RAW_MATERIAL_ACQUISITION, Stage.PRODUCTION)
    assert cas_is_valid("7783-54-2")  # NF3
    assert cas_is_valid("74-82-8")  # CH4
    assert not cas_is_valid("74-82-9")
    assert not cas_is_valid("CO2")


def test_models_are_frozen() -> None:
    system = validate_product_system(base())
    with pytest.raises(ValueError, match="frozen"):
        system.geography = "US"  # type: ignore[misc]
    assert isinstance(system, ProductSystem)


def test_background_supply_uncertainty_from_pedigree() -> None:
    raw = base()
    raw["background"][0]["data_quality"] = [4, 3, 2, 2, 3]
    raw["background"][0]["basic_uncertainty"] = 1.05
    supply = validate_product_system(raw).background[0]
    resolved = supply.resolved_uncertainty()
    assert resolved.type is UncertaintyType.LOGNORMAL
    assert resolved.loc == pytest.approx(math.log(2.0))
    # (ln √1.05)² + 0.008 + 0.0006 + 0.0002 + 0.000025 + 0.008 = 0.00059512 + 0.016825
    assert resolved.scale == pytest.approx(math.sqrt(0.01742012), rel=1e-6)
    raw["background"][0]["basic_uncertainty"] = None
    assert_problem(
        raw, "basic uncertainty factor U_b", field="basic_uncertainty", sheet="background", row=1
    )
