"""Limits on what an uploaded ``.xlsx`` workbook may unpack to, checked before and while it is read.

An ``.xlsx`` file is a zip archive of XML parts. Deflate compresses repetitive XML about a
thousandfold, so a 300 KiB upload can hold 128 MB of sheet XML and four million rows ("zip bomb",
OWASP File Upload Cheat Sheet,
https://cheatsheetseries.owasp.org/cheatsheets/File_Upload_Cheat_Sheet.html). openpyxl reads a
worksheet without a ``<dimension>`` element from start to end just to size it, and keeps a shell
of every row, before it returns a single row; it pads every row out to the sheet's declared
width. Left alone, such a file took a minute of CPU and gigabytes of memory before its 422.

:func:`check_archive` therefore checks the archive before openpyxl sees it:

1. the zip directory (APPNOTE.TXT 4.3.16, the end of central directory record): its size, and so
   the number of parts, before :class:`zipfile.ZipFile` reads it;
2. the sizes the directory *declares* for the parts, alone and together;
3. the bytes each part *actually* unpacks to, counted while it streams through a decompressor
   (declared sizes can lie), and the XML inside, scanned by expat without building a tree:
   elements, shared strings, and for every worksheet the rows and cells openpyxl's read-only
   reader would lay out (rows up to the last row number, each as wide as its last column).

Past any limit it stops reading at once and raises one :class:`~dualcarbon.errors.InputError`
naming the file, the part or sheet, the rule and the limit. :func:`read_grids` counts rows and
cells again while the values are read, so the grids handed to a reader stay within the same
bounds even if openpyxl were to lay a sheet out differently than the scan expects.

The limits live in :data:`WORKBOOK_LIMITS` (docs/decisions/0009-input-limits.md says why these
values); every workbook reader (inventories, instrument registers, product systems) goes through
:func:`dualcarbon.io.excel.load_grids`, which uses them.
"""

from __future__ import annotations

import contextlib
import io
import re
import struct
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

from dualcarbon.errors import InputError, InputProblem

MiB = 1024 * 1024

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ROW = f"{_MAIN_NS} row"
_CELL = f"{_MAIN_NS} c"
_CHUNK = 64 * 1024
_SMALL_PART = 1024 * 1024
"""The most read of a part that only names sheets in a message."""
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_MAX_COMMENT = 0xFFFF


@dataclass(frozen=True)
class WorkbookLimits:
    """What one workbook may unpack to. The defaults (:data:`WORKBOOK_LIMITS`) keep a refused
    bomb under a second and any accepted workbook under about 200 MiB of memory."""

    max_parts: int = 1_000
    """Files inside the zip archive (an Excel workbook has a few dozen)."""
    max_directory_bytes: int = 1 * MiB
    """The zip's central directory, read whole by :mod:`zipfile` before anything else."""
    max_unpacked_bytes: int = 32 * MiB
    """All parts together, unpacked."""
    max_xml_elements: int = 1_000_000
    """XML elements in all parts together (openpyxl may keep each one in memory)."""
    max_rows: int = 100_000
    """Rows of one sheet, counted up to its last row number, empty rows included."""
    max_cells: int = 500_000
    """Cells of all sheets together, each row counted as wide as its last cell."""
    max_run_bytes: int = 1 * MiB
    """Bytes from one ``<`` to the next. Excel keeps at most 32,767 characters in a cell; a
    longer run is one huge tag or attribute, which expat (before 2.6) scans again on every read
    until it ends: 31 MiB of one attribute took 8 s here and far longer in openpyxl."""


WORKBOOK_LIMITS = WorkbookLimits()


class _RefusedError(Exception):
    """Raised inside the scan (from expat's callbacks too) and turned into an InputError."""

    def __init__(self, rule: str, part: str | None = None) -> None:
        self.rule = rule
        self.part = part
        super().__init__(rule)


def _mib(size: int) -> str:
    return f"{size / MiB:g} MiB"


def _directory_size(data: bytes) -> int | None:
    """The central directory's declared size from the end of central directory record
    (APPNOTE.TXT 4.3.16), or None if there is no such record (not a zip)."""
    tail = data[-(_EOCD_SIZE + _MAX_COMMENT) :]
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < _EOCD_SIZE:
        return None
    _, _, _, _, _, size, _, _ = struct.unpack("<4s4H2LH", tail[at : at + _EOCD_SIZE])
    return int(size)


