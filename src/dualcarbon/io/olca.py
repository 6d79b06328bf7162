"""openLCA JSON-LD (olca-schema 2.x) for product systems: what export and import share.

:func:`~.olca_export.write_olca_package` writes a product system
(:class:`~dualcarbon.footprint.model.ProductSystem`) as a zip package openLCA 2 imports;
:func:`~.olca_import.read_olca_package` reads a package (zip or folder) back into a product
system, all-or-nothing. The objects are built and parsed with the ``olca_schema``
dataclasses (GreenDelta's reference implementation of the format), never by hand. The mapping
table and what is lost either way are in docs/footprint-olca.md.

This module holds the pieces both directions use: the unit table (openLCA reference-data unit
names and UUIDs ↔ the project's pint spellings), the uncertainty mapping (stats_arrays ↔ openLCA
distributions), the pedigree ``dqEntry`` string, the CAS numbers of the GHGs, and the stable ids.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from typing import Any, Final

import olca_schema as olca  # type: ignore[import-untyped]
from olca_schema import units as olca_units

from dualcarbon.footprint.model import Uncertainty, UncertaintyType
from dualcarbon.footprint.pedigree import PedigreeScores
from dualcarbon.units import conversion_factor, parse_unit

STASH: Final = "dualcarbon"
"""Key in ``otherProperties`` of the objects we write: what openLCA has no field for."""

STASH_VERSION: Final = 1

NAMESPACE: Final = uuid.UUID("5f0b8f43-3c1e-4d55-9a55-2b6c1b0f0d01")
"""Our own namespace for the uuid5 ids of the objects we write (not an openLCA id)."""

CO2E_FLOW_NAME: Final = "Carbon dioxide equivalent (GWP100, dualcarbon secondary factor)"
"""The elementary flow that carries a background supply's or bought electricity's kgCO2e."""

CLIMATE_CATEGORY: Final = "Climate change – GWP100"

CO2E_UNIT_NAME: Final = "kg CO2 eq"

ELEMENTARY_ROOT: Final = "Elementary flows"


def stable_id(*parts: str) -> str:
    """A deterministic UUID for an object of a system: the same system exports the same ids."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


# --------------------------------------------------------------------------------------------
# Units: openLCA reference data ↔ pint
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OlcaUnit:
    """A unit of openLCA's reference data: ``name`` as openLCA spells it, ``pint`` as the project's
    registry does, and the ids of the unit, its group and the group's default flow property
    (from ``olca_schema/units/units.csv``, GreenDelta's list of the reference-data UUIDs)."""

    name: str
    pint: str
    unit_id: str
    group_id: str
    group_name: str
    property_id: str
    property_name: str
    reference: str
    """The group's reference unit (openLCA name); its conversion factor is 1."""


# (openLCA name, pint spelling, reference unit of its group). Reference units per openLCA's
# reference data (units.csv of olca-modules ref data: kg, MJ, m2, m3, Item(s), m, t*km have
# conversion factor 1); the factors of the other units are computed with pint.
_UNIT_TABLE: Final = (
    ("kg", "kg", "kg"),
    ("g", "g", "kg"),
    ("mg", "mg", "kg"),
    ("t", "t", "kg"),
    ("MJ", "MJ", "MJ"),
    ("kJ", "kJ", "MJ"),
    ("J", "J", "MJ"),
    ("GJ", "GJ", "MJ"),
    ("TJ", "TJ", "MJ"),
    ("Wh", "Wh", "MJ"),
    ("kWh", "kWh", "MJ"),
    ("MWh", "MWh", "MJ"),
    ("m2", "m**2", "m2"),
    ("dm2", "dm**2", "m2"),
    ("cm2", "cm**2", "m2"),
    ("ha", "hectare", "m2"),
    ("m3", "m**3", "m3"),
    ("dm3", "dm**3", "m3"),
    ("l", "l", "m3"),
    ("Item(s)", "count", "Item(s)"),
    ("m", "m", "m"),
    ("mm", "mm", "m"),
    ("km", "km", "m"),
    ("t*km", "t*km", "t*km"),
    ("kg*km", "kg*km", "t*km"),
)


def _load_units() -> tuple[OlcaUnit, ...]:
    units: list[OlcaUnit] = []
    for name, spelling, reference in _UNIT_TABLE:
        unit, group, prop = (
            olca_units.unit_ref(name),
            olca_units.group_ref(name),
            olca_units.property_ref(name),
        )
        if unit is None or group is None or prop is None:  # pragma: no cover - data guard
            continue
        units.append(
            OlcaUnit(name, spelling, unit.id, group.id, group.name, prop.id, prop.name, reference)
        )
    return tuple(units)


