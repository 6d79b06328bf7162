"""Plausibility rules for CEMS minute data, shared by every way data enter the store: the bulk
import (:mod:`.intake`, which refuses a file that breaks them) and the HJ 212 receiver
(:mod:`.hj212.receiver`, which stores the packet but marks the values that break them invalid,
with the rule, since a logger must be answered and would otherwise resend forever).

* **Ranges** (:data:`RANGES`): physical bounds in the units of :data:`.schema.UNITS`, meant to
  catch unit and transcription errors (−300 °C, 150 % moisture, negative CO2, a flow of
  3.6 × 10¹⁵ m³/h), not the measuring ranges of HJ 76-2017.
* **Time** (:func:`time_problem`): a minute value stands for the minute that starts at its
  time (HJ 75-2017 minute data, HJ 212-2017 ``DataTime``), so it must lie on a whole
  minute. A minute stamped ``12:00:30`` would otherwise count as a minute of its own beside
  ``12:00:00``.
"""

from __future__ import annotations

from datetime import datetime

from dualcarbon.cems.schema import UNITS

RANGES: dict[str, tuple[float, float]] = {
    "co2": (0.0, 100.0),
    "o2": (0.0, 25.0),
    "flow": (0.0, 1e8),
    "temperature": (-60.0, 1500.0),
    "pressure": (50.0, 200.0),
    "moisture": (0.0, 100.0),
}
"""Plausible bounds of each parameter in the schema's units (inclusive). The flow bound,
10⁸ m³/h, is about 25 times the flue gas of a 1 000 MW coal unit (a few million m³/h): no stack
comes near it, while a value sent in the wrong unit or with a lost decimal point does."""

WHOLE_MINUTE = "time not on a whole minute"


def range_rule(parameter: str) -> str:
    """The rule a value of ``parameter`` outside :data:`RANGES` breaks, as reported."""
    low, high = RANGES[parameter]
    return f"outside [{low}, {high}] {UNITS[parameter]} (after unit conversion)"


def range_problem(parameter: str, value: float | None) -> str | None:
    """The rule ``value`` breaks (None if it is null or within range)."""
    if value is None:
        return None
    low, high = RANGES[parameter]
    # written so that NaN fails as well
    return None if low <= value <= high else range_rule(parameter)


def time_problem(kind: str, time: datetime) -> str | None:
    """The rule a row's time breaks for its kind of data (None if it keeps it): ``minute``
    rows lie on a whole minute, as the bulk import requires. Real-time rows keep the logger's
    seconds; the logger's own hourly and daily rows are kept apart from the minutes (the
    pipeline never reads them), so their times are stored as sent."""
    if kind == "minute" and (time.second or time.microsecond):
        return WHOLE_MINUTE
    return None


__all__ = [
    "RANGES",
    "WHOLE_MINUTE",
    "range_problem",
    "range_rule",
    "time_problem",
]
