"""Zip packages read within bounds (issue 12, "Inputs that exhaust the server"): the openLCA
JSON-LD import refuses a zip bomb by its declared sizes, and by the bytes it actually unpacks
when the directory lies, before holding them in memory."""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from dualcarbon.errors import InputError
from dualcarbon.guards.zip_guard import PackageLimits, read_members
from dualcarbon.io.olca_import import read_olca_package

SMALL = PackageLimits(members=10, unpacked_bytes=1024 * 1024)


def _bomb(path: Path, mib: int) -> Path:
    """One JSON member of ``mib`` MiB of spaces: a few KiB packed."""
    block = b" " * (1024 * 1024)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("processes/bomb.json", "w", force_zip64=True) as member,
    ):
        for _ in range(mib):
            member.write(block)
    return path


def test_the_openlca_import_refuses_a_bomb_before_unpacking_it(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bomb.zip", 600)  # 600 MiB of JSON in about 600 KiB
    assert path.stat().st_size < 2 * 1024 * 1024
    tracemalloc.start()
    with pytest.raises(InputError) as refused:
        read_olca_package(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    problem = refused.value.problems[0]
    assert problem.file == str(path)
    assert "unpacks to 600 MiB, more than the 512 MiB accepted" in problem.rule
    assert peak < 16 * 1024 * 1024


def _lie_about_sizes(path: Path, claimed: int) -> None:
    """Rewrite the declared uncompressed size in the local header and the central directory."""
    data = bytearray(path.read_bytes())
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, claimed)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, claimed)
    path.write_bytes(bytes(data))


def test_a_lying_directory_is_caught_while_unpacking(tmp_path: Path) -> None:
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.json", b" " * (3 * 1024 * 1024))
    _lie_about_sizes(path, 100)
    with pytest.raises(InputError) as refused:
        read_members(path, ".json", SMALL)
    assert str(path) == refused.value.problems[0].file  # refused: counted, or the CRC fails


def test_too_many_members(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(11):
            archive.writestr(f"{n}.json", b"{}")
    with pytest.raises(InputError, match="11 members, more than the 10 accepted"):
        read_members(path, ".json", SMALL)


def test_an_ordinary_package_reads(tmp_path: Path) -> None:
    path = tmp_path / "ok.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("processes/a.json", b'{"x": 1}')
        archive.writestr("README.txt", b"not selected")
    assert read_members(path, ".json", SMALL) == [("processes/a.json", b'{"x": 1}')]


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "plain.zip"
    path.write_text("hello")
    with pytest.raises(InputError, match="not a zip package"):
        read_members(path, ".json")
