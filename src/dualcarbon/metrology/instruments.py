"""Measuring instruments: what they measure, where, how well.

An :class:`Instrument` is one entry of a unit's register of energy measuring instruments
(能源计量器具台账): the quantity it measures, its metering point (energy type, the unit or
facility, and the boundary level of GB 17167-2006: the site boundary 进出用能单位, a main
secondary unit 进出主要次级用能单位, or a main energy-using equipment 主要用能设备), its type, its
accuracy class or maximum permissible error (MPE), range, serial number, owner and calibration
interval.

Pure domain code: no I/O. The register as a whole (instruments with their calibration records and
the metering points a unit should have) is :class:`dualcarbon.metrology.register.Register`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dualcarbon.uncertainty import distributions
from dualcarbon.uncertainty.distributions import InputQuantity
from dualcarbon.units import parse_unit


class BoundaryLevel(StrEnum):
    """The three metering levels of GB 17167-2006 (能源计量器具配备率 is required per level)."""

    SITE = "site"
    SECONDARY = "secondary"
    EQUIPMENT = "equipment"

    @property
    def label_zh(self) -> str:
        return _LEVEL_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _LEVEL_LABELS[self][1]

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh

    def short(self, lang: str) -> str:
        """一级/二级/三级 (the usual names of the three metering levels), or the English key."""
        return self.value if lang == "en" else _LEVEL_SHORT[self]


_LEVEL_SHORT = {
    BoundaryLevel.SITE: "一级",
    BoundaryLevel.SECONDARY: "二级",
    BoundaryLevel.EQUIPMENT: "三级",
}

_LEVEL_LABELS = {
    BoundaryLevel.SITE: ("进出用能单位", "site boundary"),
    BoundaryLevel.SECONDARY: ("进出主要次级用能单位", "main secondary unit"),
    BoundaryLevel.EQUIPMENT: ("主要用能设备", "main energy-using equipment"),
}


class InstrumentKind(StrEnum):
    """Instrument types, as the accuracy requirements of GB 17167-2006 name them."""

    WEIGHER_STATIC = "weigher_static"
    WEIGHER_DYNAMIC = "weigher_dynamic"
    ELECTRICITY_METER = "electricity_meter"
    OIL_FLOWMETER = "oil_flowmeter"
    GAS_FLOWMETER = "gas_flowmeter"
    STEAM_FLOWMETER = "steam_flowmeter"
    WATER_FLOWMETER = "water_flowmeter"
    HEAT_METER = "heat_meter"
    TEMPERATURE = "temperature"
    PRESSURE = "pressure"
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        return _KIND_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _KIND_LABELS[self][1]

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh


_KIND_LABELS = {
    InstrumentKind.WEIGHER_STATIC: ("静态衡器", "static weighing instrument"),
    InstrumentKind.WEIGHER_DYNAMIC: ("动态衡器（皮带秤等）", "dynamic weigher (belt weigher …)"),
    InstrumentKind.ELECTRICITY_METER: ("电能表", "electricity meter"),
    InstrumentKind.OIL_FLOWMETER: ("油流量表", "oil flowmeter"),
    InstrumentKind.GAS_FLOWMETER: ("气体流量表", "gas flowmeter"),
    InstrumentKind.STEAM_FLOWMETER: ("蒸汽流量表", "steam flowmeter"),
    InstrumentKind.WATER_FLOWMETER: ("水流量表", "water flowmeter"),
    InstrumentKind.HEAT_METER: ("热量表", "heat meter"),
    InstrumentKind.TEMPERATURE: ("温度仪表", "temperature instrument"),
    InstrumentKind.PRESSURE: ("压力仪表", "pressure instrument"),
    InstrumentKind.OTHER: ("其他", "other"),
}

ENERGY_TYPES: dict[str, tuple[str, str]] = {
    "electricity": ("电力", "electricity"),
    "coal": ("煤炭", "coal"),
    "raw_coal": ("原煤", "raw coal"),
    "washed_coal": ("洗精煤", "washed coal"),
    "anthracite": ("无烟煤", "anthracite"),
    "bituminous_coal": ("烟煤", "bituminous coal"),
    "sub_bituminous_coal": ("次烟煤", "sub-bituminous coal"),
    "lignite": ("褐煤", "lignite"),
    "coking_coal": ("炼焦煤", "coking coal"),
    "coke": ("焦炭", "coke"),
    "petroleum_coke": ("石油焦", "petroleum coke"),
    "crude_oil": ("原油", "crude oil"),
    "fuel_oil": ("燃料油（重油、渣油）", "fuel oil (heavy, residual)"),
    "gasoline": ("汽油", "gasoline"),
    "diesel": ("柴油", "diesel"),
    "kerosene": ("煤油", "kerosene"),
    "jet_kerosene": ("航空煤油", "jet kerosene"),
    "naphtha": ("石脑油", "naphtha"),
    "lpg": ("液化石油气", "liquefied petroleum gas"),
    "lng": ("液化天然气", "liquefied natural gas"),
    "natural_gas": ("天然气", "natural gas"),
    "coke_oven_gas": ("焦炉煤气", "coke oven gas"),
    "blast_furnace_gas": ("高炉煤气", "blast furnace gas"),
    "converter_gas": ("转炉煤气", "converter gas"),
    "refinery_gas": ("炼厂干气", "refinery gas"),
    "steam": ("蒸汽", "steam"),
    "hot_water": ("热水", "hot water"),
    "heat": ("热力", "heat"),
    "water": ("水", "water"),
    "compressed_air": ("压缩空气", "compressed air"),
    "waste_heat": ("可回收利用的余能", "recoverable waste energy"),
    "other": ("其他", "other"),
}
"""Energy types a metering point may carry: the fuel keys of docs/factor-data-format.md, plus the
energy-carrying media and waste energy that GB 17167-2006 lists."""


def energy_label(energy: str, lang: str) -> str:
    labels = ENERGY_TYPES.get(energy)
    if labels is None:
        return energy
    return labels[1] if lang == "en" else labels[0]


# -- accuracy ------------------------------------------------------------------------------------

_CLASS = re.compile(r"^(?:class\s*)?(\d+(?:\.\d+)?)\s*(s)?\s*(?:级)?$", re.IGNORECASE)
_RELATIVE = re.compile(r"^(?:±|\+/-|\+-)?\s*(\d+(?:\.\d+)?(?:e-?\d+)?)\s*%$", re.IGNORECASE)
_ABSOLUTE = re.compile(r"^(?:±|\+/-|\+-)\s*(\d+(?:\.\d+)?(?:e-?\d+)?)\s*(\S.*)$", re.IGNORECASE)
_TEMPERATURE_UNITS = {"°c": "delta_degC", "℃": "delta_degC", "degc": "delta_degC", "k": "kelvin"}


class Accuracy(BaseModel):
    """An accuracy class (``0.5``, ``0.2S``) or a maximum permissible error (MPE).

    Exactly one form: ``accuracy_class``; or ``mpe`` with ``mpe_unit`` ``"%"`` (relative to the
    reading, ±%) or another unit (an absolute MPE, e.g. ±1 °C written ``delta_degC``). The class
    index is read as the MPE in percent of the reading (the usual convention for electricity
    meters, JJG 596-2012, and belt weighers in service, JJG 195); when an instrument's regulation
    sets another MPE for its class, give the MPE itself.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    accuracy_class: str | None = None
    mpe: float | None = Field(default=None, gt=0.0)
    mpe_unit: str = "%"

    @field_validator("accuracy_class")
    @classmethod
    def _class_form(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = _CLASS.match(value.strip())
        if match is None:
            raise ValueError(f"accuracy class {value!r} is not a number with an optional S")
        number, s = match.groups()
        return number + ("S" if s else "")

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.accuracy_class is None) == (self.mpe is None):
            raise ValueError("give exactly one of accuracy_class or mpe")
        if self.mpe is not None and self.mpe_unit != "%":
            parse_unit(self.mpe_unit)
        return self

    @classmethod
    def parse(cls, text: str | float) -> Accuracy:
        """Read an accuracy as written in a register: ``0.5``, ``0.2S``, ``±0.5%``, ``±1 °C``."""
        if isinstance(text, int | float) and not isinstance(text, bool):
            return cls(accuracy_class=_number(float(text)))
        written = str(text).strip()
        if _CLASS.match(written):
            return cls(accuracy_class=written)
        if match := _RELATIVE.match(written):
            return cls(mpe=float(match.group(1)), mpe_unit="%")
        if match := _ABSOLUTE.match(written):
            unit = match.group(2).strip()
            unit = _TEMPERATURE_UNITS.get(unit.casefold(), unit)
            return cls(mpe=float(match.group(1)), mpe_unit=unit)
        raise ValueError(
            f"accuracy {written!r} is not a class (0.5, 0.2S), a relative MPE (±0.5%) "
            "or an absolute MPE with a unit (±1 °C)"
        )

    @property
    def class_index(self) -> float | None:
        """The class number (0.2 for ``0.2S``)."""
        if self.accuracy_class is None:
            return None
        return float(self.accuracy_class.rstrip("S"))

    @property
    def is_s_class(self) -> bool:
        return self.accuracy_class is not None and self.accuracy_class.endswith("S")

    @property
    def relative_mpe(self) -> float | None:
        """The MPE in percent of the reading, when the accuracy is relative (class or ±%)."""
        if self.accuracy_class is not None:
            return self.class_index
        return self.mpe if self.mpe_unit == "%" else None

    def __str__(self) -> str:
        if self.accuracy_class is not None:
            return self.accuracy_class
        assert self.mpe is not None
        if self.mpe_unit == "%":
            return f"±{_number(self.mpe)}%"
        shown = {"delta_degC": "°C"}.get(self.mpe_unit, self.mpe_unit)
        return f"±{_number(self.mpe)} {shown}"

    def describe(self, lang: str) -> str:
        if self.accuracy_class is not None:
            return f"{self.accuracy_class} 级" if lang != "en" else f"class {self.accuracy_class}"
        return str(self)


