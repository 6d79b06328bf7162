"""A small background database of public emission factors (``footprint/data/background.yaml``).

Each record is a cradle-to-gate (or, for fuels and transport, a use) emission factor of one
product — grid electricity, a fuel, a material, a freight service — with its source (document,
table or page, year, URL), how sure we are of the number (``verified`` against the source text,
``known`` from a transcription or summary, ``uncertain``), and its data quality (pedigree scores
and a basic uncertainty factor). :meth:`BackgroundRecord.supply` turns a record into the
:class:`~dualcarbon.footprint.model.BackgroundSupply` a product system buys; a product-system
YAML names it with ``background: [{use: <id>}]`` (:mod:`.product_yaml`).

Reading is all-or-nothing, like every input of dualcarbon: :func:`load_background_library`
returns the whole library or raises one :class:`~dualcarbon.errors.InputError` naming every
broken rule, each with the file, ``sheet`` = ``records``, ``row`` = the record's number counted
from 1, and the field. The rules:

* the file is a mapping with ``schema_version: 1`` and a list of ``records``;
* every field below is present and of its type, no other field;
* ids are unique, lower-case ``[a-z0-9_]``;
* the unit parses, the factor is a finite number ≥ 0 in a CO2e mass per that unit;
* the source names a document, a table or page and a URL (``http(s)://``);
* ``confidence`` is one of ``verified``, ``known``, ``uncertain``, and ``checked`` says how;
* the basic uncertainty equals the factor of ``data/pedigree.yaml`` that ``basic_uncertainty_ref``
  names, and the five pedigree scores are 1–5.

Which numbers are in the file, where each comes from and what was left out for want of a public
source: ``docs/footprint-background.md``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dualcarbon.errors import DualcarbonError, InputError, InputProblem
from dualcarbon.footprint.model import BackgroundSupply, FlowOrigin
from dualcarbon.footprint.pedigree import basic_uncertainty_factor
from dualcarbon.guards.yaml_file import read_yaml_mapping

SCHEMA_VERSION = 1
Confidence = Literal["verified", "known", "uncertain"]

_ID = re.compile(r"^[a-z0-9_]+$")
_URL = re.compile(r"^https?://\S+$")
_SHEET = "records"
_FACTOR_FIELDS = frozenset({"emission_factor", "emission_factor_unit", "unit"})


class UnknownBackgroundRecordError(DualcarbonError, LookupError):
    """No record of this id in the background library."""

    def __init__(self, record_id: str, known: Sequence[str]) -> None:
        self.record_id = record_id
        self.known = tuple(known)
        super().__init__(
            f"no background record {record_id!r} in the library (known: {', '.join(self.known)})"
        )


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class BackgroundSource(_Strict):
    """Where a factor was published: ``year`` is None when the text read did not show it."""

    document: str = Field(min_length=1)
    table: str = Field(min_length=1)
    year: int | None
    url: str = Field(min_length=1)

    def text(self) -> str:
        """One line: document, table or page, year, URL."""
        year = "year not stated" if self.year is None else str(self.year)
        return f"{self.document}; {self.table}; {year}; {self.url}"


class BackgroundRecord(_Strict):
    """One product of the background library (see the module docstring)."""

    id: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    emission_factor: float
    emission_factor_unit: str = Field(min_length=1)
    origin: FlowOrigin = FlowOrigin.FOSSIL
    aircraft: bool = False
    geography: str = Field(min_length=1)
    data_year: int | None
    scope: str = Field(min_length=1)
    source: BackgroundSource
    confidence: Confidence
    checked: str = Field(min_length=1)
    data_quality: tuple[int, int, int, int, int]
    basic_uncertainty: float
    basic_uncertainty_ref: str = Field(min_length=1)
    note: str = ""

    @property
    def name(self) -> str:
        """``中文名 / English name``."""
        return f"{self.name_zh} / {self.name_en}"

    def supply_mapping(self) -> dict[str, Any]:
        """The record as the raw mapping of a ``background:`` entry of a product-system file."""
        return {
            "product": self.id,
            "name": self.name,
            "unit": self.unit,
            "emission_factor": self.emission_factor,
            "emission_factor_unit": self.emission_factor_unit,
            "source": (
                f"{self.source.text()} [background library record {self.id}, "
                f"confidence: {self.confidence}]"
            ),
            "data_quality": list(self.data_quality),
            "basic_uncertainty": self.basic_uncertainty,
            "origin": self.origin.value,
            "aircraft": self.aircraft,
        }

    def supply(self, **overrides: Any) -> BackgroundSupply:
        """The record as a :class:`BackgroundSupply`, any of its fields replaced by ``overrides``
        (``product`` to buy it under another product id). A changed factor or unit needs its own
        ``source``; otherwise the library's source would be cited for a number it did not give."""
        problems = override_problems(overrides)
        if problems:
            raise InputError([dataclasses.replace(p, file="overrides") for p in problems])
        return BackgroundSupply.model_validate({**self.supply_mapping(), **overrides})


