"""The monitoring plan against the instrument register, and the methodology's conservative
treatment of readings from meters not calibrated in time.

CCER-01-001-V01 and CCER-01-002-V01 §7.3.4: a reading of a meter that was not calibrated, or was
calibrated late (for the late period), is taken as reading × (1 − MPE of its accuracy class)
where a larger value earns reductions (electricity supplied), and × (1 + MPE) where it reduces
them (electricity taken, fuel burnt). A month counts as not calibrated when the meter was overdue,
failed, or never calibrated on its first or last day within the monitoring period: a monthly
total is accumulated over the whole month.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import polars as pl

from dualcarbon.accounting.inventory import ROW
from dualcarbon.errors import InputProblem
from dualcarbon.methodologies.project_rules import MonitoredParameter, ProjectRules
from dualcarbon.metrology.calibration import InstrumentState, ReadingStatus, reading_status
from dualcarbon.metrology.register import Register
from dualcarbon.projects.model import YEAR, Period, PlanEntry, ProjectInventory


@dataclass(frozen=True)
class Correction:
    """One reading taken conservatively because its meter was not calibrated in time."""

    parameter: str
    symbol: str
    sheet: str
    row: int
    year: int
    month: int
    point: str
    meter: str
    reading: float
    error_percent: float
    factor: float
    corrected: float
    reason_zh: str
    reason_en: str
    clause: str

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Reading:
    """One monthly reading of a monitored parameter, as metered and as used."""

    parameter: str
    symbol: str
    year: int
    month: int
    point: str
    meter: str
    reading: float
    used: float
    evidence: str

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def plan_problems(
    inventory: ProjectInventory, rules: ProjectRules, register: Register
) -> list[InputProblem]:
    """The plan names a registered meter for every monitored parameter that has readings, and
    each meter meets the methodology's accuracy class and calibration interval."""
    problems: list[InputProblem] = []
    source = inventory.source
    for position, entry in enumerate(inventory.plan):
        row = inventory.plan_rows[position] if inventory.plan_rows else position + 1
        parameter = rules.parameter(entry.parameter)
        if parameter is None:
            known = ", ".join(m.parameter for m in rules.monitoring)
            problems.append(
                _plan_problem(
                    source,
                    row,
                    "parameter",
                    entry.parameter,
                    f"the methodology monitors no {entry.parameter!r} (known: {known})",
                    f"方法学没有监测参数 {entry.parameter!r}（可填：{known}）",
                )
            )
            continue
        instrument = register.instrument(entry.meter)
        if instrument is None:
            problems.append(
                _plan_problem(
                    source,
                    row,
                    "meter",
                    entry.meter,
                    f"meter {entry.meter} is not in the instrument register",
                    f"计量器具 {entry.meter} 不在计量器具台账中",
                )
            )
            continue
        relative = instrument.accuracy.relative_mpe
        limit = parameter.accuracy_class_max
        if limit is not None and (relative is None or relative > limit):
            problems.append(
                _plan_problem(
                    source,
                    row,
                    "meter",
                    entry.meter,
                    f"{entry.meter} measures {parameter.name_en} with accuracy "
                    f"{instrument.accuracy}; {parameter.clause} requires class {limit:g} or better",
                    f"{entry.meter} 计量{parameter.name_zh}，准确度 {instrument.accuracy}；"
                    f"{parameter.clause} 要求不低于 {limit:g} 级",
                )
            )
        months = parameter.calibration_months_max
        if months is not None and instrument.interval_months > months:
            problems.append(
                _plan_problem(
                    source,
                    row,
                    "meter",
                    entry.meter,
                    f"{entry.meter} is calibrated every {instrument.interval_months} months; "
                    f"{parameter.clause} requires at least every {months}",
                    f"{entry.meter} 检定/校准周期 {instrument.interval_months} 个月；"
                    f"{parameter.clause} 要求不超过 {months} 个月",
                )
            )
    for parameter in rules.monitoring:
        frame = inventory.tables.get(parameter.table)
        if frame is None or not frame.height:
            continue
        read = frame.filter(pl.col(parameter.column).is_not_null())
        points = sorted(set(read["unit"].fill_null("all").to_list())) if read.height else []
        for point in points:
            if _meter(inventory, parameter.parameter, point) is None:
                where = "" if point == "all" else f" at {point}"
                problems.append(
                    InputProblem(
                        source,
                        f"the monitoring plan names no meter for {parameter.parameter} "
                        f"({parameter.name_en}){where} ({parameter.clause})",
                        field="meter",
                        sheet=inventory.sheets.get("plan", "monitoring_plan"),
                        value=parameter.parameter,
                        rule_zh=f"监测计划未指定{parameter.name_zh}（{parameter.parameter}）"
                        + ("" if point == "all" else f"在计量点 {point} ")
                        + f"的计量器具（{parameter.clause}）",
                    )
                )
    return problems


def _plan_problem(
    source: str, row: int, field: str, value: str, rule: str, rule_zh: str
) -> InputProblem:
    return InputProblem(
        source, rule, field=field, sheet="monitoring_plan", row=row, value=value, rule_zh=rule_zh
    )