def _column(reference: str) -> int | None:
    """The column number of a cell reference such as ``AB12`` (A = 1), or None."""
    number = 0
    for char in reference:
        if "A" <= char <= "Z":
            number = number * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            number = number * 26 + ord(char) - 96
        else:
            break
    return number or None


@dataclass
class _Tally:
    """Counts over the whole workbook, and the layout of the worksheet being scanned."""

    limits: WorkbookLimits
    unpacked: int = 0
    elements: int = 0
    cells: int = 0
    part: str = ""
    row: int = 0
    column: int = 0
    width: int = 0

    def begin(self, part: str) -> None:
        self.part, self.row, self.column, self.width = part, 0, 0, 0

    def end_row(self) -> None:
        self.cells += self.width
        self.width = 0
        if self.cells > self.limits.max_cells:
            raise _RefusedError(
                f"more than {self.limits.max_cells:,} cells in the workbook "
                "(each row counted up to its last cell); split the workbook or delete unused "
                "rows and columns",
                self.part,
            )

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.limits.max_xml_elements:
            raise _RefusedError(
                f"more than {self.limits.max_xml_elements:,} XML elements when unpacked "
                "(not an ordinary workbook)",
                self.part,
            )
        if name == _ROW:
            self.end_row()
            reference = attributes.get("r")
            self.row = int(reference) if reference and reference.isdigit() else self.row + 1
            self.column = 0
            if self.row > self.limits.max_rows:
                raise _RefusedError(
                    f"more than {self.limits.max_rows:,} rows (row {self.row} is used); split "
                    "the sheet or delete the empty rows below the data",
                    self.part,
                )
        elif name == _CELL:
            reference = attributes.get("r")
            self.column = (_column(reference) if reference else None) or self.column + 1
            self.width = max(self.width, self.column)


def _refuse_doctype(*_: object) -> None:
    # Office Open XML parts never declare a DTD (ECMA-376 Part 2, 8.1.4 forbids it): one here
    # can only be there to define entities to expand.
    raise _RefusedError("XML with a document type declaration (DTD) is not accepted")


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, tally: _Tally) -> None:
    """Stream one part through the decompressor and expat, counting as it goes."""
    tally.begin(info.filename)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = tally.start
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parsing = True
    run = 0
    """Bytes since the last ``<``."""
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            tally.unpacked += len(chunk)
            if tally.unpacked > tally.limits.max_unpacked_bytes:
                raise _RefusedError(
                    f"unpacks to more than {_mib(tally.limits.max_unpacked_bytes)} "
                    "(counted while unpacking; the archive's stated sizes were smaller)",
                    info.filename,
                )
            first = chunk.find(b"<")
            gap = run + (len(chunk) if first < 0 else first)
            run = gap if first < 0 else len(chunk) - 1 - chunk.rfind(b"<")
            if parsing and gap > tally.limits.max_run_bytes:
                raise _RefusedError(
                    f"more than {_mib(tally.limits.max_run_bytes)} of XML without a tag (one "
                    "cell holds at most 32,767 characters)",
                    info.filename,
                )
            if parsing:
                try:
                    parser.Parse(chunk, False)
                except expat.ExpatError:
                    parsing = False  # not XML (an image, a printer setting): count bytes only
    if parsing:
        with contextlib.suppress(expat.ExpatError):
            parser.Parse(b"", True)
    tally.end_row()


