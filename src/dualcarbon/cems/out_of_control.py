"""Out-of-control periods (失控时段) of a CEMS: the spans during which a monitor was known to be
out of control, e.g. from the last passed calibration to the corrective one after a failed drift
or accuracy check (HJ 75-2017, recalled). The pipeline (step 3) makes the hours of a period
invalid for the parameter's monitor, and step 8 substitutes them by the out-of-control tiers.

The periods come as a CSV file, one row per period::

    source,parameter,start,end,reason
    44010000000000,co2,2023-03-02T08:00,2023-03-03T10:00,zero drift 3.1 % > 2.5 % (HJ 75)

``parameter`` names the monitor: ``co2`` (the CO2 analyser) or ``flow``, ``temperature``,
``pressure``, ``moisture`` (each needed for the dry standard flow); ``start`` and ``end`` are
China Standard Time, ``end`` exclusive; an hour is out of control when its start lies in the
period. Reading is all-or-nothing and names file, row and field.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from dualcarbon.errors import InputError, InputProblem

MONITORS = ("co2", "flow", "temperature", "pressure", "moisture")
"""Monitors a period may name: the CO2 analyser and those the dry standard flow needs."""

COLUMNS = ("source", "parameter", "start", "end")

SCHEMA = pa.schema(
    [
        pa.field("source", pa.string()),
        pa.field("parameter", pa.string()),
        pa.field("period_start", pa.timestamp("us")),
        pa.field("period_end", pa.timestamp("us")),
    ]
)
"""The table the pipeline reads as ``out_of_control`` (naive China Standard Time)."""


@dataclass(frozen=True)
class OutOfControl:
    """One out-of-control period of one monitor of one stack."""

    source: str
    parameter: str
    start: dt.datetime
    end: dt.datetime
    reason: str = ""

    def __post_init__(self) -> None:
        if self.parameter not in MONITORS:
            raise ValueError(f"parameter {self.parameter!r} is not one of {', '.join(MONITORS)}")
        if self.end <= self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")


def to_table(periods: Iterable[OutOfControl]) -> pa.Table:
    """The periods as the pipeline's ``out_of_control`` table (possibly empty)."""
    rows = list(periods)
    return pa.table(
        {
            "source": [p.source for p in rows],
            "parameter": [p.parameter for p in rows],
            "period_start": [p.start for p in rows],
            "period_end": [p.end for p in rows],
        },
        schema=SCHEMA,
    )


def _time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is not None:
        # the minute data are naive China Standard Time
        value = value.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    return value


def _parse_row(
    name: str, number: int, row: dict[str, str | None]
) -> OutOfControl | list[InputProblem]:
    """One CSV row as a period, or every problem it has."""
    problems: list[InputProblem] = []
    source = (row.get("source") or "").strip()
    parameter = (row.get("parameter") or "").strip()
    if not source:
        problems.append(InputProblem(name, "a source is required", "source", row=number))
    if parameter not in MONITORS:
        rule = f"must be one of {', '.join(MONITORS)}"
        problems.append(InputProblem(name, rule, "parameter", row=number, value=parameter))
    times: dict[str, dt.datetime] = {}
    for column in ("start", "end"):
        try:
            times[column] = _time(row.get(column) or "")
        except ValueError:
            rule = "not an ISO 8601 date-time (e.g. 2023-03-02T08:00)"
            problems.append(InputProblem(name, rule, column, row=number, value=row.get(column)))
    if len(times) == 2 and times["end"] <= times["start"]:
        problems.append(InputProblem(name, "end must be after start", "end", row=number))
    if problems:
        return problems
    reason = (row.get("reason") or "").strip()
    return OutOfControl(source, parameter, times["start"], times["end"], reason)


def read_periods(path: Path) -> list[OutOfControl]:
    """Read an out-of-control CSV file (UTF-8, with a header row; see the module docstring)."""
    name = str(path)
    problems: list[InputProblem] = []
    periods: list[OutOfControl] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            rule = f"missing column(s) {', '.join(missing)}"
            raise InputError([InputProblem(name, rule, row=1)])
        for number, row in enumerate(reader, start=2):  # the header is row 1
            parsed = _parse_row(name, number, row)
            if isinstance(parsed, OutOfControl):
                periods.append(parsed)
            else:
                problems.extend(parsed)
    if problems:
        raise InputError(problems)
    return periods
