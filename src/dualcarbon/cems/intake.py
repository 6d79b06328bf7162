"""Bulk import of historical CEMS minute data from CSV or Parquet files into the partitioned
Parquet layout of :mod:`.schema` (``<root>/source=<MN>/month=<YYYY-MM>/<file>.parquet``).

* A column mapping renames the input's columns to the schema's (``{"时间": "time", …}``);
  columns named as in the schema need no entry; other columns are ignored.
* The ranges and the whole-minute rule are those of :mod:`.rules`, which the HJ 212 receiver
  applies too (it stores such values marked invalid instead of refusing them).
* Where the input states other units (``units={"flow": "m3/s"}``), values are converted to the
  schema's (:data:`UNIT_CONVERSIONS`).
* All or nothing: every batch is validated; the rows go to a temporary folder inside ``root``
  and are moved into place only when every file passed. A rejected import raises
  :class:`~dualcarbon.errors.InputError` naming file, row, column and rule of each problem
  (up to ``max_problems``) and leaves ``root`` as it was.
* Streaming: files are read in record batches (pyarrow's streaming CSV reader,
  ``ParquetFile.iter_batches``) and checked with Arrow compute kernels, never row by row; the
  duplicate check runs in DuckDB over the written batches. Memory stays bounded by the batch
  size and the open partition writers, not the file size.

Rows are numbered from 1 over the data rows of a file (for a CSV, row 1 is the line after the
header).
"""

from __future__ import annotations

import csv
import io
import itertools
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from dualcarbon.cems.mass import M_CO2_G_PER_MOL, V_M_L_PER_MOL
from dualcarbon.cems.rules import RANGES, WHOLE_MINUTE, range_rule
from dualcarbon.cems.schema import FLAGS, MINUTE_SCHEMA, PARAMETERS, STORED_SCHEMA
from dualcarbon.errors import InputError, InputProblem

UNIT_CONVERSIONS: dict[str, dict[str, tuple[float, float]]] = {
    "co2": {
        "% vol": (1.0, 0.0),
        "%": (1.0, 0.0),
        "ppm": (1e-4, 0.0),
        "fraction": (100.0, 0.0),
        # as HJ 212 loggers send it: the one molar volume of the CEMS code (decision 0016)
        "mg/m3": (V_M_L_PER_MOL / M_CO2_G_PER_MOL * 1e-4, 0.0),
    },
    "o2": {"% vol": (1.0, 0.0), "%": (1.0, 0.0), "ppm": (1e-4, 0.0), "fraction": (100.0, 0.0)},
    "flow": {"m3/h": (1.0, 0.0), "m3/min": (60.0, 0.0), "m3/s": (3600.0, 0.0)},
    "temperature": {"degC": (1.0, 0.0), "°C": (1.0, 0.0), "K": (1.0, -273.15)},
    "pressure": {"kPa": (1.0, 0.0), "Pa": (1e-3, 0.0), "hPa": (0.1, 0.0), "MPa": (1e3, 0.0)},
    "moisture": {"% vol": (1.0, 0.0), "%": (1.0, 0.0), "fraction": (100.0, 0.0)},
}
"""Per parameter, input unit → (factor, offset) to the schema's unit: ``x * factor + offset``.
ppm of a volume fraction is µmol/mol, 10⁻⁴ % vol."""

TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y%m%d%H%M%S",
)
"""Time formats tried, in order, when the spec names none (the last is HJ 212's DataTime)."""

NULL_VALUES = ["", "NA", "N/A", "null", "NULL", "None"]
NUMBER = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
MAX_OPEN_WRITERS = 64

BATCH_SCHEMA = pa.schema([pa.field(f.name, f.type) for f in STORED_SCHEMA])
"""STORED_SCHEMA with every field nullable: a batch may still hold rows found bad."""
SENT_UNITS_KEPT = frozenset({"% vol", "%"})
"""A CO2 column in another unit is kept as sent beside its % vol (schema.SENT_FIELDS)."""


