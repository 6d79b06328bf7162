"""Workbooks that unpack to far more than they weigh are refused early, by every workbook reader.

Each bomb is built here: a real workbook from openpyxl whose first sheet is replaced by XML
streamed into the archive. Memory is bounded with tracemalloc against a limit far above what the
guard needs (a few MiB) and far below what reading the bomb took before it (gigabytes); there
is no timing assertion (``benchmarks/input_bombs.py`` prints the times).
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import openpyxl
import pytest

from dualcarbon.errors import InputError
from dualcarbon.guards.workbook_guard import WORKBOOK_LIMITS, WorkbookLimits, check_archive
from dualcarbon.io.excel import read_workbook, write_template
from dualcarbon.io.product_workbook import read_product_workbook
from dualcarbon.io.register_files import read_register, read_register_excel
from dualcarbon.methodologies.definition import get_methodology

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
MEMORY_BOUND = 64 * 1024 * 1024
"""Far above the guard's needs, far below the gigabytes such files cost before."""


def workbook_with(
    sheet_xml: Iterable[bytes], *, extra: dict[str, bytes] | None = None, title: str = "fuel"
) -> bytes:
    """An .xlsx whose first sheet (named ``title``) is ``sheet_xml``, streamed in."""
    book = openpyxl.Workbook()
    book.active.title = title
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for info in source.infolist():
            if info.filename == SHEET:
                with archive.open(SHEET, "w", force_zip64=True) as sheet:
                    for chunk in sheet_xml:
                        sheet.write(chunk)
            else:
                archive.writestr(info.filename, source.read(info.filename))
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def sheet(rows: Iterable[bytes], *, batch: int = 10_000) -> Iterator[bytes]:
    """Worksheet XML around ``rows``, joined in batches so that building it stays quick."""
    yield f'<worksheet xmlns="{NS}"><sheetData>'.encode()
    pending: list[bytes] = []
    for row in rows:
        pending.append(row)
        if len(pending) >= batch:
            yield b"".join(pending)
            pending.clear()
    yield b"".join(pending)
    yield b"</sheetData></worksheet>"


def the_issues_bomb() -> bytes:
    """The shape reported in issue 12: no <dimension>, 4 M rows, 128 MB of XML, ~300 KiB."""
    row = b"<row><c><v>12345.6</v></c></row>"  # 32 bytes
    block = row * 10_000
    return workbook_with(sheet(block for _ in range(400)), title="fuel")


def lying_sizes(data: bytes) -> bytes:
    """``data`` with every central directory entry over 1 MiB claiming 1 KiB unpacked
    (APPNOTE.TXT 4.3.12), so that only counting while unpacking can tell."""
    patched = bytearray(data)
    at = 0
    while (at := patched.find(b"PK\x01\x02", at)) >= 0:
        (size,) = struct.unpack_from("<L", patched, at + 24)
        if 1024 * 1024 < size < 0xFFFFFFFF:
            struct.pack_into("<L", patched, at + 24, min(size, 1024))
        at += 4
    return bytes(patched)


