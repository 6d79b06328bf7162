"""Reading enterprises' results for a roll-up (CSV or Parquet, columns of
:data:`dualcarbon.rollup.rollup.RESULT_SCHEMA`) and writing the roll-up."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.rollup.rollup import RESULT_SCHEMA

SUFFIXES = (".csv", ".parquet")


def read_results(path: Path) -> pa.Table:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            types = {f.name: f.type for f in RESULT_SCHEMA}
            return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
        if suffix == ".parquet":
            return pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputError([InputProblem(str(path), f"not readable: {error}")]) from None
    raise InputError(
        [InputProblem(str(path), f"a results file is {' or '.join(SUFFIXES)}", value=suffix)]
    )


def write_rollup(table: pa.Table, path: Path) -> Path:
    """CSV or Parquet by the suffix, written in one step (a partial file renamed into place)."""
    partial = path.with_name(f".{path.name}.partial")
    if path.suffix.lower() == ".parquet":
        pq.write_table(table, partial)
    else:
        pacsv.write_csv(table, partial)
    partial.replace(path)
    return path