def override_problems(overrides: Mapping[str, Any]) -> list[InputProblem]:
    """Rules for fields written next to ``use:`` (the file is left to the caller)."""
    problems: list[InputProblem] = []
    allowed = set(BackgroundSupply.model_fields)
    for key in overrides:
        if key not in allowed:
            problems.append(
                InputProblem(
                    "",
                    f"not a field of a background supply (fields: {', '.join(sorted(allowed))})",
                    field=str(key),
                )
            )
    changed = sorted(_FACTOR_FIELDS & set(overrides))
    if changed and "source" not in overrides:
        problems.append(
            InputProblem(
                "",
                f"{', '.join(changed)} changed: give the source of the new number (source)",
                field="source",
            )
        )
    return problems


@dataclasses.dataclass(frozen=True)
class BackgroundLibrary:
    """The records of one library file, by id."""

    records: Mapping[str, BackgroundRecord]
    path: str

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.records

    def __iter__(self) -> Iterator[BackgroundRecord]:
        return iter(self.records.values())

    def __len__(self) -> int:
        return len(self.records)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.records)

    def get(self, record_id: str) -> BackgroundRecord:
        try:
            return self.records[record_id]
        except KeyError:
            raise UnknownBackgroundRecordError(record_id, self.ids) from None

    def supply(self, record_id: str, **overrides: Any) -> BackgroundSupply:
        """The record ``record_id`` as a :class:`BackgroundSupply` (see
        :meth:`BackgroundRecord.supply`)."""
        return self.get(record_id).supply(**overrides)


def default_path() -> Path:
    """The library shipped with dualcarbon."""
    return Path(str(resources.files("dualcarbon.footprint").joinpath("data/background.yaml")))


@cache
def default_background_library() -> BackgroundLibrary:
    """The shipped library (read once)."""
    return load_background_library(default_path())


def load_background_library(path: Path) -> BackgroundLibrary:
    """The library in the YAML file at ``path``, or an InputError naming every problem."""
    raw = read_yaml_mapping(path, what="a background library (a mapping)")
    return parse_background_library(raw, source=str(path))


def parse_background_library(raw: Mapping[str, Any], source: str) -> BackgroundLibrary:
    """The library in a parsed mapping; ``source`` names the file in the problems."""
    problems: list[InputProblem] = []
    for key in sorted(set(raw) - {"schema_version", "records"}, key=str):
        problems.append(InputProblem(source, "unknown top-level field", field=str(key)))
    if raw.get("schema_version") != SCHEMA_VERSION:
        problems.append(
            InputProblem(
                source,
                f"schema_version must be {SCHEMA_VERSION}",
                field="schema_version",
                value=raw.get("schema_version"),
            )
        )
    entries = raw.get("records")
    if not isinstance(entries, list) or not entries:
        problems.append(InputProblem(source, "records must be a non-empty list", field="records"))
        raise InputError(problems)

    records: dict[str, BackgroundRecord] = {}
    for index, entry in enumerate(entries):
        row = index + 1
        if not isinstance(entry, dict):
            problems.append(InputProblem(source, "a record is a mapping", sheet=_SHEET, row=row))
            continue
        record, found = _record(entry, source, row)
        problems += found
        if record is None:
            continue
        if record.id in records:
            problems.append(
                InputProblem(
                    source,
                    "id used by an earlier record",
                    field="id",
                    sheet=_SHEET,
                    row=row,
                    value=record.id,
                )
            )
        else:
            records[record.id] = record
    if problems:
        raise InputError(problems)
    return BackgroundLibrary(records=records, path=source)


