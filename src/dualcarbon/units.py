"""The one unit registry of dualcarbon, with the units Chinese standards use.

Every quantity in the package is built from :data:`ureg`. Chinese spellings that pint cannot parse
(万kWh, 万Nm³, 10⁴Nm³, tCO₂e) are rewritten to registry names before parsing, so input files may use
them as printed in the standards.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import pint

from dualcarbon.errors import UnitMismatchError, UnknownUnitError

_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(万|10\^4\s*|10\*\*4\s*|10⁴\s*|1e4\s*)(Nm3|Nm³|Nm\^3|Nm\*\*3)", "wan_Nm3"),
        (r"(万|10\^4\s*|10\*\*4\s*|10⁴\s*|1e4\s*)kWh", "wan_kWh"),
        (r"万\s*tce", "wan_tce"),
        (r"万\s*tCO2e", "wan_tCO2e"),
        (r"万\s*t\b", "wan_t"),
        (r"Nm³|Nm\^3|Nm\*\*3", "Nm3"),
        (r"CO₂", "CO2"),
        (r"m³", "m**3"),
        (r"\bm3\b", "m**3"),
        (r"吨", "t"),
        (r"%", "percent"),
    )
)


def _rewrite_chinese_spellings(text: str) -> str:
    for pattern, replacement in _SPELLINGS:
        text = pattern.sub(replacement, text)
    return text


def _build_registry() -> pint.UnitRegistry:
    registry: pint.UnitRegistry = pint.UnitRegistry(
        preprocessors=[_rewrite_chinese_spellings],
        autoconvert_offset_to_baseunit=True,
        cache_folder=None,
    )
    definitions = resources.files("dualcarbon").joinpath("units.txt")
    with resources.as_file(definitions) as path:
        registry.load_definitions(str(path))
    return registry


ureg: pint.UnitRegistry = _build_registry()
Quantity = ureg.Quantity
Unit = ureg.Unit


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> Any:
    """Parse a unit as printed in a standard or an input file (``万Nm³``, ``GJ/t``, ``tC/GJ``).
    Units are immutable, so a spelling is parsed once."""
    try:
        return ureg.parse_units(text)
    except (
        pint.errors.UndefinedUnitError,
        pint.errors.DefinitionSyntaxError,
        AttributeError,
        TypeError,
        ValueError,
    ) as exc:
        raise UnknownUnitError(text) from exc


def conversion_factor(from_unit: str, to_unit: str, *, quantity_name: str = "value") -> float:
    """Multiplier taking a number in ``from_unit`` to ``to_unit``.

    Raises :class:`UnitMismatchError` when the dimensions differ (t where GJ is required), so a unit
    mistake is never silently turned into a wrong number.
    """
    factor = _factor(from_unit, to_unit)
    if factor is None:
        raise UnitMismatchError(quantity_name, from_unit, to_unit)
    return factor


@lru_cache(maxsize=8192)
def _factor(from_unit: str, to_unit: str) -> float | None:
    """The multiplier, or None across dimensions; cached, since pint's conversion costs tens of
    microseconds and a large product system converts the same few pairs thousands of times."""
    source = parse_unit(from_unit)
    target = parse_unit(to_unit)
    if source.dimensionality != target.dimensionality:
        return None
    return float(ureg.Quantity(1.0, source).to(target).magnitude)


@lru_cache(maxsize=8192)
def same_dimension(unit_a: str, unit_b: str) -> bool:
    """True when the two units measure the same kind of quantity."""
    return bool(parse_unit(unit_a).dimensionality == parse_unit(unit_b).dimensionality)