@dataclass(frozen=True)
class ImportSpec:
    """How to read the input files."""

    columns: Mapping[str, str] = field(default_factory=dict)
    """input column → schema column (``source``, ``time``, a parameter or ``<parameter>_flag``)."""
    units: Mapping[str, str] = field(default_factory=dict)
    """parameter → the unit the input states, a key of :data:`UNIT_CONVERSIONS`."""
    source: str | None = None
    """the stack, for files without a source column."""
    time_format: str | None = None
    """strptime format of string times (default: :data:`TIME_FORMATS`, tried in order)."""
    default_flag: str | None = "N"
    """flag given to the values of a parameter whose flag column the input lacks (None: such
    values are rejected)."""
    batch_rows: int = 250_000
    """rows per batch read (memory use grows with it)."""
    encoding: str = "utf-8"
    """text encoding of CSV files (e.g. ``"gbk"`` for files saved by Chinese Excel)."""


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote."""

    files: tuple[Path, ...]
    rows: int
    written: tuple[Path, ...]


def _mark(
    problems: list[InputProblem],
    limit: int,
    file: str,
    rule: str,
    column: str | None,
    mask: pa.Array | pa.ChunkedArray,
    values: pa.Array | pa.ChunkedArray | None,
    first_row: int,
) -> None:
    """Add a problem for each row where ``mask`` is true (up to ``limit`` problems in all)."""
    if len(problems) >= limit:
        return
    hits = pc.indices_nonzero(pc.fill_null(mask, False))
    for index in hits.slice(0, limit - len(problems)).to_pylist():
        value = None if values is None else values[index].as_py()
        problems.append(
            InputProblem(file=file, rule=rule, field=column, row=first_row + index, value=value)
        )


def _file_problem(file: str, rule: str, column: str | None = None) -> InputProblem:
    return InputProblem(file=file, rule=rule, field=column)


def _batches(path: Path, rows: int, encoding: str = "utf-8") -> Iterator[pa.RecordBatch]:
    """Stream a CSV (every column read as text) or Parquet file in record batches of about
    ``rows`` rows (CSV blocks are sized at 64 bytes a row)."""
    suffixes = "".join(path.suffixes).lower()
    if ".parquet" in suffixes or suffixes.endswith(".pq"):
        yield from pq.ParquetFile(path).iter_batches(batch_size=rows)
        return
    with pa.input_stream(str(path), compression="detect") as raw:
        head = raw.read(1 << 16)
    text = head.decode(
        "utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding, "replace"
    )
    header_line = text.splitlines()[:1]
    names = next(csv.reader(io.StringIO(header_line[0]))) if header_line else []
    reader = pacsv.open_csv(
        pa.input_stream(str(path), compression="detect"),
        read_options=pacsv.ReadOptions(block_size=max(1024, rows * 64), encoding=encoding),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            null_values=NULL_VALUES,
            strings_can_be_null=True,
        ),
    )
    yield from reader


class _Converter:
    """Turns one input batch into rows of :data:`MINUTE_SCHEMA`, recording each broken rule."""

    def __init__(
        self, file: str, names: Sequence[str], spec: ImportSpec, problems: list[InputProblem]
    ) -> None:
        self.file, self.spec, self.problems = file, spec, problems
        self.rename: dict[str, str] = {}
        self.sent: dict[str, pa.Array] = {}
        targets = set(MINUTE_SCHEMA.names)
        for name in names:
            target = spec.columns.get(name, name if name in targets else None)
            if target is None:
                continue
            if target not in targets:
                problems.append(_file_problem(file, f"mapped to unknown column {target!r}", name))
            elif target in self.rename.values():
                problems.append(_file_problem(file, f"second column for {target!r}", name))
            else:
                self.rename[name] = target
        present = set(self.rename.values())
        if "time" not in present:
            problems.append(_file_problem(file, "required column missing", "time"))
        if "source" not in present and spec.source is None:
            problems.append(_file_problem(file, "no source column and no source given", "source"))
        for parameter in PARAMETERS:
            if f"{parameter}_flag" in present and parameter not in present:
                problems.append(
                    _file_problem(file, "flag column without its value column", parameter)
                )
        for parameter, unit in spec.units.items():
            if unit not in UNIT_CONVERSIONS.get(parameter, {}):
                known = sorted(UNIT_CONVERSIONS.get(parameter, {}))
                problems.append(
                    _file_problem(file, f"unknown unit {unit!r} (known: {known})", parameter)
                )

    def convert(self, batch: pa.RecordBatch, first_row: int, limit: int) -> pa.Table:
        columns = {
            target: batch.column(batch.schema.get_field_index(name))
            for name, target in self.rename.items()
        }
        n = batch.num_rows
        out: dict[str, pa.Array] = {
            "source": self._source(columns.get("source"), n, first_row, limit),
            "time": self._time(columns["time"], first_row, limit),
        }
        for parameter in PARAMETERS:
            value, flag = self._parameter(parameter, columns, n, first_row, limit)
            out[parameter], out[f"{parameter}_flag"] = value, flag
        unit = self.spec.units.get("co2")
        if unit is not None and unit not in SENT_UNITS_KEPT and "co2" in self.sent:
            sent = self.sent.pop("co2")
            out["co2_sent"] = sent
            out["co2_sent_unit"] = pc.if_else(
                pc.is_valid(sent), pa.scalar(unit), pa.scalar(None, pa.string())
            )
        else:
            out["co2_sent"] = pa.nulls(n, pa.float64())
            out["co2_sent_unit"] = pa.nulls(n, pa.string())
        return pa.table(out, schema=BATCH_SCHEMA)

    def _source(self, column: pa.Array | None, n: int, first_row: int, limit: int) -> pa.Array:
        if column is None:
            return pa.repeat(pa.scalar(self.spec.source, pa.string()), n)
        text = pc.utf8_trim_whitespace(column.cast(pa.string()))
        _mark(
            self.problems,
            limit,
            self.file,
            "source missing",
            "source",
            pc.is_null(text),
            None,
            first_row,
        )
        bad = pc.or_(pc.match_substring_regex(text, r"[/\\=%]|^\.|^$"), pc.equal(text, ".."))
        _mark(
            self.problems,
            limit,
            self.file,
            "source not usable as a folder name (/, \\, =, % or a leading dot)",
            "source",
            bad,
            text,
            first_row,
        )
        return text

    def _time(self, column: pa.Array, first_row: int, limit: int) -> pa.Array:
        kind = column.type
        if pa.types.is_timestamp(kind):
            stamps = column
            if kind.tz is not None:
                stamps = pc.local_timestamp(stamps.cast(pa.timestamp(kind.unit, "Asia/Shanghai")))
            _mark(
                self.problems,
                limit,
                self.file,
                WHOLE_MINUTE,
                "time",
                pc.not_equal(pc.floor_temporal(stamps, unit="minute"), stamps),
                column,
                first_row,
            )
            _mark(
                self.problems,
                limit,
                self.file,
                "time missing",
                "time",
                pc.is_null(column),
                None,
                first_row,
            )
            return stamps.cast(pa.timestamp("s"), safe=False)
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            _mark(
                self.problems,
                limit,
                self.file,
                f"time of type {kind} not readable",
                "time",
                pc.is_valid(column),
                None,
                first_row,
            )
            return pa.nulls(len(column), pa.timestamp("s"))
        # a zero fraction of a second ("00:01:00.000", as many tools write) is dropped
        text = pc.replace_substring_regex(pc.utf8_trim_whitespace(column), r"\.0+$", "")
        formats = (self.spec.time_format,) if self.spec.time_format else TIME_FORMATS
        parsed = [pc.strptime(text, format=f, unit="s", error_is_null=True) for f in formats]
        stamps = pc.coalesce(*parsed) if len(parsed) > 1 else parsed[0]
        _mark(
            self.problems,
            limit,
            self.file,
            "time missing",
            "time",
            pc.is_null(text),
            None,
            first_row,
        )
        _mark(
            self.problems,
            limit,
            self.file,
            f"time not readable (formats {', '.join(formats)})",
            "time",
            pc.and_(pc.is_valid(text), pc.is_null(stamps)),
            text,
            first_row,
        )
        _mark(
            self.problems,
            limit,
            self.file,
            WHOLE_MINUTE,
            "time",
            pc.not_equal(pc.floor_temporal(stamps, unit="minute"), stamps),
            text,
            first_row,
        )
        return stamps

    def _parameter(
        self,
        parameter: str,
        columns: Mapping[str, pa.Array],
        n: int,
        first_row: int,
        limit: int,
    ) -> tuple[pa.Array, pa.Array]:
        raw = columns.get(parameter)
        if raw is None:
            return pa.nulls(n, pa.float64()), pa.nulls(n, pa.string())
        if pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type):
            numeric = pc.match_substring_regex(raw, NUMBER)
            _mark(
                self.problems,
                limit,
                self.file,
                "not a number",
                parameter,
                pc.invert(numeric),
                raw,
                first_row,
            )
            value = pc.if_else(numeric, raw, pa.scalar(None, raw.type)).cast(pa.float64())
        elif (
            pa.types.is_integer(raw.type)
            or pa.types.is_floating(raw.type)
            or pa.types.is_decimal(raw.type)
        ):
            value = raw.cast(pa.float64())
            _mark(
                self.problems,
                limit,
                self.file,
                "not a number",
                parameter,
                pc.is_nan(value),
                raw,
                first_row,
            )
        else:
            _mark(
                self.problems,
                limit,
                self.file,
                f"values of type {raw.type} not numbers",
                parameter,
                pc.is_valid(raw),
                None,
                first_row,
            )
            value = pa.nulls(n, pa.float64())
        unit = self.spec.units.get(parameter)
        if unit is not None and unit in UNIT_CONVERSIONS[parameter]:
            self.sent[parameter] = value  # as the file gave it, before the conversion
            factor, offset = UNIT_CONVERSIONS[parameter][unit]
            value = pc.add(pc.multiply(value, factor), offset)
        low, high = RANGES[parameter]
        outside = pc.or_(pc.less(value, low), pc.greater(value, high))
        _mark(
            self.problems,
            limit,
            self.file,
            range_rule(parameter),
            parameter,
            outside,
            value,
            first_row,
        )
        flag_raw = columns.get(f"{parameter}_flag")
        flag_column = f"{parameter}_flag"
        if flag_raw is None:
            if self.spec.default_flag is None:
                _mark(
                    self.problems,
                    limit,
                    self.file,
                    "value without flag (no flag column)",
                    flag_column,
                    pc.is_valid(value),
                    None,
                    first_row,
                )
                return value, pa.nulls(n, pa.string())
            flag = pc.if_else(
                pc.is_valid(value), self.spec.default_flag, pa.scalar(None, pa.string())
            )
            return value, flag
        flag = pc.utf8_trim_whitespace(flag_raw.cast(pa.string()))
        _mark(
            self.problems,
            limit,
            self.file,
            f"unknown flag (HJ 212-2017: {sorted(FLAGS)})",
            flag_column,
            pc.and_(pc.is_valid(flag), pc.invert(pc.is_in(flag, pa.array(sorted(FLAGS))))),
            flag,
            first_row,
        )
        _mark(
            self.problems,
            limit,
            self.file,
            "value without flag",
            flag_column,
            pc.and_(pc.is_valid(value), pc.is_null(flag)),
            None,
            first_row,
        )
        _mark(
            self.problems,
            limit,
            self.file,
            "flag without value",
            parameter,
            pc.and_(pc.is_null(raw), pc.is_valid(flag)),
            flag,
            first_row,
        )
        return value, flag


EXTRA = pa.schema([pa.field("_file", pa.int32()), pa.field("_row", pa.int64())])


class _PartitionWriters:
    """Parquet writers into ``folder``, one per (source, month) partition at a time; at most
    :data:`MAX_OPEN_WRITERS` open, the least recently used closed first (its partition then
    gets a further file). Rows carry ``_file`` and ``_row`` for the duplicate report."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.schema = pa.schema(list(BATCH_SCHEMA) + list(EXTRA))
        self.open: dict[tuple[str, str], pq.ParquetWriter] = {}
        self.files: dict[tuple[str, str], list[Path]] = {}

    def write(self, table: pa.Table, file_index: int, first_row: int) -> None:
        n = table.num_rows
        if n == 0:
            return
        table = table.append_column(
            "_file", pa.array(np.full(n, file_index, dtype=np.int32))
        ).append_column("_row", pa.array(np.arange(first_row, first_row + n, dtype=np.int64)))
        month = pc.strftime(table["time"], format="%Y-%m")
        # one run per partition: sort by (source, month) (Arrow's sort is stable, so rows keep
        # their input order within a partition), then cut where the partition code changes
        table = table.append_column("_month", month).sort_by(
            [("source", "ascending"), ("_month", "ascending")]
        )
        key = pc.binary_join_element_wise(table["source"], table["_month"], "\x00")
        codes = pc.dictionary_encode(key).combine_chunks().indices.to_numpy(zero_copy_only=False)
        cuts = [0, *(np.flatnonzero(np.diff(codes)) + 1).tolist(), n]
        sources, months = table["source"], table["_month"]
        table = table.drop_columns(["_month"])
        for begin, stop in itertools.pairwise(cuts):
            partition = (sources[begin].as_py(), months[begin].as_py())
            self._writer(partition).write_table(table.slice(begin, stop - begin))

    def _writer(self, key: tuple[str, str]) -> pq.ParquetWriter:
        writer = self.open.pop(key, None)
        if writer is None:
            if len(self.open) >= MAX_OPEN_WRITERS:
                oldest = next(iter(self.open))
                self.open.pop(oldest).close()
            path = self.folder / f"{uuid.uuid4().hex}.tmp"
            self.files.setdefault(key, []).append(path)
            writer = pq.ParquetWriter(path, self.schema, compression="none")
        self.open[key] = writer
        return writer

    def close(self) -> None:
        for writer in self.open.values():
            writer.close()
        self.open.clear()