OLCA_UNITS: Final = _load_units()
_BY_NAME: Final = {u.name: u for u in OLCA_UNITS}


def olca_unit_of(unit: str) -> OlcaUnit | None:
    """The openLCA reference unit equal to the pint ``unit`` (``m**2`` → ``m2``), or None."""
    try:
        parsed = parse_unit(unit)
    except ValueError:
        return None
    for candidate in OLCA_UNITS:
        target = parse_unit(candidate.pint)
        if target.dimensionality != parsed.dimensionality:
            continue
        if math.isclose(conversion_factor(unit, candidate.pint), 1.0, rel_tol=1e-12):
            return candidate
    return None


def olca_unit_named(name: str) -> OlcaUnit | None:
    return _BY_NAME.get(name)


def group_units(group_id: str) -> tuple[OlcaUnit, ...]:
    return tuple(u for u in OLCA_UNITS if u.group_id == group_id)


def factor_to_reference(unit: OlcaUnit) -> float:
    """openLCA's conversion factor of ``unit``: how many reference units one unit is."""
    return conversion_factor(unit.pint, _BY_NAME[unit.reference].pint)


def pint_of_olca_name(name: str) -> str | None:
    """The pint spelling of an openLCA unit name: from the table, else the name if pint reads it."""
    known = _BY_NAME.get(name)
    if known is not None:
        return known.pint
    try:
        parse_unit(name)
    except ValueError:
        return None
    return name


# --------------------------------------------------------------------------------------------
# Uncertainty: stats_arrays ↔ openLCA
# --------------------------------------------------------------------------------------------

OLCA_DISTRIBUTIONS: Final = {
    "LOG_NORMAL_DISTRIBUTION": UncertaintyType.LOGNORMAL,
    "NORMAL_DISTRIBUTION": UncertaintyType.NORMAL,
    "UNIFORM_DISTRIBUTION": UncertaintyType.UNIFORM,
    "TRIANGLE_DISTRIBUTION": UncertaintyType.TRIANGULAR,
}


def to_olca_uncertainty(u: Uncertainty, amount: float | None) -> Any:
    """openLCA's distribution of a stats_arrays one; None for types 0 and 1 (no distribution).

    Lognormal: geomMean = e^loc (the median, = |amount|), geomSd = e^σ. Normal: mean, sd.
    Uniform: minimum, maximum. Triangle: minimum, mode, maximum.
    """
    kind = u.type
    if kind is UncertaintyType.LOGNORMAL:
        assert u.scale is not None
        loc = u.loc if u.loc is not None else (math.log(abs(amount)) if amount else None)
        return olca.Uncertainty(
            distribution_type=olca.UncertaintyType.LOG_NORMAL_DISTRIBUTION,
            geom_mean=None if loc is None else math.exp(loc),
            geom_sd=math.exp(u.scale),
        )
    if kind is UncertaintyType.NORMAL:
        mean = u.loc if u.loc is not None else amount
        return olca.Uncertainty(
            distribution_type=olca.UncertaintyType.NORMAL_DISTRIBUTION, mean=mean, sd=u.scale
        )
    if kind is UncertaintyType.UNIFORM:
        return olca.Uncertainty(
            distribution_type=olca.UncertaintyType.UNIFORM_DISTRIBUTION,
            minimum=u.minimum,
            maximum=u.maximum,
        )
    if kind is UncertaintyType.TRIANGULAR:
        mode = u.loc if u.loc is not None else amount
        return olca.Uncertainty(
            distribution_type=olca.UncertaintyType.TRIANGLE_DISTRIBUTION,
            minimum=u.minimum,
            mode=mode,
            maximum=u.maximum,
        )
    return None


