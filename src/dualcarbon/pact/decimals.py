"""PACT decimals: numbers written as JSON strings (``"0.384"``), never in exponent notation.

>>> decimal_string(69.63194132593111)
'69.6319'
>>> decimal_string(4.6e-05)
'0.000046'
>>> decimal_string(-0.0)
'0'
"""

from __future__ import annotations

import math
from decimal import Decimal

SIGNIFICANT = 6
"""Significant digits of a published quantity: far beyond what the data support, short enough to
read (the PACT examples print three)."""


def decimal_string(value: float, significant: int = SIGNIFICANT) -> str:
    """``value`` rounded to ``significant`` digits as a plain decimal string."""
    if not math.isfinite(value):
        raise ValueError(f"a PACT decimal is finite, not {value}")
    if value == 0.0:
        return "0"
    rounded = Decimal(f"{value:.{significant - 1}e}")
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def places_string(value: float, places: int) -> str:
    """``value`` rounded to ``places`` decimal places, trailing zeros dropped (DQRs, shares)."""
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