def _quoted_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _duplicates(
    writers: _PartitionWriters, root: Path, names: Sequence[str], limit: int
) -> list[InputProblem]:
    """Minutes given twice in the import, or already stored under ``root`` (DuckDB, streaming)."""
    import duckdb

    new = [path for paths in writers.files.values() for path in paths]
    if not new:
        return []
    existing = [
        path
        for source, month in writers.files
        for path in sorted((root / f"source={source}" / f"month={month}").glob("*.parquet"))
    ]
    con = duckdb.connect()
    try:
        found = con.sql(
            "SELECT _file, _row, source, time FROM (SELECT _file, _row, source, time, "
            "count(*) OVER (PARTITION BY source, time) AS n "
            f"FROM read_parquet({_quoted_list(new)})) WHERE n > 1 ORDER BY _file, _row "
            f"LIMIT {int(limit)}"
        ).fetchall()
        problems = [
            InputProblem(
                file=names[f],
                rule="minute given more than once for its source",
                field="time",
                row=r,
                value=f"{s} {t}",
            )
            for f, r, s, t in found
        ]
        if existing and len(problems) < limit:
            stored = con.sql(
                f"SELECT n._file, n._row, n.source, n.time FROM read_parquet({_quoted_list(new)}) "
                f"AS n SEMI JOIN read_parquet({_quoted_list(existing)}) AS e "
                "ON n.source = e.source AND n.time = e.time ORDER BY n._file, n._row "
                f"LIMIT {int(limit - len(problems))}"
            ).fetchall()
            problems += [
                InputProblem(
                    file=names[f],
                    rule="minute already stored under the root",
                    field="time",
                    row=r,
                    value=f"{s} {t}",
                )
                for f, r, s, t in stored
            ]
        return problems
    finally:
        con.close()