def _number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class StandardUncertainty:
    """A standard uncertainty and how it was obtained.

    ``value`` is in ``unit``; ``unit == "%"`` means percent of the reading (a relative standard
    uncertainty). ``half_width`` is the MPE ``a`` of a rectangular distribution; ``coverage_factor``
    the ``k`` a certificate's expanded uncertainty was divided by.
    """

    value: float
    unit: str
    distribution: Literal["rectangular", "normal"]
    half_width: float | None = None
    coverage_factor: float | None = None

    @property
    def is_relative(self) -> bool:
        return self.unit == "%"

    def for_reading(self, reading: float) -> float:
        """The standard uncertainty of ``reading`` [reading's unit], for a relative uncertainty."""
        if not self.is_relative:
            raise ValueError(f"uncertainty is absolute ({self.value:g} {self.unit}), not relative")
        return abs(reading) * self.value / 100.0

    def input_quantity(self, name: str, reading: float) -> InputQuantity:
        """This uncertainty as an input of the uncertainty engine, centred on ``reading``.

        A rectangular uncertainty becomes a rectangular input of half-width a (u = a/√3), a
        certificate's a normal input; an absolute uncertainty must be in the reading's unit.
        """
        u = self.for_reading(reading) if self.is_relative else self.value
        if u == 0:
            return distributions.constant(name, reading)
        if self.distribution == "rectangular":
            a = u * math.sqrt(3.0)
            return distributions.rectangular(name, reading - a, reading + a)
        return distributions.normal(name, reading, u)