def _meter(inventory: ProjectInventory, parameter: str, point: str) -> PlanEntry | None:
    entries = inventory.meters_for(parameter)
    exact = [e for e in entries if e.point == point]
    anywhere = [e for e in entries if e.point is None]
    found = exact or anywhere
    return found[0] if found else None


def conservative_readings(
    inventory: ProjectInventory,
    rules: ProjectRules,
    register: Register,
    frames: dict[str, pl.DataFrame],
) -> tuple[dict[str, pl.DataFrame], list[Correction], list[Reading]]:
    """The tables with each reading of a meter not calibrated in time taken conservatively, the
    meter named in its evidence, and its MPE filled from the register where none is typed; the
    corrections made, and every metered reading as read and as used."""
    corrections: list[Correction] = []
    readings: list[Reading] = []
    out = dict(frames)
    monitored = inventory.header.monitoring_period
    for parameter in rules.monitoring:
        frame = out.get(parameter.table)
        if frame is None or not frame.height:
            continue
        values = frame[parameter.column].to_list()
        refs = frame[parameter.evidence_column].to_list()
        mpes = frame[parameter.mpe_column].to_list() if parameter.mpe_column else None
        for index, record in enumerate(frame.iter_rows(named=True)):
            reading = record[parameter.column]
            point = record["unit"] or "all"
            entry = _meter(inventory, parameter.parameter, point)
            if reading is None or entry is None:
                continue
            instrument = register.instrument(entry.meter)
            if instrument is None:
                continue
            typed = (refs[index] or "").strip()
            refs[index] = typed if entry.meter in typed else f"{entry.meter} {typed}".strip()
            relative = instrument.accuracy.relative_mpe
            if mpes is not None and mpes[index] is None and relative is not None:
                mpes[index] = relative
            reading_at = len(readings)
            readings.append(
                Reading(
                    parameter.parameter,
                    parameter.symbol,
                    record[YEAR],
                    record["month"],
                    point,
                    entry.meter,
                    reading,
                    reading,
                    typed,
                )
            )
            status = _month_status(register, entry.meter, record[YEAR], record["month"], monitored)
            if parameter.conservative is None or status is None or status.keeps_tier:
                continue
            error = _error(register, entry.meter, status, relative)
            if error is None or reading == 0:
                continue
            factor = 1 - error / 100 if parameter.conservative == "lower" else 1 + error / 100
            values[index] = reading * factor
            refs[index] += (
                f"（{entry.meter} 未按期检定或检定不合格：读数 {reading:g} × {factor:g}，"
                f"{rules.conservative_clause}）"
            )
            corrections.append(
                _correction(
                    inventory, rules, parameter, record, entry.meter, reading, error, status
                )
            )
            readings[reading_at] = Reading(
                parameter.parameter,
                parameter.symbol,
                record[YEAR],
                record["month"],
                point,
                entry.meter,
                reading,
                values[index],
                typed,
            )
        updated = [
            pl.Series(parameter.column, values, dtype=pl.Float64),
            pl.Series(parameter.evidence_column, refs, dtype=pl.String),
        ]
        if parameter.mpe_column and mpes is not None:
            updated.append(pl.Series(parameter.mpe_column, mpes, dtype=pl.Float64))
        out[parameter.table] = frame.with_columns(updated)
    return out, corrections, readings


def _month_status(
    register: Register, meter: str, year: int, month: int, within: Period
) -> ReadingStatus | None:
    """The meter's state over the month, clipped to the monitoring period: the first failing
    end, else the last day's."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    first, last = max(first, within.start), min(last, within.end)
    if last < first:
        return None
    at_start = reading_status(register, meter, first)
    return at_start if not at_start.keeps_tier else reading_status(register, meter, last)


def _error(
    register: Register, meter: str, status: ReadingStatus, relative: float | None
) -> float | None:
    """The error a reading is corrected by [% of the reading]: the basic error the calibration
    found, where the meter failed it and the certificate states it; else the MPE of its accuracy
    class (not calibrated, calibrated late, or failed without a stated error: 7.3.4)."""
    found = status.status
    if found is not None and found.state is InstrumentState.FAILED:
        failed = [
            r
            for r in register.records_for(meter)
            if r.date == found.last_calibrated and r.error_found is not None
        ]
        if failed:
            return failed[-1].error_found
    return relative


def _correction(
    inventory: ProjectInventory,
    rules: ProjectRules,
    parameter: MonitoredParameter,
    record: dict[str, object],
    meter: str,
    reading: float,
    relative: float,
    status: ReadingStatus,
) -> Correction:
    sign = -1 if parameter.conservative == "lower" else 1
    factor = 1 + sign * relative / 100
    return Correction(
        parameter=parameter.parameter,
        symbol=parameter.symbol,
        sheet=inventory.sheets.get(parameter.table, parameter.table),
        row=int(str(record[ROW])),
        year=int(str(record[YEAR])),
        month=int(str(record["month"])),
        point=str(record["unit"] or "all"),
        meter=meter,
        reading=reading,
        error_percent=relative,
        factor=factor,
        corrected=reading * factor,
        reason_zh=status.message_zh,
        reason_en=status.message_en,
        clause=rules.conservative_clause,
    )
