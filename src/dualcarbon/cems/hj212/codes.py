"""HJ 212-2017 parameter codes → the minute columns of :mod:`dualcarbon.cems.schema`.

The code table is data (``data/codes.yaml``): which code fills which column, in which unit the
logger sends it, and where each fact comes from. This module converts the logger's units to the
schema's and derives the two columns a logger may not send directly:

* **flow** [m³/h, stack conditions] from ``a00000`` [m³/s] × 3600, or, when a packet carries
  no ``a00000``, from the velocity ``a01011`` [m/s] and the duct area ``a01016`` [m²]:
  Q_s = 3600 × F × V_s (HJ 75-2017, flue-gas flow at stack conditions).
* **pressure** [kPa absolute] from the static (gauge) pressure ``a01013`` [kPa] plus the
  ambient pressure ``a01006`` [kPa] of the same packet, or the ambient pressure configured
  for the logger; without either the pressure is left null (and logged), not guessed.

A CO2 value in mg/m³ is converted to % vol with the molar volume 22.4 L/mol used throughout
HJ 75-2017: 1 % vol = 44.01/22.4 × 10⁴ mg/m³ = 19 647 mg/m³ (dry, 273.15 K, 101.325 kPa).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from dualcarbon.cems.hj212.errors import FieldError
from dualcarbon.cems.mass import M_CO2_G_PER_MOL, V_M_L_PER_MOL
from dualcarbon.cems.schema import FLAGS, PARAMETERS
from dualcarbon.guards.safe_yaml import safe_load

log = logging.getLogger("dualcarbon.cems.hj212")

CO2_MG_PER_M3_PER_PERCENT = M_CO2_G_PER_MOL / V_M_L_PER_MOL * 1e4
"""[mg/m³ per % vol] ≈ 19 647."""

INPUTS = ("velocity", "area", "ambient_pressure")

FACTORS: dict[tuple[str, str], float] = {
    ("co2", "%"): 1.0,
    ("co2", "mg/m3"): 1.0 / CO2_MG_PER_M3_PER_PERCENT,
    ("o2", "%"): 1.0,
    ("flow", "m3/s"): 3600.0,
    ("flow", "m3/h"): 1.0,
    ("temperature", "degC"): 1.0,
    ("pressure", "kPa"): 1.0,
    ("pressure", "Pa"): 1e-3,
    ("moisture", "%"): 1.0,
    ("velocity", "m/s"): 1.0,
    ("area", "m2"): 1.0,
    ("ambient_pressure", "kPa"): 1.0,
    ("ambient_pressure", "Pa"): 1e-3,
}
"""(column or input, unit sent) → factor to the schema's unit (schema.UNITS)."""

SUMMARY_FIELDS = ("avg", "min", "max", "cou")
"""Per parameter, the columns of hourly/daily rows besides ``<p>_flag``."""


@dataclass(frozen=True)
class Code:
    code: str
    target: str
    """The schema column (``co2``…) or auxiliary input (``velocity``, ``area``,
    ``ambient_pressure``) the code fills."""
    unit: str
    factor: float
    name_zh: str = ""
    name_en: str = ""
    basis: str = "absolute"
    cou_unit: str | None = None
    confidence: str = ""

    @property
    def is_column(self) -> bool:
        return self.target in PARAMETERS


