"""Reading the members of a zip package within bounds (issue 12, "Inputs that exhaust the
server"): an archive of a few hundred KiB can unpack to gigabytes. The sizes a zip's directory
declares are checked before anything is unpacked, and the bytes actually unpacked are counted
while reading, since a directory can lie (PKWARE APPNOTE 6.3.10 §4.4.8–4.4.9: the sizes are the
writer's claim). Workbooks have their own, stricter guard (:mod:`dualcarbon.guards.workbook_guard`).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from dualcarbon.errors import InputError, InputProblem

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class PackageLimits:
    members: int = 100_000
    """members of the archive (an openLCA product system exports a few hundred)"""
    unpacked_bytes: int = 512 * 1024 * 1024
    """all selected members together, declared and counted"""


PACKAGE_LIMITS = PackageLimits()


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MiB"


def read_members(
    path: Path, suffix: str, limits: PackageLimits = PACKAGE_LIMITS
) -> list[tuple[str, bytes]]:
    """The members of the zip at ``path`` whose names end in ``suffix``, as (name, bytes), or an
    :class:`InputError` naming the file and the limit passed — before the first member is read
    if the directory already says so."""

    def refuse(rule: str) -> InputError:
        return InputError([InputProblem(str(path), rule)])

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > limits.members:
                raise refuse(
                    f"holds {len(infos):,} members, more than the {limits.members:,} accepted"
                )
            chosen = [i for i in infos if i.filename.endswith(suffix) and not i.is_dir()]
            declared = sum(i.file_size for i in chosen)
            if declared > limits.unpacked_bytes:
                accepted = _mib(limits.unpacked_bytes)
                raise refuse(f"unpacks to {_mib(declared)}, more than the {accepted} accepted")
            budget = limits.unpacked_bytes
            members = []
            for info in chosen:
                parts = []
                with archive.open(info) as stream:
                    while chunk := stream.read(_CHUNK):
                        budget -= len(chunk)
                        if budget < 0:
                            raise refuse(
                                f"unpacks to more than the {_mib(limits.unpacked_bytes)} accepted"
                            )
                        parts.append(chunk)
                members.append((info.filename, b"".join(parts)))
            return members
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise refuse(f"not a zip package or folder: {exc}") from None