def _small_part(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        content = member.read(_SMALL_PART + 1)
    if len(content) > _SMALL_PART:
        raise ValueError(f"{name} is larger than expected")
    return content


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet name, from ``xl/workbook.xml`` and its relationships; empty if
    they cannot be read (the names only make messages clearer)."""
    try:
        workbook = ElementTree.fromstring(_small_part(archive, "xl/workbook.xml"))
        rels = ElementTree.fromstring(_small_part(archive, "xl/_rels/workbook.xml.rels"))
    except (KeyError, ValueError, ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError):
        return {}
    targets = {
        rel.get("Id"): str(rel.get("Target", "")).lstrip("/")
        for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship")
    }
    names: dict[str, str] = {}
    for sheet in workbook.iter(f"{{{_MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{_REL_NS}}}id"))
        if target:
            part = target if target.startswith("xl/") else f"xl/{target}"
            names[part] = str(sheet.get("name", ""))
    return names


def check_archive(data: bytes, source: str, limits: WorkbookLimits = WORKBOOK_LIMITS) -> None:
    """Refuse (InputError) a workbook whose archive or XML goes past ``limits``; return if it
    stays within them. Reads the archive once, never holding more than a chunk of it unpacked."""

    def refuse(rule: str, part: str | None = None, sheet: str | None = None) -> InputError:
        where = f"part {part}: " if part and not sheet else ""
        return InputError([InputProblem(source, f"{where}{rule}", sheet=sheet)])

    directory = _directory_size(data)
    if directory is not None and directory > limits.max_directory_bytes:
        raise refuse(
            f"zip directory larger than {_mib(limits.max_directory_bytes)}: too many parts "
            f"(at most {limits.max_parts:,}) for an Excel workbook"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        return  # not a zip at all: the reader says so in its own words
    with archive:
        parts = archive.infolist()
        if len(parts) > limits.max_parts:
            raise refuse(f"more than {limits.max_parts:,} parts in the archive")
        declared = sum(info.file_size for info in parts)
        if declared > limits.max_unpacked_bytes:
            raise refuse(
                f"unpacks to {declared / MiB:,.0f} MiB, more than the "
                f"{_mib(limits.max_unpacked_bytes)} accepted (a compressed 'zip bomb' or a "
                "workbook to split)"
            )
        tally = _Tally(limits)
        try:
            for info in parts:
                _scan_part(archive, info, tally)
        except _RefusedError as refused:
            sheet = _sheet_names(archive).get(refused.part or "")
            raise refuse(refused.rule, refused.part, sheet) from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            # A part that does not unpack to its stated size and checksum ends here too.
            raise refuse(f"damaged archive ({exc})") from None
        except RuntimeError as exc:  # an encrypted part
            raise refuse(f"unreadable archive ({exc})") from None


def load_checked(data: bytes) -> Any:
    """openpyxl's read-only workbook over ``data``, which :func:`check_archive` has passed.

    Values as they are stored (``data_only=False``: the readers refuse formulas), no links to
    other workbooks, no macros. The caller closes it. Raises whatever openpyxl raises for a
    malformed workbook."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_vba=False, keep_links=False
        )


class PercentCell(float):
    """A number Excel shows as a percentage (its format has ``%``): the value stored is the
    fraction (0.5312 for "53.12%"); readers of a percentage column take what the user sees."""

    @property
    def shown(self) -> float:
        """The number as Excel displays it, without the % sign (53.12 for 0.5312)."""
        return float(self) * 100.0


_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
"""The parts of an Excel number format that print as they are: quoted text, an escaped
character, a [colour] or [condition] section. A % there is printed, not applied."""


def _scales_as_percent(number_format: str) -> bool:
    """Whether Excel multiplies the value by 100 to show it (a % outside quotes, escapes and
    brackets): "0.00%" does, '0.00"%"' and '0.00\\%' print a % beside the value as stored."""
    return "%" in _LITERALS.sub("", number_format)


def _cell_value(cell: Any) -> object:
    value = cell.value
    if (
        isinstance(value, float | int)
        and not isinstance(value, bool)
        and _scales_as_percent(getattr(cell, "number_format", "") or "")
    ):
        return PercentCell(value)
    return value


def read_grids(
    workbook: Any, source: str, limits: WorkbookLimits = WORKBOOK_LIMITS
) -> dict[str, list[tuple[object, ...]]]:
    """Every worksheet's cell values, row by row, each row as long as its last cell (the
    sheet's declared ``<dimension>`` is ignored: it can claim any size). Refuses, naming the
    sheet, past ``limits.max_rows`` rows in a sheet or ``limits.max_cells`` cells in all."""
    grids: dict[str, list[tuple[object, ...]]] = {}
    cells = 0
    for sheet in workbook.worksheets:
        sheet.reset_dimensions()
        rows: list[tuple[object, ...]] = []
        for row in sheet.iter_rows():
            # cells, not values: a percentage-formatted number is marked (PercentCell)
            rows.append(tuple(_cell_value(cell) for cell in row))
            cells += len(row)
            if len(rows) > limits.max_rows:
                raise InputError(
                    [
                        InputProblem(
                            source,
                            f"more than {limits.max_rows:,} rows; split the sheet or delete "
                            "the empty rows below the data",
                            sheet=sheet.title,
                        )
                    ]
                )
            if cells > limits.max_cells:
                raise InputError(
                    [
                        InputProblem(
                            source,
                            f"more than {limits.max_cells:,} cells in the workbook",
                            sheet=sheet.title,
                        )
                    ]
                )
        grids[sheet.title] = rows
    return grids