def _record(
    entry: Mapping[str, Any], source: str, row: int
) -> tuple[BackgroundRecord | None, list[InputProblem]]:
    def problem(rule: str, field: str | None = None, value: object = None) -> InputProblem:
        return InputProblem(source, rule, field=field, sheet=_SHEET, row=row, value=value)

    data = dict(entry)
    if isinstance(data.get("emission_factor"), int) and not isinstance(
        data.get("emission_factor"), bool
    ):
        data["emission_factor"] = float(data["emission_factor"])
    if isinstance(data.get("basic_uncertainty"), int) and not isinstance(
        data.get("basic_uncertainty"), bool
    ):
        data["basic_uncertainty"] = float(data["basic_uncertainty"])
    if isinstance(data.get("data_quality"), list):
        data["data_quality"] = tuple(data["data_quality"])
    if isinstance(data.get("origin"), str):
        try:
            data["origin"] = FlowOrigin(data["origin"])
        except ValueError:
            return None, [
                problem(
                    f"origin is one of {', '.join(o.value for o in FlowOrigin)}",
                    "origin",
                    data["origin"],
                )
            ]
    try:
        record = BackgroundRecord.model_validate(data)
    except ValidationError as exc:
        found = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or None
            value = error.get("input")
            if error["type"] == "missing" or isinstance(value, dict | list | tuple):
                value = None
            found.append(problem(str(error["msg"]), field, value))
        return None, found

    found = []
    if not _ID.match(record.id):
        found.append(problem("an id is lower-case letters, digits and _", "id", record.id))
    if not math.isfinite(record.emission_factor) or record.emission_factor < 0:
        found.append(
            problem("the factor is a finite number ≥ 0", "emission_factor", record.emission_factor)
        )
    if not _URL.match(record.source.url):
        found.append(
            problem("the URL starts with http:// or https://", "source.url", record.source.url)
        )
    for number, score in enumerate(record.data_quality):
        if not 1 <= score <= 5:
            found.append(
                problem("a pedigree score is 1 to 5", f"data_quality[{number + 1}]", score)
            )
    try:
        expected = basic_uncertainty_factor(record.basic_uncertainty_ref)
    except (KeyError, LookupError):
        found.append(
            problem(
                "not a basic uncertainty id of data/pedigree.yaml",
                "basic_uncertainty_ref",
                record.basic_uncertainty_ref,
            )
        )
    else:
        if not math.isclose(record.basic_uncertainty, expected, rel_tol=1e-12):
            found.append(
                problem(
                    f"{record.basic_uncertainty_ref} has Ub = {expected:g}",
                    "basic_uncertainty",
                    record.basic_uncertainty,
                )
            )
    if not found:
        try:
            BackgroundSupply.model_validate(record.supply_mapping())
        except InputError as exc:
            found += [problem(p.rule, p.field, p.value) for p in exc.problems]
        except ValidationError as exc:
            for error in exc.errors():
                cause = (error.get("ctx") or {}).get("error")
                if isinstance(cause, InputError):
                    found += [problem(p.rule, p.field, p.value) for p in cause.problems]
                else:
                    field = ".".join(str(part) for part in error["loc"]) or None
                    found.append(problem(str(error["msg"]).removeprefix("Value error, "), field))
    return (None if found else record), found