def standard_uncertainty_from_accuracy(accuracy: Accuracy | str | float) -> StandardUncertainty:
    r"""Standard uncertainty of a reading from its instrument's accuracy class or MPE.

    A maximum permissible error bounds the error without saying more about it, so the error is
    taken as equally likely anywhere in :math:`[-a, +a]` (a rectangular distribution) and

    .. math::

        u = \frac{a}{\sqrt{3}}

    Parameters
    ----------
    accuracy
        An :class:`Accuracy`, or its written form (``0.5``, ``0.2S``, ``±0.5%``, ``±1 °C``). An
        accuracy class is read as an MPE of ±class % of the reading.

    Returns
    -------
    StandardUncertainty
        ``value`` in percent of the reading [%] for a class or relative MPE, else in the MPE's
        unit; ``distribution == "rectangular"``; ``half_width`` = a.

    References
    ----------
    JCGM 100:2008 (GUM) 4.3.7, equation (7): rectangular distribution of half-width a,
    u² = a²/3. JJF 1059.1-2012 (the Chinese adoption of the GUM) applies the same rule.

    Examples
    --------
    >>> round(standard_uncertainty_from_accuracy("0.5").value, 6)
    0.288675
    >>> standard_uncertainty_from_accuracy("±1 °C").unit
    'delta_degC'
    """
    if not isinstance(accuracy, Accuracy):
        accuracy = Accuracy.parse(accuracy)
    relative = accuracy.relative_mpe
    half_width = relative if relative is not None else accuracy.mpe
    assert half_width is not None
    unit = "%" if relative is not None else accuracy.mpe_unit
    return StandardUncertainty(
        value=half_width / math.sqrt(3.0),
        unit=unit,
        distribution="rectangular",
        half_width=half_width,
    )


