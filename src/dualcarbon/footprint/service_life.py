r"""Functional units over a product's service life: energy a battery delivers, power and energy of a
PV module, and a footprint per such unit.

A carbon footprint is computed for one product (one battery pack, one PV module); standards for
energy products express it per unit of the service the product gives over its life. Each function
here is one formula of a standard or guideline, with its symbols and units.

* **EV batteries** — Regulation (EU) 2023/1542, Art. 7 and Annex II, and the JRC rules for the
  carbon footprint of EV batteries (CFB-EV; Andreasi Bassi et al., JRC 2023) on which the draft
  delegated act builds: the functional unit is 1 kWh of the total energy the battery delivers
  over its service life, :math:`E_\mathrm{total} = C_\mathrm{usable} \cdot
  \mathrm{FEqC}_\mathrm{year} \cdot L`, with the full equivalent cycles per year set by vehicle
  category (:data:`FEQC_PER_YEAR`) and :math:`L` the warranty in years.
* **PV modules** — power at standard test conditions (IEC 60904-3: 1000 W/m², 25 °C, AM1.5),
  :math:`P_\mathrm{STC} = A \cdot \eta \cdot G_\mathrm{STC}`, and the energy a module generates
  over its life with linear degradation, the quantity the IEA PVPS Task 12 methodology guidelines
  ask a PV LCA to report against (with irradiation, performance ratio, lifetime and degradation
  stated).

References
----------
Regulation (EU) 2023/1542 on batteries and waste batteries, Art. 7, Annex II.
Andreasi Bassi et al. (2023): Rules for the calculation of the Carbon Footprint of Electric
Vehicle Batteries (CFB-EV). European Commission, Joint Research Centre.
Frischknecht R, Heath G, Raugei M, et al. (2016): Methodology Guidelines on Life Cycle Assessment
of Photovoltaic Electricity, 3rd ed., IEA PVPS Task 12, Report IEA-PVPS T12-08:2016.
Jordan D C, Kurtz S R (2013): Photovoltaic degradation rates — an analytical review. Progress in
Photovoltaics 21, 12–29 (median of about 2000 reported rates: 0.5 %/year).
IEC 60904-3: Photovoltaic devices — Part 3: measurement principles with reference spectral
irradiance data (standard test conditions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

FEQC_PER_YEAR: Mapping[str, int] = MappingProxyType(
    {"M1": 60, "N1": 60, "L": 20, "M2": 250, "M3": 250, "N2": 250, "N3": 250}
)
"""Full equivalent cycles per year by vehicle category in the draft EV-battery delegated act
(CFB-EV): passenger cars and light commercial vehicles (M1, N1) 60, L-category vehicles 20,
buses and lorries (M2, M3, N2, N3) 250 [cycles/year]."""

G_STC = 1.0
"""Irradiance at standard test conditions [kW/m²] (IEC 60904-3: 1000 W/m²)."""


def _positive(**values: float) -> None:
    for name, value in values.items():
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite number > 0, not {value!r}")


def battery_total_energy(
    usable_capacity: float, feqc_per_year: float, service_life: float
) -> float:
    r"""Total energy a battery delivers over its service life [kWh] (CFB-EV functional unit).

    .. math::

        E_\mathrm{total} = C_\mathrm{usable} \cdot \mathrm{FEqC}_\mathrm{year} \cdot L

    Parameters
    ----------
    usable_capacity
        :math:`C_\mathrm{usable}`, usable energy capacity at the beginning of life [kWh].
    feqc_per_year
        :math:`\mathrm{FEqC}_\mathrm{year}`, full equivalent cycles per year [1/year]; see
        :data:`FEQC_PER_YEAR` for the values by vehicle category.
    service_life
        :math:`L`, service life [year]: the warranty in years (a warranty in km converted to
        years, the shorter of the two).

    >>> battery_total_energy(75, FEQC_PER_YEAR["M1"], 8)
    36000.0
    """
    _positive(
        usable_capacity=usable_capacity, feqc_per_year=feqc_per_year, service_life=service_life
    )
    return float(usable_capacity * feqc_per_year * service_life)


def footprint_per_unit(footprint: float, units: float) -> float:
    r"""A product's footprint per unit of the service it gives over its life [kgCO2e/unit].

    .. math::

        \mathrm{CF}_\mathrm{FU} = \frac{\mathrm{CF}_\mathrm{product}}{E}

    ``footprint`` is :math:`\mathrm{CF}_\mathrm{product}` [kgCO2e per product], ``units`` the
    service one product gives, :math:`E` [kWh delivered, kWp rated, kWh generated …].

    >>> footprint_per_unit(5400.0, 36000.0)
    0.15
    """
    _positive(units=units)
    if not math.isfinite(footprint):
        raise ValueError(f"footprint must be finite, not {footprint!r}")
    return footprint / units


def pv_module_power_stc(area: float, efficiency: float, irradiance: float = G_STC) -> float:
    r"""Module power at standard test conditions [kWp].

    .. math::

        P_\mathrm{STC} = A \cdot \eta \cdot G_\mathrm{STC}

    Parameters
    ----------
    area
        :math:`A`, module area [m²].
    efficiency
        :math:`\eta`, module efficiency at STC [dimensionless, 0 < η < 1].
    irradiance
        :math:`G_\mathrm{STC}` [kW/m²], 1 by IEC 60904-3.

    >>> round(pv_module_power_stc(2.0, 0.21), 6)
    0.42
    """
    _positive(area=area, efficiency=efficiency, irradiance=irradiance)
    if efficiency >= 1:
        raise ValueError(f"efficiency is a fraction below 1, not {efficiency!r}")
    return area * efficiency * irradiance


def pv_degradation_sum(lifetime: int, degradation: float) -> float:
    r"""Lifetime output in years of first-year output, with linear degradation [year].

    .. math::

        S = \sum_{t=1}^{L} \bigl(1 - d\,(t-1)\bigr) = L - d\,\frac{L(L-1)}{2}

    ``lifetime`` :math:`L` [year, whole], ``degradation`` :math:`d` [1/year], the loss of
    output per year as a fraction of the first year's (Jordan & Kurtz: median 0.005).

    >>> pv_degradation_sum(30, 0.005)
    27.825
    """
    if lifetime < 1 or int(lifetime) != lifetime:
        raise ValueError(f"lifetime is a whole number of years ≥ 1, not {lifetime!r}")
    if not (math.isfinite(degradation) and 0 <= degradation * (lifetime - 1) < 1):
        raise ValueError(
            f"degradation {degradation!r} must be ≥ 0 and leave output above 0 in the last year"
        )
    return lifetime - degradation * lifetime * (lifetime - 1) / 2


def pv_lifetime_energy(
    power: float, specific_yield: float, lifetime: int, degradation: float
) -> float:
    r"""Energy a PV module generates over its life [kWh].

    .. math::

        E_\mathrm{life} = P_\mathrm{STC} \cdot Y_\mathrm{f} \cdot
        \sum_{t=1}^{L} \bigl(1 - d\,(t-1)\bigr)

    Parameters
    ----------
    power
        :math:`P_\mathrm{STC}` [kWp].
    specific_yield
        :math:`Y_\mathrm{f}`, first-year final yield [kWh/(kWp·year)] — in-plane irradiation
        [kWh/m²] × performance ratio / :math:`G_\mathrm{STC}`, or measured full-load hours.
    lifetime
        :math:`L` [year]; IEA PVPS Task 12 recommends 30 years for mature module technologies.
    degradation
        :math:`d` [1/year], linear.

    >>> pv_lifetime_energy(1.0, 1000.0, 30, 0.005)
    27825.0
    """
    _positive(power=power, specific_yield=specific_yield)
    return power * specific_yield * pv_degradation_sum(lifetime, degradation)
