"""Fixtures of the CEMS tests: a builder of minute data in the layout of
:mod:`dualcarbon.cems.schema`, a writer of that layout, and one local SparkSession per test
session (started only by the tests that ask for it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from dualcarbon.cems.schema import MINUTE_SCHEMA, PARAMETERS

BASE = {
    "co2": 12.0,
    "o2": 6.0,
    "flow": 1_500_000.0,
    "temperature": 130.0,
    "pressure": 101.0,
    "moisture": 8.0,
}
"""The steady stack of the worked example (test_mass.py): 12 % CO2 dry, 1 500 000 m³/h at
130 °C, 101.0 kPa, 8 % moisture."""


class Minutes:
    """Minute rows of one stack from ``start`` to ``end`` (exclusive), every parameter at
    :data:`BASE` with flag N; edit with :meth:`set` and :meth:`drop`."""

    def __init__(self, source: str, start: str, end: str) -> None:
        self.source = source
        self.time = np.arange(
            np.datetime64(start, "m"), np.datetime64(end, "m"), dtype="datetime64[m]"
        )
        n = len(self.time)
        self.values = {p: np.full(n, BASE[p]) for p in PARAMETERS}
        self.flags = {p: np.full(n, "N", dtype=object) for p in PARAMETERS}
        self.keep = np.ones(n, dtype=bool)

    def window(self, first: str, last: str) -> Any:
        """Mask of the minutes in [first, last)."""
        return (self.time >= np.datetime64(first, "m")) & (self.time < np.datetime64(last, "m"))

    def set(
        self,
        first: str,
        last: str,
        *,
        flag: str | None = None,
        parameters: tuple[str, ...] = PARAMETERS,
        **values: float,
    ) -> Minutes:
        """Give the minutes in [first, last) new values and/or a flag (for ``parameters``)."""
        mask = self.window(first, last)
        for name, value in values.items():
            self.values[name][mask] = value
        if flag is not None:
            for name in parameters:
                self.flags[name][mask] = flag
        return self

    def drop(self, first: str, last: str) -> Minutes:
        """Remove the rows in [first, last): the logger sent nothing."""
        self.keep &= ~self.window(first, last)
        return self

    def table(self) -> pa.Table:
        keep = self.keep
        columns: dict[str, Any] = {
            "source": pa.array([self.source] * int(keep.sum()), pa.string()),
            "time": pa.array(self.time[keep].astype("datetime64[s]"), pa.timestamp("s")),
        }
        for name in PARAMETERS:
            columns[name] = pa.array(self.values[name][keep])
            columns[f"{name}_flag"] = pa.array(self.flags[name][keep].tolist(), pa.string())
        return pa.table(columns, schema=MINUTE_SCHEMA)


def write_minutes(root: Path, *tables: pa.Table) -> Path:
    """Write minute rows to ``root`` as ``source=…/month=…/part-0.parquet`` (schema.py)."""
    table = pa.concat_tables(tables)
    month = pc.strftime(table["time"], format="%Y-%m")
    for source in pc.unique(table["source"]).to_pylist():
        for m in pc.unique(month).to_pylist():
            mask = pc.and_(pc.equal(table["source"], source), pc.equal(month, m))
            part = table.filter(mask)
            if part.num_rows:
                folder = root / f"source={source}" / f"month={m}"
                folder.mkdir(parents=True, exist_ok=True)
                pq.write_table(part, folder / "part-0.parquet")
    return root


@pytest.fixture(scope="session")
def minutes() -> type[Minutes]:
    """The :class:`Minutes` builder."""
    return Minutes


@pytest.fixture(scope="session")
def write() -> Any:
    """:func:`write_minutes`."""
    return write_minutes
