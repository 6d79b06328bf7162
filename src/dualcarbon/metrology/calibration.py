"""Calibration and verification records, and an instrument's status at any date.

A :class:`CalibrationRecord` is one certificate (检定/校准证书): its date, the institute, the
certificate number, the result, the reference standard the calibration traces to, and optionally
an explicit next due date and the expanded uncertainty the certificate states. Without an explicit
due date the next one is the record's date plus the instrument's interval.

:func:`status_at` tells, for any date, whether an instrument was ``valid``, ``due`` (within a
window before its due date), ``overdue``, ``failed`` (its latest calibration failed) or
``never_calibrated``, with the dates that explain it. :func:`reading_status` is what an accounting
run asks for each metered reading: a reading taken while its instrument was overdue, failed or
never calibrated keeps its value but loses its tier, and the sentence says why, with the dates.

Dates are inclusive: an instrument calibrated on 2023-02-28 with a 12-month interval is valid up
to and including 2024-02-28 and overdue from 2024-02-29.

Pure domain code: no I/O.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dualcarbon.metrology.instruments import Instrument, StandardUncertainty
from dualcarbon.units import parse_unit

if TYPE_CHECKING:
    from dualcarbon.metrology.register import Register

DEFAULT_DUE_WINDOW_DAYS = 30
"""An instrument is ``due`` when its due date is at most this many days ahead."""


class CalibrationResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"

    def label(self, lang: str) -> str:
        if lang == "en":
            return "pass" if self is CalibrationResult.PASS else "fail"
        return "合格" if self is CalibrationResult.PASS else "不合格"


class CalibrationRecord(BaseModel):
    """One calibration or verification certificate of one instrument."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instrument_id: str
    date: dt.date
    institute: str = ""
    certificate: str = ""
    result: CalibrationResult
    traceable_to: str = Field(default="", description="the reference standard it traces to")
    next_due: dt.date | None = Field(
        default=None, description="due date printed on the certificate; else date + interval"
    )
    expanded_uncertainty: float | None = Field(default=None, gt=0.0, description="U")
    uncertainty_unit: str = Field(default="%", description="'%' of the reading, or a unit")
    coverage_factor: float | None = Field(default=None, gt=0.0, description="k of U = k·u")
    error_found: float | None = Field(
        default=None,
        ge=0.0,
        le=100.0,
        description="the largest basic error the calibration found, % of the reading: a meter "
        "out of tolerance (result fail) is corrected by it where a methodology says so "
        "(CCER-01-001/002-V01 7.3.4)",
    )

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if self.next_due is not None and self.next_due <= self.date:
            raise ValueError("next_due must be after the calibration date")
        if (self.expanded_uncertainty is None) != (self.coverage_factor is None):
            raise ValueError("expanded_uncertainty and coverage_factor go together")
        if self.uncertainty_unit != "%":
            parse_unit(self.uncertainty_unit)
        return self

    def standard_uncertainty(self) -> StandardUncertainty | None:
        """u = U/k from the certificate, or ``None`` when it states no uncertainty."""
        if self.expanded_uncertainty is None or self.coverage_factor is None:
            return None
        return standard_uncertainty_from_certificate(
            self.expanded_uncertainty, self.coverage_factor, self.uncertainty_unit
        )


def standard_uncertainty_from_certificate(
    expanded: float, coverage_factor: float, unit: str = "%"
) -> StandardUncertainty:
    r"""Standard uncertainty from a certificate's expanded uncertainty.

    .. math::

        u = \frac{U}{k}

    Parameters
    ----------
    expanded
        U, the expanded uncertainty the certificate states [``unit``].
    coverage_factor
        k, the coverage factor it states (typically 2 for about 95 %) [1].
    unit
        ``"%"`` for percent of the reading, else the unit of U.

    References
    ----------
    JCGM 100:2008 (GUM) 4.3.3: a quoted uncertainty stated as a multiple of a standard deviation
    gives u as the quoted value divided by the multiplier; read as a normal distribution
    (JCGM 100 4.3.4).

    Examples
    --------
    >>> standard_uncertainty_from_certificate(0.2, 2.0).value
    0.1
    """
    if expanded <= 0 or coverage_factor <= 0:
        raise ValueError("U and k must be positive")
    return StandardUncertainty(
        value=expanded / coverage_factor,
        unit=unit,
        distribution="normal",
        coverage_factor=coverage_factor,
    )


