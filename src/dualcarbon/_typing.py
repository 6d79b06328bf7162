"""Type aliases shared across dualcarbon."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

FloatArray = npt.NDArray[np.float64]

# A formula written once works on a number, a numpy array, a polars Series or a polars expression.
Numeric = TypeVar("Numeric", float, FloatArray, pl.Series, pl.Expr)