def from_olca_uncertainty(raw: dict[str, Any]) -> dict[str, Any] | str:
    """The stats_arrays fields of an openLCA ``uncertainty`` object, or the rule it breaks.

    A lognormal's ``loc`` is ln geomMean; σ = ln geomSd. A distribution type openLCA may write
    but we cannot represent (any not in :data:`OLCA_DISTRIBUTIONS`) returns the rule.
    """
    name = raw.get("distributionType")
    kind = OLCA_DISTRIBUTIONS.get(str(name))
    if kind is None:
        return (
            f"unsupported distribution {name!r}: dualcarbon takes {', '.join(OLCA_DISTRIBUTIONS)}"
        )
    u = olca.Uncertainty.from_dict(raw)
    if kind is UncertaintyType.LOGNORMAL:
        if u.geom_sd is None or not u.geom_sd > 1.0:
            return "a lognormal needs geomSd > 1"
        fields: dict[str, Any] = {"type": int(kind), "scale": math.log(u.geom_sd)}
        if u.geom_mean is not None:
            if not u.geom_mean > 0:
                return "a lognormal needs geomMean > 0"
            fields["loc"] = math.log(u.geom_mean)
        return fields
    if kind is UncertaintyType.NORMAL:
        return {"type": int(kind), "loc": u.mean, "scale": u.sd}
    if kind is UncertaintyType.UNIFORM:
        return {"type": int(kind), "minimum": u.minimum, "maximum": u.maximum}
    return {"type": int(kind), "loc": u.mode, "minimum": u.minimum, "maximum": u.maximum}


# --------------------------------------------------------------------------------------------
# Pedigree: dqEntry "(1;2;3;1;2)"
# --------------------------------------------------------------------------------------------

_DQ_ENTRY = re.compile(r"^\((\d)(?:;(\d)){4}\)$")


def dq_entry(scores: PedigreeScores) -> str:
    """openLCA's ``dqEntry`` of pedigree scores, in the indicator order of our DQ system
    (the ecoinvent order: reliability, completeness, temporal, geographical, technological)."""
    return "(" + ";".join(str(s) for s in scores.as_tuple()) + ")"


def parse_dq_entry(text: str) -> PedigreeScores | str:
    """Pedigree scores of a ``dqEntry``, or the rule it breaks (five scores 1–5 are needed)."""
    cleaned = text.strip().replace(" ", "")
    if not _DQ_ENTRY.match(cleaned):
        return "a dqEntry of five scores 1–5, e.g. (1;2;3;1;2), is needed (no n.a.)"
    scores = [int(s) for s in cleaned[1:-1].split(";")]
    if not all(1 <= s <= 5 for s in scores):
        return "pedigree scores lie in 1–5"
    return PedigreeScores.of(scores)


# --------------------------------------------------------------------------------------------
# Formulas: ours (Python-like) ↔ openLCA's interpreter
# --------------------------------------------------------------------------------------------


def to_olca_formula(formula: str) -> str:
    """openLCA's formula interpreter writes powers as ``^``; the rest of our syntax is shared."""
    return formula.replace("**", "^")


def from_olca_formula(formula: str) -> str:
    return formula.replace("^", "**")


# --------------------------------------------------------------------------------------------
# GHGs: CAS numbers → the gas names of the GWP sets
# --------------------------------------------------------------------------------------------

GAS_BY_CAS: Final = {
    "124-38-9": "CO2",
    "74-82-8": "CH4",
    "10024-97-2": "N2O",
    "2551-62-4": "SF6",
    "7783-54-2": "NF3",
    "75-73-0": "CF4",
    "76-16-4": "C2F6",
    "75-46-7": "HFC-23",
    "75-10-5": "HFC-32",
    "354-33-6": "HFC-125",
    "811-97-2": "HFC-134a",
    "420-46-2": "HFC-143a",
    "75-37-6": "HFC-152a",
    "431-89-0": "HFC-227ea",
    "460-73-1": "HFC-245fa",
}
"""CAS Registry Numbers of the gases of the GWP sets (CAS; each passes its check digit)."""

CAS_BY_GAS: Final = {gas: cas for cas, gas in GAS_BY_CAS.items()}


def gas_of(cas: str | None, name: str) -> str | None:
    """The gas of an elementary flow by its CAS number, else its name (``Methane, fossil``)."""
    gas = GAS_BY_CAS.get((cas or "").strip().lstrip("0"))
    lowered = name.lower()
    if gas is None:
        for candidate in ("carbon dioxide", "methane", "dinitrogen monoxide", "nitrous oxide"):
            if lowered.startswith(candidate):
                gas = {"carbon dioxide": "CO2", "methane": "CH4"}.get(candidate, "N2O")
                break
    if gas == "CH4":
        fossil = "fossil" in lowered and "non-fossil" not in lowered
        biogenic = "non-fossil" in lowered or "biogenic" in lowered
        if fossil:
            return "CH4_fossil"
        if biogenic:
            return "CH4_non_fossil"
    return gas


def is_biogenic(name: str) -> bool:
    lowered = name.lower()
    return "biogenic" in lowered or "non-fossil" in lowered or "in air" in lowered