def add_months(date: dt.date, months: int) -> dt.date:
    """``date`` plus whole calendar months, the day clamped to the month's end.

    >>> add_months(dt.date(2024, 2, 29), 12)
    datetime.date(2025, 2, 28)
    """
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    return date.replace(
        year=year, month=month, day=min(date.day, calendar.monthrange(year, month)[1])
    )


def next_due(instrument: Instrument, record: CalibrationRecord) -> dt.date:
    """The date the next calibration is due: the certificate's, else date + interval."""
    if record.next_due is not None:
        return record.next_due
    return add_months(record.date, instrument.interval_months)


class InstrumentState(StrEnum):
    VALID = "valid"
    DUE = "due"
    OVERDUE = "overdue"
    FAILED = "failed"
    NEVER_CALIBRATED = "never_calibrated"

    @property
    def keeps_tier(self) -> bool:
        """Whether readings taken in this state keep the ``measured`` tier."""
        return self in (InstrumentState.VALID, InstrumentState.DUE)

    def label(self, lang: str) -> str:
        labels = _STATE_LABELS[self]
        return labels[1] if lang == "en" else labels[0]


_STATE_LABELS = {
    InstrumentState.VALID: ("有效", "valid"),
    InstrumentState.DUE: ("即将到期", "due"),
    InstrumentState.OVERDUE: ("已超期", "overdue"),
    InstrumentState.FAILED: ("检定不合格", "failed"),
    InstrumentState.NEVER_CALIBRATED: ("无检定记录", "never calibrated"),
}


@dataclass(frozen=True)
class InstrumentStatus:
    """An instrument's calibration state at a date, and the dates that explain it.

    ``last_calibrated`` and ``certificate`` are those of the latest record on or before ``at``;
    ``due_date`` is when its next calibration is (was) due (``None`` when failed or never
    calibrated); ``days_to_due`` is negative when overdue.
    """

    instrument_id: str
    at: dt.date
    state: InstrumentState
    last_calibrated: dt.date | None = None
    certificate: str = ""
    due_date: dt.date | None = None
    days_to_due: int | None = None

    @property
    def keeps_tier(self) -> bool:
        return self.state.keeps_tier

    def explain(self, lang: str = "zh") -> str:
        """One sentence with the dates, in ``lang``."""
        i, last, due, cert = (
            self.instrument_id,
            self.last_calibrated,
            self.due_date,
            self.certificate,
        )
        days = self.days_to_due
        cert_zh = f"，证书 {cert}" if cert else ""
        cert_en = f", certificate {cert}" if cert else ""
        match self.state:
            case InstrumentState.VALID:
                return _pick(
                    lang,
                    f"计量器具 {i} 在检定有效期内（上次检定 {last}{cert_zh}；"
                    f"应于 {due} 前再次检定）",
                    f"instrument {i} is within its calibration interval (last calibrated "
                    f"{last}{cert_en}; next due by {due})",
                )
            case InstrumentState.DUE:
                return _pick(
                    lang,
                    f"计量器具 {i} 即将到期（应于 {due} 前检定，还剩 {days} 天）",
                    f"instrument {i} is due for calibration (due by {due}, {days} day(s) left)",
                )
            case InstrumentState.OVERDUE:
                return _pick(
                    lang,
                    f"计量器具 {i} 已超期（应于 {due} 前检定，超期 {-(days or 0)} 天）",
                    f"instrument {i} is overdue (calibration was due by {due}, "
                    f"{-(days or 0)} day(s) ago)",
                )
            case InstrumentState.FAILED:
                return _pick(
                    lang,
                    f"计量器具 {i} 最近一次检定不合格（{last}{cert_zh}）",
                    f"instrument {i} failed its latest calibration ({last}{cert_en})",
                )
            case InstrumentState.NEVER_CALIBRATED:
                return _pick(
                    lang,
                    f"计量器具 {i} 在 {self.at} 前没有检定/校准记录",
                    f"instrument {i} has no calibration record on or before {self.at}",
                )


