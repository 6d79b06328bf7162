"""What is plausible in a sector, as data: ``methodologies/data/sectors/<sector>.yaml``.

A methodology names its sector (``sector: power``); the sector's file says which derived
indicators have a plausible band (a power unit's supply coal rate), which records need a
counterpart in the same month (generation needs fuel burnt), and which monthly series must be
complete and free of jumps (each unit's generation). The checks themselves are
:mod:`dualcarbon.accounting.plausibility`; a sector without a file gets the checks every
inventory gets (duplicate rows) and the bands of its calculators' slots.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dualcarbon.errors import FactorDataError
from dualcarbon.guards.safe_yaml import safe_load
from dualcarbon.methodologies.bands import Band
from dualcarbon.methodologies.registry import IDENTIFIER


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IndicatorBand(_Frozen):
    """A band on one column of the methodology's production indicators (per unit and year)."""

    column: str
    name_zh: str
    name_en: str
    unit: str
    band: Band
    hint_zh: str = Field(default="", description="what slip usually puts a figure outside")
    hint_en: str = ""


class Counterpart(_Frozen):
    """Rows of ``table`` with ``value`` > 0 need rows of ``needs`` with ``needs_value`` > 0 at the
    same facility, unit and month (generation needs fuel; a deduction needs clinker)."""

    code: str = Field(pattern=IDENTIFIER)
    table: str
    value: str
    needs: str
    needs_value: str
    rule_zh: str = Field(description="the rule; {unit} and {month} are filled in")
    rule_en: str
    basis: str


class Series(_Frozen):
    """A monthly series of ``table``'s ``value`` per ``by`` (besides facility): its gaps and its
    jumps."""

    table: str
    value: str
    by: tuple[str, ...] = ("unit",)
    complete: bool = Field(
        default=False,
        description="every month between the first and last reported must be there (a hole is a "
        "warning; months missing at the ends of the year are a note)",
    )
    jump_ratio: float | None = Field(
        default=None,
        gt=1,
        description="a month more than this many times above or below the median of the "
        "series' other non-zero months is a warning (needs three such months)",
    )


class SectorChecks(_Frozen):
    sector: str
    indicators: tuple[IndicatorBand, ...] = ()
    counterparts: tuple[Counterpart, ...] = ()
    series: tuple[Series, ...] = ()


def _data_folder() -> Path:
    return Path(str(resources.files("dualcarbon.methodologies").joinpath("data", "sectors")))


def load_sector_file(path: Path) -> SectorChecks:
    try:
        checks = SectorChecks.model_validate(safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise FactorDataError(str(path), None, str(exc)) from None
    if checks.sector != path.stem:
        raise FactorDataError(str(path), "sector", f"file must be named {checks.sector}.yaml")
    return checks


@cache
def _sectors() -> dict[str, SectorChecks]:
    return {
        checks.sector: checks
        for checks in (load_sector_file(p) for p in sorted(_data_folder().glob("*.yaml")))
    }


def sector_checks(sector: str) -> SectorChecks:
    """The sector's checks; none beyond the common ones when it has no file."""
    return _sectors().get(sector) or SectorChecks(sector=sector)


def all_sector_checks() -> dict[str, SectorChecks]:
    return dict(_sectors())
