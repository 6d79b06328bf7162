"""The register of measuring instruments: instruments, their calibration records, and the
metering points the unit should have.

Pure domain code: no I/O. Files are read and written by :mod:`dualcarbon.io.register_files`,
the store keeps registers per organisation (:mod:`dualcarbon.store.repository`).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator

from dualcarbon.metrology.calibration import (
    DEFAULT_DUE_WINDOW_DAYS,
    CalibrationRecord,
    InstrumentStatus,
    status_at,
)
from dualcarbon.metrology.instruments import Instrument, MeteringPoint


class Register(BaseModel):
    """A unit's register: every instrument once, every record naming a known instrument."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation: str | None = None
    instruments: tuple[Instrument, ...] = ()
    calibrations: tuple[CalibrationRecord, ...] = ()
    points: tuple[MeteringPoint, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> Self:
        ids = [instrument.id for instrument in self.instruments]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"instrument id(s) given twice: {', '.join(twice)}")
        known = set(ids)
        unknown = sorted({r.instrument_id for r in self.calibrations} - known)
        if unknown:
            raise ValueError(
                f"calibration record(s) of unknown instrument(s): {', '.join(unknown)}"
            )
        point_ids = [point.id for point in self.points]
        twice = sorted({i for i in point_ids if point_ids.count(i) > 1})
        if twice:
            raise ValueError(f"metering point id(s) given twice: {', '.join(twice)}")
        unknown = sorted({p.instrument for p in self.points if p.instrument} - known)
        if unknown:
            raise ValueError(f"metering point(s) name unknown instrument(s): {', '.join(unknown)}")
        return self

    @cached_property
    def _by_id(self) -> dict[str, Instrument]:
        return {instrument.id: instrument for instrument in self.instruments}

    def instrument(self, instrument_id: str) -> Instrument | None:
        return self._by_id.get(instrument_id)

    def records_for(self, instrument_id: str) -> tuple[CalibrationRecord, ...]:
        """The instrument's records, oldest first."""
        return tuple(
            sorted(
                (r for r in self.calibrations if r.instrument_id == instrument_id),
                key=lambda record: record.date,
            )
        )

    def status_at(
        self,
        instrument_id: str,
        at: dt.date,
        *,
        due_window_days: int = DEFAULT_DUE_WINDOW_DAYS,
    ) -> InstrumentStatus:
        instrument = self.instrument(instrument_id)
        if instrument is None:
            raise KeyError(f"no instrument {instrument_id!r} in the register")
        return status_at(
            instrument, self.records_for(instrument_id), at, due_window_days=due_window_days
        )

    def statuses(
        self, at: dt.date, *, due_window_days: int = DEFAULT_DUE_WINDOW_DAYS
    ) -> list[InstrumentStatus]:
        """Every instrument's status at ``at``, in register order."""
        return [
            self.status_at(instrument.id, at, due_window_days=due_window_days)
            for instrument in self.instruments
        ]

    def find_instrument(self, reference: str) -> str | None:
        """The register id written in a free-text evidence reference, if any.

        Inventories name their evidence in words (``入炉煤皮带秤 BS-101``, ``关口表 GK-01 结算单``);
        an id counts when it stands as a token of its own (``BS-1010`` does not name ``BS-101``).
        The longest matching id wins.
        """
        for instrument_id in sorted(self._by_id, key=len, reverse=True):
            pattern = rf"(?<![A-Za-z0-9]){re.escape(instrument_id)}(?![A-Za-z0-9])"
            if re.search(pattern, reference):
                return instrument_id
        return None

    def with_organisation(self, organisation: str) -> Register:
        return self.model_copy(update={"organisation": organisation})