def refused(data: bytes, tmp_path: Path, read: Callable[[Path], object] = read_workbook) -> str:
    """The one rule ``read`` gives for ``data``, its memory peak bounded."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as caught:
            read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"peak {peak / 2**20:.0f} MiB"
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    return str(problem)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return the_issues_bomb()


def test_the_issues_bomb_is_small_and_unpacks_to_128_mb(bomb: bytes) -> None:
    assert len(bomb) < 1024 * 1024
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert archive.getinfo(SHEET).file_size > 128_000_000


def test_the_issues_bomb_is_refused_by_its_declared_size(bomb: bytes, tmp_path: Path) -> None:
    rule = refused(bomb, tmp_path)
    assert "unpacks to 122 MiB, more than the 32 MiB accepted" in rule


@pytest.mark.parametrize(
    "read", [read_workbook, read_register, read_register_excel, read_product_workbook]
)
def test_every_workbook_reader_refuses_it(
    bomb: bytes, tmp_path: Path, read: Callable[[Path], object]
) -> None:
    assert "more than the 32 MiB accepted" in refused(bomb, tmp_path, read)


def test_sizes_that_lie_are_caught_while_unpacking(bomb: bytes, tmp_path: Path) -> None:
    """The directory claims 1 KiB: the guard reads no more than that before the part fails its
    checksum; nothing reaches openpyxl."""
    rule = refused(lying_sizes(bomb), tmp_path)
    assert "damaged archive" in rule and SHEET in rule


def test_rows_past_the_limit_are_refused_while_scanning(tmp_path: Path) -> None:
    """200,000 one-cell rows: 6 MB, within the size limit; refused at row 100,001, naming the
    sheet."""
    rows = (b'<row r="%d"><c><v>1</v></c></row>' % n for n in range(1, 200_001))
    rule = refused(workbook_with(sheet(rows), title="fuel"), tmp_path)
    assert "sheet 'fuel'" in rule and "more than 100,000 rows (row 100001 is used)" in rule


def test_a_lone_far_row_is_counted_as_all_the_rows_before_it(tmp_path: Path) -> None:
    """openpyxl hands out every empty row above the last one."""
    rows = [b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>']
    rule = refused(workbook_with(sheet(rows)), tmp_path)
    assert "more than 100,000 rows (row 1048576 is used)" in rule


def test_cells_are_counted_as_wide_as_the_last_one(tmp_path: Path) -> None:
    """A cell in column XFD makes openpyxl build a row of 16,384 values: 100 such rows of 30
    bytes each would be 1.6 M cells (the limit is 500,000)."""
    rows = (b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n) for n in range(1, 101))
    rule = refused(workbook_with(sheet(rows)), tmp_path)
    assert "more than 500,000 cells" in rule


def test_a_declared_dimension_is_not_trusted(tmp_path: Path) -> None:
    """A <dimension> of the whole sheet around one cell: read as one row of one cell."""
    xml = [
        f'<worksheet xmlns="{NS}"><dimension ref="A1:XFD1048576"/><sheetData>'.encode(),
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>',
        b"</sheetData></worksheet>",
    ]
    path = tmp_path / "wide.xlsx"
    path.write_bytes(workbook_with(xml, title="inventory"))
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert all("more than" not in problem.rule for problem in caught.value.problems)


def test_one_huge_attribute_is_refused(tmp_path: Path) -> None:
    """31 MiB in one attribute (30 KiB packed): expat before 2.6 re-scans an unfinished token on
    every read, so it cost 8 s of CPU in the scan alone, and more in openpyxl."""
    rows = [b'<row r="1"><c r="A1" x="' + b"y" * (31 * 1024 * 1024) + b'"><v>1</v></c></row>']
    rule = refused(workbook_with(sheet(rows)), tmp_path)
    assert "more than 1 MiB of XML without a tag" in rule


def test_xml_entities_are_refused(tmp_path: Path) -> None:
    """Entity expansion inside a part ("billion laughs" in XML): no DTD is accepted."""
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        + f'<worksheet xmlns="{NS}"><sheetData><row><c t="inlineStr"><is><t>'.encode()
        + b"&lol2;</t></is></c></row></sheetData></worksheet>"
    )
    rule = refused(workbook_with([laughs]), tmp_path)
    assert "document type declaration" in rule


def test_too_many_parts_are_refused(tmp_path: Path) -> None:
    extra = {f"customXml/item{n}.xml": b"<a/>" for n in range(WORKBOOK_LIMITS.max_parts)}
    assert "parts" in refused(workbook_with(sheet([]), extra=extra), tmp_path)


def test_too_many_elements_are_refused() -> None:
    """Elements openpyxl keeps (unknown ones inside sheetData) count, not only rows."""
    data = workbook_with(sheet([b"<x/>" * 1000]))
    with pytest.raises(InputError) as caught:
        check_archive(data, "junk.xlsx", WorkbookLimits(max_xml_elements=500))
    assert "more than 500 XML elements" in str(caught.value)


def test_ordinary_workbooks_pass(tmp_path: Path) -> None:
    """The templates the project writes read as before."""
    inventory = write_template(get_methodology("cn-mee-power-2022"), tmp_path / "t.xlsx")
    check_archive(inventory.read_bytes(), str(inventory))
    with pytest.raises(InputError) as caught:  # an empty template lacks its header values
        read_workbook(inventory)
    assert all("more than" not in problem.rule for problem in caught.value.problems)