class CodeTable:
    """The codes of one deployment, and the rows they make of a packet's CP items."""

    def __init__(self, codes: Mapping[str, Code], *, source: str = "") -> None:
        self.codes = dict(codes)
        self.source = source
        self._warned: set[tuple[str, str]] = set()

    def columns(self) -> dict[str, str]:
        """code → column, for the codes that fill a column."""
        return {code.code: code.target for code in self.codes.values() if code.is_column}

    def minute_row(
        self,
        source: str,
        time: datetime,
        items: Mapping[str, Mapping[str, str]],
        value_field: str,
        *,
        ambient_kpa: float | None = None,
    ) -> dict[str, Any]:
        """A row of :data:`~dualcarbon.cems.schema.STORED_SCHEMA` from the ``<code>-<value_field>``
        items (``Avg`` of minute data, ``Rtd`` of real-time data) and their ``-Flag``; a CO2
        value sent in mg/m³ is kept as sent beside its % vol."""
        row: dict[str, Any] = {"source": source, "time": time}
        for name in PARAMETERS:
            row[name] = None
            row[f"{name}_flag"] = None
        row["co2_sent"] = row["co2_sent_unit"] = None
        inputs: dict[str, tuple[float, str | None]] = {}
        for code in self.codes.values():
            fields = items.get(code.code)
            if fields is None or value_field not in fields:
                continue
            sent = _number(f"{code.code}-{value_field}", fields[value_field])
            value = sent * code.factor
            flag = _flag(code.code, fields.get("Flag"))
            if not code.is_column:
                inputs.setdefault(code.target, (value, flag))
            elif row[code.target] is None:
                row[code.target] = value
                row[f"{code.target}_flag"] = flag
                if code.target == "co2" and code.unit != "%":  # kept as sent (schema.SENT_FIELDS)
                    row["co2_sent"], row["co2_sent_unit"] = sent, code.unit
        if row["flow"] is None and "velocity" in inputs and "area" in inputs:
            (velocity, velocity_flag), (area, area_flag) = inputs["velocity"], inputs["area"]
            row["flow"] = 3600.0 * area * velocity
            row["flow_flag"] = _worst(velocity_flag, area_flag)
        if row["pressure"] is not None and self._gauge("pressure"):
            ambient = inputs["ambient_pressure"][0] if "ambient_pressure" in inputs else ambient_kpa
            if ambient is None:
                self._warn_once(
                    source,
                    "no ambient pressure (a01006) in the packet and none "
                    "configured: absolute pressure left null",
                )
                row["pressure"] = None
                row["pressure_flag"] = None
            else:
                row["pressure"] += ambient
        return row

    def summary_row(
        self,
        source: str,
        time: datetime,
        items: Mapping[str, Mapping[str, str]],
        *,
        ambient_kpa: float | None = None,
    ) -> dict[str, Any]:
        """A row of hourly or daily data (:data:`~.sink.SUMMARY_SCHEMA`): the logger's own
        ``-Avg``, ``-Min``, ``-Max`` (converted to the schema's units), ``-Cou`` (unconverted,
        in the code's ``cou_unit``) and ``-Flag`` of each parameter."""
        row: dict[str, Any] = {"source": source, "time": time}
        for name in PARAMETERS:
            for suffix in (*SUMMARY_FIELDS, "flag"):
                row[f"{name}_{suffix}"] = None
        inputs: dict[str, dict[str, float]] = {}
        for code in self.codes.values():
            fields = items.get(code.code)
            if fields is None:
                continue
            values = {
                name.lower(): _number(f"{code.code}-{name}", fields[name])
                for name in ("Avg", "Min", "Max", "Cou")
                if name in fields
            }
            if not values:
                continue
            if not code.is_column:
                inputs.setdefault(code.target, {k: v * code.factor for k, v in values.items()})
                continue
            if any(row[f"{code.target}_{key}"] is not None for key in SUMMARY_FIELDS):
                continue
            for key, value in values.items():
                row[f"{code.target}_{key}"] = value if key == "cou" else value * code.factor
            row[f"{code.target}_flag"] = _flag(code.code, fields.get("Flag"))
        area = inputs.get("area", {}).get("avg")
        if row["flow_avg"] is None and "velocity" in inputs and area is not None:
            for key in ("avg", "min", "max"):
                if key in inputs["velocity"]:
                    row[f"flow_{key}"] = 3600.0 * area * inputs["velocity"][key]
        if self._gauge("pressure") and any(
            row[f"pressure_{k}"] is not None for k in SUMMARY_FIELDS
        ):
            ambient = inputs.get("ambient_pressure", {}).get("avg", ambient_kpa)
            for key in ("avg", "min", "max"):
                if row[f"pressure_{key}"] is not None:
                    row[f"pressure_{key}"] = (
                        None if ambient is None else row[f"pressure_{key}"] + ambient
                    )
            if ambient is None:
                self._warn_once(source, "no ambient pressure for the hourly/daily pressure")
                row["pressure_flag"] = None
        return row

    def _gauge(self, column: str) -> bool:
        return any(c.target == column and c.basis == "gauge" for c in self.codes.values())

    def _warn_once(self, source: str, message: str) -> None:
        if (source, message) not in self._warned:
            self._warned.add((source, message))
            log.warning("logger %s: %s", source, message)


def load_codes(path: str | Path | None = None) -> CodeTable:
    """Read a code table (default: the packaged ``data/codes.yaml``)."""
    if path is None:
        text = (
            resources.files("dualcarbon.cems.hj212").joinpath("data/codes.yaml").read_text("utf-8")
        )
        where = "dualcarbon/cems/hj212/data/codes.yaml"
    else:
        text = Path(path).read_text(encoding="utf-8")
        where = str(path)
    try:
        document = safe_load(text)
    except yaml.YAMLError as error:  # an alias bomb included (guards/safe_yaml.py)
        raise FieldError(where, f"not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("codes"), dict):
        raise FieldError(where, "a code table needs a 'codes' mapping")
    codes: dict[str, Code] = {}
    for code, entry in document["codes"].items():
        if not isinstance(entry, dict):
            raise FieldError(f"{where}: {code}", "entry must be a mapping")
        targets = [entry[key] for key in ("column", "input") if key in entry]
        if len(targets) != 1 or targets[0] not in (*PARAMETERS, *INPUTS):
            raise FieldError(
                f"{where}: {code}",
                f"needs exactly one of column {PARAMETERS} or input {INPUTS}",
            )
        target, unit = str(targets[0]), str(entry.get("unit", ""))
        if (target, unit) not in FACTORS:
            raise FieldError(f"{where}: {code}", f"no conversion from {unit!r} for {target}")
        basis = str(entry.get("basis", "absolute"))
        if basis not in ("absolute", "gauge") or (basis == "gauge" and target != "pressure"):
            raise FieldError(f"{where}: {code}", f"basis {basis!r} is not allowed here")
        codes[str(code)] = Code(
            code=str(code),
            target=target,
            unit=unit,
            factor=FACTORS[(target, unit)],
            name_zh=str(entry.get("name_zh", "")),
            name_en=str(entry.get("name_en", "")),
            basis=basis,
            cou_unit=None if entry.get("cou_unit") is None else str(entry["cou_unit"]),
            confidence=str(entry.get("confidence", "")),
        )
    return CodeTable(codes, source=where)


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FieldError(name, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise FieldError(name, f"{text!r} is not a finite number")
    return value


def _flag(code: str, flag: str | None) -> str | None:
    if flag is None:
        return None
    if flag not in FLAGS:
        raise FieldError(f"{code}-Flag", f"{flag!r} is not one of {''.join(FLAGS)}")
    return flag


def _worst(*flags: str | None) -> str | None:
    """The first flag that is not N (a derived value is only as valid as its inputs)."""
    for flag in flags:
        if flag is not None and flag != "N":
            return flag
    return next((flag for flag in flags if flag is not None), None)