def status_at(
    instrument: Instrument,
    records: Iterable[CalibrationRecord],
    at: dt.date,
    *,
    due_window_days: int = DEFAULT_DUE_WINDOW_DAYS,
) -> InstrumentStatus:
    """The calibration state of ``instrument`` on the date ``at``.

    Only the records of this instrument dated on or before ``at`` count; of those, the latest
    decides (records of the same date keep their given order, the last one wins). A failed latest
    record makes the instrument ``failed``; otherwise it is ``overdue`` after its due date, ``due``
    when the due date is at most ``due_window_days`` ahead, else ``valid``.
    """
    if due_window_days < 0:
        raise ValueError("due_window_days must not be negative")
    mine = [r for r in records if r.instrument_id == instrument.id and r.date <= at]
    if not mine:
        return InstrumentStatus(instrument.id, at, InstrumentState.NEVER_CALIBRATED)
    latest = sorted(mine, key=lambda record: record.date)[-1]
    if latest.result is CalibrationResult.FAIL:
        return InstrumentStatus(
            instrument.id,
            at,
            InstrumentState.FAILED,
            last_calibrated=latest.date,
            certificate=latest.certificate,
        )
    due = next_due(instrument, latest)
    days = (due - at).days
    if days < 0:
        state = InstrumentState.OVERDUE
    elif days <= due_window_days:
        state = InstrumentState.DUE
    else:
        state = InstrumentState.VALID
    return InstrumentStatus(
        instrument.id,
        at,
        state,
        last_calibrated=latest.date,
        certificate=latest.certificate,
        due_date=due,
        days_to_due=days,
    )


@dataclass(frozen=True)
class ReadingStatus:
    """Whether a reading keeps its ``measured`` tier, and why not (zh and en, with the dates).

    ``status`` is ``None`` when the instrument is not in the register: such a reading cannot be
    tied to a calibrated instrument and does not keep its tier either.
    """

    instrument_id: str
    reading_date: dt.date
    keeps_tier: bool
    status: InstrumentStatus | None
    message_zh: str
    message_en: str

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh


def reading_status(
    register: Register,
    instrument_id: str,
    reading_date: dt.date,
    *,
    due_window_days: int = DEFAULT_DUE_WINDOW_DAYS,
) -> ReadingStatus:
    """Does a reading taken on ``reading_date`` by ``instrument_id`` keep its tier?

    It does when the instrument was ``valid`` or ``due`` on that date. Otherwise the reading keeps
    its value but loses its tier; the sentence names the instrument and the dates, e.g.
    ``读数日期 2024-03-05 时计量器具 BS-101 已超期（应于 2024-02-28 前检定）``.
    """
    instrument = register.instrument(instrument_id)
    d, i = reading_date, instrument_id
    if instrument is None:
        return ReadingStatus(
            i,
            d,
            False,
            None,
            f"计量器具 {i} 不在计量器具台账中，读数日期 {d} 时的检定状态无法确认",
            f"instrument {i} is not in the register; its calibration state on the reading date "
            f"{d} cannot be established",
        )
    status = status_at(
        instrument, register.records_for(i), reading_date, due_window_days=due_window_days
    )
    due, last, cert = status.due_date, status.last_calibrated, status.certificate
    match status.state:
        case InstrumentState.VALID | InstrumentState.DUE:
            zh = f"读数日期 {d} 时计量器具 {i} 在检定有效期内（有效至 {due}）"
            en = f"on the reading date {d} instrument {i} was within its calibration interval " + (
                f"(valid until {due})"
            )
        case InstrumentState.OVERDUE:
            zh = f"读数日期 {d} 时计量器具 {i} 已超期（应于 {due} 前检定）"
            en = (
                f"on the reading date {d} instrument {i} was overdue (calibration was due by {due})"
            )
        case InstrumentState.FAILED:
            zh = f"读数日期 {d} 时计量器具 {i} 检定不合格（{last} 检定" + (
                f"，证书 {cert}）" if cert else "）"
            )
            en = f"on the reading date {d} instrument {i} had failed its calibration of {last}" + (
                f" (certificate {cert})" if cert else ""
            )
        case InstrumentState.NEVER_CALIBRATED:
            zh = f"读数日期 {d} 时计量器具 {i} 无检定/校准记录"
            en = f"on the reading date {d} instrument {i} had no calibration record"
    return ReadingStatus(i, d, status.keeps_tier, status, zh, en)


def _pick(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh
