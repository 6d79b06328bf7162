"""Sustainability disclosure, climate part: the greenhouse-gas metrics of IFRS S2 paragraph 29(a)
and of China's corporate sustainability disclosure standard on climate, generated from the same
accounted results as the carbon-market report (issue 17, item 3; docs/disclosure.md)."""

from dualcarbon.disclosure.climate import ClimateDisclosure, climate_disclosure

__all__ = ["ClimateDisclosure", "climate_disclosure"]
