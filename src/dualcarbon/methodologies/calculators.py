"""The reusable calculators: one formula each, written once, shared by every methodology.

Each function is pure and works element-wise on numbers, numpy arrays, polars Series or polars
expressions, so the accounting engine can evaluate a whole inventory in one vectorised pass.
Units are given in ``[]``; callers convert to them first (``dualcarbon.units``).
"""

from __future__ import annotations

from dualcarbon._typing import Numeric

CO2_PER_CARBON = 44.0 / 12.0
"""Ratio of the molar masses of CO2 and C, 44/12 [tCO2/tC], as every Chinese guideline prints it."""


def carbon_content_from_heat(net_calorific_value: Numeric, carbon_per_heat: Numeric) -> Numeric:
    r"""Carbon content per physical unit from the heat value and the carbon per unit heat.

    .. math:: C_i = NCV_i \times CC_i

    Parameters
    ----------
    net_calorific_value : NCV_i, 低位发热量 [GJ/t] or [GJ/10^4 Nm3]
    carbon_per_heat : CC_i, 单位热值含碳量 [tC/GJ]

    Returns
    -------
    C_i, 含碳量 [tC/t] or [tC/10^4 Nm3]

    References
    ----------
    「企业温室气体排放核算与报告指南 发电设施」(环办气候函〔2022〕485号), 元素碳未实测时的
    含碳量计算; GB/T 32150 燃料燃烧排放 (EF = CC × OF × 44/12, with CC per unit heat).
    Equation numbers are not cited: the texts could not be read (docs/reference/).
    """
    return net_calorific_value * carbon_per_heat


def fuel_combustion_co2(
    consumption: Numeric, carbon_content: Numeric, oxidation_rate: Numeric
) -> Numeric:
    r"""CO2 from burning a fuel.

    .. math:: E_i = FC_i \times C_i \times OF_i \times \frac{44}{12}

    Parameters
    ----------
    consumption : FC_i, 燃料消耗量 [t] or [10^4 Nm3]
    carbon_content : C_i, 含碳量 per the same physical unit [tC/t] or [tC/10^4 Nm3]
    oxidation_rate : OF_i, 碳氧化率 [-]

    Returns
    -------
    E_i [tCO2]

    References
    ----------
    「企业温室气体排放核算与报告指南 发电设施」(环办气候函〔2022〕485号), 化石燃料燃烧排放;
    GB/T 32150 燃料燃烧排放 (AD = FC × NCV, EF = CC × OF × 44/12, which is the same product).
    """
    return consumption * carbon_content * oxidation_rate * CO2_PER_CARBON


def as_received_from_air_dried(
    air_dried_value: Numeric, moisture_as_received: Numeric, moisture_air_dried: Numeric
) -> Numeric:
    r"""Convert a coal analysis from air-dried basis (ad) to as-received basis (ar).

    .. math:: C_{ar} = C_{ad} \times \frac{100 - M_{ar}}{100 - M_{ad}}

    Parameters
    ----------
    air_dried_value : C_ad, 空气干燥基元素碳含量 [%] or [-]
    moisture_as_received : M_ar, 收到基水分 [%]
    moisture_air_dried : M_ad, 空气干燥基水分 [%]

    References
    ----------
    GB/T 483-2007 煤炭分析试验方法一般规定, 表 (不同基的换算公式); applied by the power guideline
    to element carbon content reported on another basis.
    """
    return air_dried_value * (100.0 - moisture_as_received) / (100.0 - moisture_air_dried)


def as_received_from_dry(dry_value: Numeric, moisture_as_received: Numeric) -> Numeric:
    r"""Convert a coal analysis from dry basis (d) to as-received basis (ar).

    .. math:: C_{ar} = C_{d} \times \frac{100 - M_{ar}}{100}

    References
    ----------
    GB/T 483-2007, basis conversion table.
    """
    return dry_value * (100.0 - moisture_as_received) / 100.0


def indirect_co2(activity: Numeric, emission_factor: Numeric) -> Numeric:
    r"""CO2 attributed to electricity or heat bought or sold.

    .. math:: E = AD \times EF

    Parameters
    ----------
    activity : AD, 购入/输出的电量 [MWh] or 热量 [GJ]
    emission_factor : EF [tCO2/MWh] or [tCO2/GJ]

    References
    ----------
    「发电设施」指南, 购入电力排放; GB/T 32150 购入/输出的电力和热力.
    """
    return activity * emission_factor


def process_emission(activity: Numeric, emission_factor: Numeric) -> Numeric:
    r"""Process emission of one gas from one process: activity times emission factor.

    .. math:: E_{过程} = AD \times EF

    References
    ----------
    GB/T 32150 过程排放.
    """
    return activity * emission_factor


def co2_recovered(volume: Numeric, purity: Numeric, density: Numeric) -> Numeric:
    r"""CO2 recovered and supplied for use or storage.

    .. math:: R_{CO_2} = Q \times PUR_{CO_2} \times \rho_{CO_2}

    Parameters
    ----------
    volume : Q, 回收的 CO2 气体体积 [10^4 Nm3]
    purity : PUR, CO2 体积浓度 [-]
    density : ρ, CO2 在标准状况下的密度 [t/10^4 Nm3] (19.77)

    References
    ----------
    The NDRC 2013–2015 industry guidelines (CO2 回收利用量), as GB/T 32150-2015 applies it.
    """
    return volume * purity * density


def to_co2e(mass: Numeric, global_warming_potential: Numeric) -> Numeric:
    r"""CO2 equivalent of a mass of gas: :math:`E_{CO_2e} = m \times GWP` [tCO2e]."""
    return mass * global_warming_potential


def heat_share(emission: Numeric, heat_ratio: Numeric) -> Numeric:
    r"""Emissions attributed to heat supply: :math:`E_{热} = E \times \alpha` [tCO2].

    ``heat_ratio`` is the unit's 供热比 α [-]. The remainder, :math:`E \times (1 - \alpha)`, is
    attributed to power supply. (Split as in the power guideline's intensity reporting; clause
    wording UNVERIFIED, docs/reference/power-guideline.md.)
    """
    return emission * heat_ratio


def intensity(emission: Numeric, output: Numeric) -> Numeric:
    r"""Emission intensity: emissions per unit of product, e.g. 供电碳排放强度 [tCO2/MWh]."""
    return emission / output


def standard_coal(energy_gj: Numeric) -> Numeric:
    r"""Standard coal equivalent of an energy amount: :math:`B = Q / 29.3076` [tce] for Q in [GJ].

    References
    ----------
    GB/T 2589-2020: 1 kgce = 29 307.6 kJ.
    """
    return energy_gj / 29.3076


def load_factor(generation: Numeric, capacity: Numeric, operating_hours: Numeric) -> Numeric:
    r"""负荷率: :math:`generation / (capacity × hours)` [-]; generation [MWh], capacity [MW]."""
    return generation / (capacity * operating_hours)