# -- instruments and metering points ------------------------------------------------------------

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.#/\-]*$")


def _check_id(value: str, what: str) -> str:
    value = value.strip()
    if not _ID.match(value):
        raise ValueError(
            f"{what} {value!r} must start with a letter or digit and hold only letters, digits "
            "and _ . # / -"
        )
    return value


def _check_energy(value: str) -> str:
    if value not in ENERGY_TYPES:
        raise ValueError(f"unknown energy type {value!r} (known: {', '.join(ENERGY_TYPES)})")
    return value


class Instrument(BaseModel):
    """One measuring instrument of the register (台账中的一台计量器具)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="the unit's own management number, e.g. BS-101")
    name: str = ""
    quantity: str = Field(description="measured quantity, e.g. 质量 mass, 有功电能 active energy")
    energy: str = Field(description="energy type at the metering point (ENERGY_TYPES key)")
    unit: str = Field(default="", description="the production unit or facility, e.g. #1")
    level: BoundaryLevel
    kind: InstrumentKind
    accuracy: Accuracy
    range_min: float | None = None
    range_max: float | None = None
    range_unit: str | None = None
    serial: str = ""
    owner: str = ""
    interval_months: int = Field(ge=1, le=240, description="calibration/verification interval")
    application: str | None = Field(
        default=None,
        description="the GB 17167 accuracy requirement that applies, when the type and energy "
        "leave a choice (electricity user class, water pipe size …)",
    )
    note: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _check_id(value, "instrument id")

    @field_validator("energy")
    @classmethod
    def _energy(cls, value: str) -> str:
        return _check_energy(value)

    @model_validator(mode="after")
    def _range(self) -> Self:
        if (
            self.range_min is not None
            and self.range_max is not None
            and self.range_max < self.range_min
        ):
            raise ValueError("range_max is below range_min")
        if self.range_unit:
            parse_unit(self.range_unit)
        return self

    @property
    def metering_point(self) -> str:
        """``coal · #1 · secondary``: what the instrument meters, in one line."""
        parts = [self.energy, self.unit, self.level.value]
        return " · ".join(part for part in parts if part)

    def describe_point(self, lang: str, *, short: bool = False) -> str:
        level = self.level.short(lang) if short else self.level.label(lang)
        energy = self.energy if short and lang == "en" else energy_label(self.energy, lang)
        return " · ".join(part for part in (energy, self.unit, level) if part)


class MeteringPoint(BaseModel):
    """A point the unit should meter (one 'theoretically required' instrument of GB 17167).

    ``instrument`` names the instrument configured there; left empty, any instrument of the
    register with the same energy, level and unit covers the point.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    energy: str
    level: BoundaryLevel
    unit: str = ""
    description: str = ""
    instrument: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _check_id(value, "metering point id")

    @field_validator("energy")
    @classmethod
    def _energy(cls, value: str) -> str:
        return _check_energy(value)
