"""Tie each metered amount to the instrument that produced it (DESIGN: data first from
calibrated instruments).

A line whose evidence names an instrument of the register (``入炉煤皮带秤 BS-101``) is checked at
both ends of its month: a monthly total is accumulated over the whole month, so an instrument that
was overdue or failed on either day did not measure all of it. Such a reading keeps its value but
loses the ``measured`` tier — it is kept as ``calculated``, an estimate — and the line says why,
with the dates. Where the inventory gives no MPE for the reading, its uncertainty comes from the
instrument: the latest calibration certificate's U/k, else its accuracy class (rectangular).
"""

from __future__ import annotations

import calendar
import datetime as dt

import polars as pl

from dualcarbon.datum import Tier
from dualcarbon.metrology.calibration import ReadingStatus, reading_status
from dualcarbon.metrology.instruments import standard_uncertainty_from_accuracy
from dualcarbon.metrology.register import Register


def _month_status(register: Register, instrument: str, year: int, month: int) -> ReadingStatus:
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    at_start = reading_status(register, instrument, first)
    return at_start if not at_start.keeps_tier else reading_status(register, instrument, last)


def _relative_u(register: Register, instrument: str) -> tuple[float | None, str | None]:
    """Relative standard uncertainty of a reading [-] and its distribution, if known."""
    found = register.instrument(instrument)
    if found is None:
        return None, None
    records = register.records_for(instrument)
    certificate = records[-1].standard_uncertainty() if records else None
    chosen = certificate if certificate is not None and certificate.is_relative else None
    if chosen is None and found.accuracy is not None:
        from_class = standard_uncertainty_from_accuracy(found.accuracy)
        chosen = from_class if from_class.is_relative else None
    if chosen is None:
        return None, None
    return chosen.value / 100.0, chosen.distribution


def apply_register(lines: pl.DataFrame, register: Register, year: int) -> pl.DataFrame:
    """Lines with ``instrument`` and ``instrument_flag_*`` filled, tiers and u adjusted."""
    refs = lines.select("activity_ref").unique().to_series().to_list()
    ids = {ref: register.find_instrument(ref) for ref in refs if ref}
    lines = lines.with_columns(
        instrument=pl.col("activity_ref").replace_strict(ids, default=None, return_dtype=pl.String)
    )
    pairs = lines.filter(pl.col("instrument").is_not_null()).select("instrument", "month").unique()
    rows = []
    for instrument, month in pairs.iter_rows():
        status = _month_status(register, instrument, year, month)
        relative, distribution = _relative_u(register, instrument)
        rows.append(
            {
                "instrument": instrument,
                "month": month,
                "_keeps": status.keeps_tier,
                "_flag_zh": None if status.keeps_tier else status.message_zh,
                "_flag_en": None if status.keeps_tier else status.message_en,
                "_relative_u": relative,
                "_distribution": distribution,
            }
        )
    if not rows:
        return lines
    statuses = pl.DataFrame(
        rows,
        schema={
            "instrument": pl.String,
            "month": pl.Int64,
            "_keeps": pl.Boolean,
            "_flag_zh": pl.String,
            "_flag_en": pl.String,
            "_relative_u": pl.Float64,
            "_distribution": pl.String,
        },
    )
    lines = lines.join(statuses, on=["instrument", "month"], how="left")
    measured = pl.col("activity_tier") == Tier.MEASURED.value
    lost = measured & pl.col("_keeps").not_()
    from_instrument = pl.col("activity_u").is_null() & pl.col("_relative_u").is_not_null()
    return lines.with_columns(
        activity_tier=pl.when(lost)
        .then(pl.lit(Tier.CALCULATED.value))
        .otherwise(pl.col("activity_tier")),
        activity_u=pl.when(from_instrument)
        .then(pl.col("activity").abs() * pl.col("_relative_u"))
        .otherwise(pl.col("activity_u")),
        activity_distribution=pl.when(from_instrument)
        .then(pl.col("_distribution"))
        .otherwise(pl.col("activity_distribution")),
        instrument_flag_zh=pl.when(lost).then(pl.col("_flag_zh")).otherwise(None),
        instrument_flag_en=pl.when(lost).then(pl.col("_flag_en")).otherwise(None),
        explanation_zh=pl.when(lost)
        .then(pl.format("{}；{} → 消耗量不再作为计量实测", "explanation_zh", "_flag_zh"))
        .otherwise(pl.col("explanation_zh")),
        explanation_en=pl.when(lost)
        .then(
            pl.format(
                "{}; {} → the amount no longer counts as measured", "explanation_en", "_flag_en"
            )
        )
        .otherwise(pl.col("explanation_en")),
    ).drop("_keeps", "_flag_zh", "_flag_en", "_relative_u", "_distribution")
