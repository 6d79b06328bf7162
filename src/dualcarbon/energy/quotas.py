"""Energy-consumption quota standards (单位产品能源消耗限额) as data.

Each file in ``energy/data/quotas`` is one standard: its indicators with the limits of grades 1,
2 and 3 (grade 3 is the limiting value existing plants must meet, grade 1 the most advanced),
per class where the standard has classes (a coal unit's pressure and size), the corrections the
standard allows (a cement's clinker ratio, the site altitude, values the operator derives from a
table the file does not carry), and how the indicator is computed from an inventory's energy
balance. Every indicator, class and correction says how sure we are of its numbers; a grade that
rests on an unconfirmed row says so in the result. The format is described in docs/energy.md.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dualcarbon.errors import DualcarbonError
from dualcarbon.guards.safe_yaml import safe_load

Confidence = Literal["VERIFIED", "CORROBORATED", "TRANSCRIBED", "UNVERIFIED"]
"""VERIFIED: read in the standard's text. CORROBORATED: two independent public copies agree.
TRANSCRIBED: one public transcription that says it was taken from the standard's text, not yet
read against it. UNVERIFIED: background knowledge only."""

GRADES = (1, 2, 3)


class QuotaDataError(DualcarbonError, ValueError):
    def __init__(self, file: str, rule: str) -> None:
        super().__init__(f"{file}: {rule}")
        self.file = file
        self.rule = rule


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Limits(_Frozen):
    """The limit of each grade for one indicator (and class). A grade the standard does not set
    for this row is absent."""

    grades: dict[int, float]
    confidence: Confidence
    note_zh: str = ""
    note_en: str = ""

    @model_validator(mode="after")
    def _grades(self) -> Self:
        if not self.grades or set(self.grades) - set(GRADES):
            raise ValueError("grades are keyed 1, 2 and 3")
        return self


class QuotaClass(_Frozen):
    """A class of plant the limits depend on (a coal unit's pressure level and size)."""

    id: str
    name_zh: str
    name_en: str
    limits: Limits


class Correction(_Frozen):
    """How a limit moves with the plant's conditions.

    ``per_point``: L_g + slope_g × (x − reference), x a condition (e.g. clinker ratio in %),
    clipped to ``max_points`` points from the reference when the standard caps it.
    ``altitude``: L_g × K with K = a − b × P / p0 (P the site's atmospheric pressure, Pa), for
    the ``grades`` listed, when the altitude is above ``threshold_m``.
    ``declared_add`` / ``declared_factor``: a value the operator derives from a table of the
    standard that this file does not carry, added to or multiplying the limits of ``grades``;
    the result shows it as declared, with the clause the operator names.
    """

    id: str
    kind: Literal["per_point", "altitude", "declared_add", "declared_factor"]
    name_zh: str
    name_en: str
    clause: str
    confidence: Confidence
    condition: str = Field(description="the condition's key in a grading request")
    condition_unit: str = ""
    grades: tuple[int, ...] = GRADES
    reference: float | None = None
    slope: dict[int, float] = Field(default_factory=dict)
    max_points: float | None = None
    direction: Literal["both", "below", "above"] = "both"
    threshold_m: float | None = None
    a: float | None = None
    b: float | None = None
    p0: float | None = None
    bounds: tuple[float, float] | None = None
    note_zh: str = ""
    note_en: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.kind == "per_point" and (self.reference is None or not self.slope):
            raise ValueError(f"{self.id}: a per_point correction needs reference and slope")
        if self.kind == "altitude" and None in (self.threshold_m, self.a, self.b, self.p0):
            raise ValueError(f"{self.id}: an altitude correction needs threshold_m, a, b, p0")
        if self.kind.startswith("declared") and self.bounds is None:
            raise ValueError(f"{self.id}: a declared correction needs plausible bounds")
        return self


class Numerator(_Frozen):
    """Which energy lines an indicator sums: every carrier's energy (kgce), or one carrier's
    quantity (kWh of electricity); ``share`` takes a power unit's part for power or heat by its
    month's heat-supply ratio."""

    carriers: Literal["all", "fuel", "electricity", "heat"] = "all"
    measure: Literal["energy", "quantity"] = "energy"
    share: Literal["power", "heat"] | None = None
    note_zh: str = ""
    note_en: str = ""


class Denominator(_Frozen):
    """The product: a column of an inventory table, summed over the scope, in ``unit``."""

    table: str
    column: str
    unit: str
    name_zh: str
    name_en: str


class Indicator(_Frozen):
    id: str
    name_zh: str
    name_en: str
    unit: str
    clause: str
    limits: Limits | None = None
    classes: tuple[QuotaClass, ...] = ()
    corrections: tuple[str, ...] = ()
    numerator: Numerator | None = None
    denominator: Denominator | None = None
    note_zh: str = ""
    note_en: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.limits is None) == (not self.classes):
            raise ValueError(f"{self.id}: give either limits or classes")
        if (self.numerator is None) != (self.denominator is None):
            raise ValueError(f"{self.id}: numerator and denominator come together")
        return self

    def quota_class(self, class_id: str | None) -> QuotaClass | None:
        if not self.classes:
            return None
        for quota_class in self.classes:
            if quota_class.id == class_id:
                return quota_class
        return None

    @property
    def computable(self) -> bool:
        return self.numerator is not None


class QuotaStandard(_Frozen):
    id: str
    number: str
    title_zh: str
    title_en: str
    issued: dt.date | None = None
    in_force: dt.date | None = None
    sectors: tuple[str, ...]
    confidence: Confidence
    verified: str
    indicators: tuple[Indicator, ...]
    corrections: tuple[Correction, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> Self:
        known = {c.id for c in self.corrections}
        ids = [i.id for i in self.indicators]
        if len(ids) != len(set(ids)):
            raise ValueError("indicator ids repeat")
        for indicator in self.indicators:
            missing = set(indicator.corrections) - known
            if missing:
                raise ValueError(f"{indicator.id}: unknown corrections {sorted(missing)}")
        return self

    def indicator(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise KeyError(indicator_id)

    def correction(self, correction_id: str) -> Correction:
        return next(c for c in self.corrections if c.id == correction_id)


def load_quota_file(path: Path) -> QuotaStandard:
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
        standard = QuotaStandard.model_validate(raw)
    except yaml.YAMLError as exc:
        raise QuotaDataError(str(path), f"not valid YAML: {exc}") from exc
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise QuotaDataError(str(path), f"{where}: {error['msg']}") from exc
    if path.stem != standard.id:
        raise QuotaDataError(str(path), f"file must be named {standard.id}.yaml")
    return standard


@cache
def quota_standards() -> dict[str, QuotaStandard]:
    """Every quota standard shipped, by id."""
    folder = Path(str(resources.files("dualcarbon.energy").joinpath("data", "quotas")))
    standards = [load_quota_file(path) for path in sorted(folder.glob("*.yaml"))]
    return {s.id: s for s in standards}


def get_quota_standard(standard_id: str) -> QuotaStandard:
    standards = quota_standards()
    if standard_id not in standards:
        raise QuotaDataError(
            standard_id, f"unknown quota standard (known: {', '.join(sorted(standards))})"
        )
    return standards[standard_id]


def standards_for_sector(sector: str) -> list[QuotaStandard]:
    return [s for s in quota_standards().values() if sector in s.sectors]
