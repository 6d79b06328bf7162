"""Metrology: measuring instruments, their calibration, and the GB 17167 configuration review.

- :mod:`~dualcarbon.metrology.instruments`: instruments, accuracy, metering points, accuracy →
  standard uncertainty.
- :mod:`~dualcarbon.metrology.calibration`: calibration records, status at a date, whether a
  reading keeps its tier.
- :mod:`~dualcarbon.metrology.register`: the register (instruments, records, metering points).
- :mod:`~dualcarbon.io.register_files`: Excel, CSV and YAML register files.
- :mod:`~dualcarbon.metrology.review`: configuration review per GB 17167-2006.
"""

from dualcarbon.metrology.calibration import (
    DEFAULT_DUE_WINDOW_DAYS,
    CalibrationRecord,
    CalibrationResult,
    InstrumentState,
    InstrumentStatus,
    ReadingStatus,
    add_months,
    next_due,
    reading_status,
    standard_uncertainty_from_certificate,
    status_at,
)
from dualcarbon.metrology.instruments import (
    ENERGY_TYPES,
    Accuracy,
    BoundaryLevel,
    Instrument,
    InstrumentKind,
    MeteringPoint,
    StandardUncertainty,
    standard_uncertainty_from_accuracy,
)
from dualcarbon.metrology.register import Register

__all__ = [
    "DEFAULT_DUE_WINDOW_DAYS",
    "ENERGY_TYPES",
    "Accuracy",
    "BoundaryLevel",
    "CalibrationRecord",
    "CalibrationResult",
    "Instrument",
    "InstrumentKind",
    "InstrumentState",
    "InstrumentStatus",
    "MeteringPoint",
    "ReadingStatus",
    "Register",
    "StandardUncertainty",
    "add_months",
    "next_due",
    "reading_status",
    "standard_uncertainty_from_accuracy",
    "standard_uncertainty_from_certificate",
    "status_at",
]