def _finish(writers: _PartitionWriters, staging: Path, root: Path) -> list[Path]:
    """One sorted file per partition in ``staging``, then moved into place under ``root``."""
    ready: list[tuple[Path, Path]] = []
    for (source, month), paths in writers.files.items():
        table = pa.concat_tables(
            pq.read_table(path, columns=STORED_SCHEMA.names) for path in paths
        ).sort_by("time")
        name = f"part-{uuid.uuid4().hex}.parquet"
        staged = staging / f"{uuid.uuid4().hex}.staged"  # not *.parquet: readers skip it
        pq.write_table(table.cast(STORED_SCHEMA), staged)
        ready.append((staged, root / f"source={source}" / f"month={month}" / name))
    for staged, final in ready:
        final.parent.mkdir(parents=True, exist_ok=True)
        staged.replace(final)
    return [final for _, final in ready]


def import_files(
    paths: Path | str | Sequence[Path | str],
    root: Path,
    spec: ImportSpec | None = None,
    *,
    max_problems: int = 100,
) -> ImportReport:
    """Import CSV or Parquet minute files into the partitioned layout under ``root``.

    All or nothing: if any file breaks a rule, :class:`~dualcarbon.errors.InputError` lists
    the problems (file, row, column, rule, value; at most ``max_problems``) and nothing is
    added under ``root``. Minutes already stored under ``root`` are rejected, not replaced.

    Parameters
    ----------
    paths
        the input files (``.csv``, ``.csv.gz``, ``.parquet``).
    root
        the minute-data root (:mod:`.schema`); created if missing.
    spec
        column mapping, input units, source, time format (:class:`ImportSpec`).
    """
    spec = spec or ImportSpec()
    files = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    names = [str(path) for path in files]
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".intake-{uuid.uuid4().hex}"
    staging.mkdir()
    problems: list[InputProblem] = []
    writers = _PartitionWriters(staging)
    rows = 0
    try:
        for index, path in enumerate(files):
            file = names[index]
            if not path.is_file():
                problems.append(_file_problem(file, "file not found"))
                continue
            next_row = 1
            converter: _Converter | None = None
            try:
                for batch in _batches(path, spec.batch_rows, spec.encoding):
                    if converter is None:
                        before = len(problems)
                        converter = _Converter(file, batch.schema.names, spec, problems)
                        if len(problems) > before:
                            break
                    table = converter.convert(batch, next_row, max_problems)
                    if not problems:
                        writers.write(table, index, next_row)
                    next_row += batch.num_rows
                    if len(problems) >= max_problems:
                        break
            except (pa.ArrowInvalid, OSError) as error:
                problems.append(_file_problem(file, f"not readable: {error}"))
            rows += next_row - 1
            if len(problems) >= max_problems:
                break
        writers.close()
        if not problems:
            problems = _duplicates(writers, root, names, max_problems)
        if problems:
            order = {name: index for index, name in enumerate(names)}
            problems.sort(key=lambda p: (order.get(p.file, -1), p.row or 0))
            raise InputError(problems)
        written = _finish(writers, staging, root)
    finally:
        writers.close()
        shutil.rmtree(staging, ignore_errors=True)
    return ImportReport(files=tuple(files), rows=rows, written=tuple(written))
