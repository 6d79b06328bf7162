"""CO2 mass emission of a stack from CEMS hourly means: flue-gas flow to standard conditions on
a dry basis, CO2 volume fraction to mass concentration, and the mass per hour.

Each function is one formula, in the units of :mod:`.schema`. The batch pipeline's SQL
(``sql/04_hour_mass.sql``) computes the same expressions; ``tests/cems/test_mass.py`` checks the
two agree.

Standard conditions (标准状态) are 273.15 K and 101.325 kPa, as HJ 75-2017 and GB/T 16157-1996
define them for flue gas; "dry" means with the water vapour removed (干烟气).

References
----------
.. [1] HJ 75-2017 固定污染源烟气（SO2、NOx、颗粒物）排放连续监测技术规范, the conversion of the
   stack-condition flow to dry standard flow (Q_sn) and of the emission rate. Recalled, not
   checked against the text here (no copy reachable): confidence medium.
.. [2] GB/T 16157-1996 固定污染源排气中颗粒物测定与气态污染物采样方法, §7 (排气流量), the
   same Q_sn formula with 273 K and (B_a + P_s)/101 325 Pa. Recalled: confidence medium.
.. [3] Molar volume of an ideal gas at 273.15 K and 101.325 kPa, 22.413 969 54 L/mol (CODATA
   2018); molar mass of CO2 44.009 g/mol (IUPAC standard atomic weights, C 12.011, O 15.999).
"""

from __future__ import annotations

T0_K = 273.15
"""Standard temperature [K]."""

P0_KPA = 101.325
"""Standard pressure [kPa]."""

M_CO2_G_PER_MOL = 44.01
"""Molar mass of CO2 [g/mol] (44.009, rounded as the CEMS literature uses it)."""

V_M_L_PER_MOL = 22.4
"""Molar volume at 273.15 K, 101.325 kPa [L/mol], as HJ 75-2017 converts µmol/mol to mg/m³
(M/22.4: SO2 64/22.4 = 2.86). The one molar volume of the CEMS code: the HJ 212 receiver's
mg/m³ ↔ % conversion, the pipeline's SQL and the uncertainty all use it, so a logger's value
goes and comes back exactly (docs/decisions/0016-cems-molar-volume.md)."""

CO2_DENSITY_KG_PER_M3 = M_CO2_G_PER_MOL / V_M_L_PER_MOL
"""Density of CO2 at standard conditions [kg/m³] = 1.964 73 (44.01/22.4)."""


def standard_dry_flow(flow: float, temperature: float, pressure: float, moisture: float) -> float:
    """Flue-gas flow at standard conditions, dry basis, from the flow at stack conditions.

    .. math::

        Q_{sn} = Q_s \\cdot \\frac{273.15}{273.15 + t_s} \\cdot \\frac{p_s}{101.325}
                 \\cdot (1 - X_{sw})

    Parameters
    ----------
    flow
        Q_s, wet flue-gas flow at stack temperature and pressure [m³/h].
    temperature
        t_s, flue-gas temperature [°C].
    pressure
        p_s, flue-gas absolute pressure (atmospheric plus static) [kPa].
    moisture
        X_sw, water vapour volume fraction [% vol].

    Returns
    -------
    float
        Q_sn [m³/h] at 273.15 K, 101.325 kPa, dry.

    References
    ----------
    HJ 75-2017 (Q_sn, with 273 and (B_a+P_s)/101325) and GB/T 16157-1996 §7; this function
    uses 273.15 K and kPa, which differs from "273" by under 0.06 % at 130 °C.

    Examples
    --------
    >>> round(standard_dry_flow(1_500_000.0, 130.0, 101.0, 8.0))
    932005
    """
    return flow * T0_K / (T0_K + temperature) * pressure / P0_KPA * (1.0 - moisture / 100.0)


def co2_mass_concentration(co2: float) -> float:
    """CO2 mass concentration at standard conditions from its dry volume fraction.

    .. math::

        c_{CO_2} = \\frac{\\varphi_{CO_2}}{100} \\cdot \\frac{M_{CO_2}}{V_m} \\cdot 10^6

    Parameters
    ----------
    co2
        φ, CO2 volume fraction, dry basis [% vol].

    Returns
    -------
    float
        c [mg/m³] (dry, 273.15 K, 101.325 kPa); 1 % vol is 19 647.3 mg/m³.

    References
    ----------
    Ideal-gas conversion M/V_m (HJ 75-2017 converts µmol/mol to mg/m³ by M/22.4, recalled);
    M = 44.01 g/mol, V_m = 22.4 L/mol (:data:`V_M_L_PER_MOL`).

    Examples
    --------
    >>> round(co2_mass_concentration(1.0))
    19647
    """
    return co2 / 100.0 * CO2_DENSITY_KG_PER_M3 * 1e6


def co2_mass_rate(concentration: float, standard_flow: float) -> float:
    """CO2 mass emitted in one hour from the mass concentration and the dry standard flow.

    .. math::

        E = c \\cdot Q_{sn} \\cdot 10^{-9}

    Parameters
    ----------
    concentration
        c, CO2 mass concentration, dry, standard conditions [mg/m³].
    standard_flow
        Q_sn, flue-gas flow, dry, standard conditions [m³/h].

    Returns
    -------
    float
        E [t/h] (mg → t is 10⁻⁹).

    References
    ----------
    HJ 75-2017 emission rate G = C × Q_sn × 10⁻⁶ [kg/h] (recalled), here in t/h.
    """
    return concentration * standard_flow * 1e-9


def hourly_co2_mass(
    co2: float, flow: float, temperature: float, pressure: float, moisture: float
) -> float:
    """CO2 mass of one hour [t] from the hourly means of the CEMS parameters.

    Composes :func:`standard_dry_flow`, :func:`co2_mass_concentration` and
    :func:`co2_mass_rate`; units as there (co2 [% vol dry], flow [m³/h wet, stack],
    temperature [°C], pressure [kPa], moisture [% vol]).

    Examples
    --------
    >>> round(hourly_co2_mass(12.0, 1_500_000.0, 130.0, 101.0, 8.0), 2)
    219.74
    """
    return co2_mass_rate(
        co2_mass_concentration(co2), standard_dry_flow(flow, temperature, pressure, moisture)
    )
