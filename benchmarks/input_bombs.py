"""Benchmark: how long and how much memory refusing (or reading) hostile inputs takes.

Each case runs in its own child processes, once timed and once under tracemalloc, so that its
memory is its own: the rise of peak resident memory (ru_maxrss) and the peak of Python's
allocations. Prints one line a case and writes
``benchmarks/results/input_bombs.json``. Not a test: times depend on the machine.

    .venv/bin/python benchmarks/input_bombs.py

Cases (docs/decisions/0009-input-limits.md): the xlsx zip bomb of issue 12 (128 MB of sheet XML,
4 M rows, no <dimension>), the same with sizes that lie, row and width bombs within the size
limit, the worst workbooks still accepted (elements, shared strings, cells at their limits), the
YAML billion laughs, and a 200 MB chunked body to the login route of a running server.
"""

from __future__ import annotations

import io
import json
import multiprocessing as mp
import platform
import resource
import select
import socket
import struct
import tempfile
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RESULTS = HERE / "results"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"


def workbook(sheet_xml: Iterable[bytes], strings: bytes | None = None) -> bytes:
    import openpyxl

    plain = io.BytesIO()
    openpyxl.Workbook().save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == SHEET:
                with archive.open(SHEET, "w", force_zip64=True) as sheet:
                    sheet.write(f'<worksheet xmlns="{NS}"><sheetData>'.encode())
                    for chunk in sheet_xml:
                        sheet.write(chunk)
                    sheet.write(b"</sheetData></worksheet>")
                continue
            if info.filename == "[Content_Types].xml" and strings is not None:
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            archive.writestr(info.filename, content)
        if strings is not None:
            archive.writestr("xl/sharedStrings.xml", strings)
    return out.getvalue()


def issue_bomb() -> bytes:
    block = b"<row><c><v>12345.6</v></c></row>" * 10_000
    return workbook(block for _ in range(400))


def lying(data: bytes) -> bytes:
    patched = bytearray(data)
    at = 0
    while (at := patched.find(b"PK\x01\x02", at)) >= 0:
        (size,) = struct.unpack_from("<L", patched, at + 24)
        if 1024 * 1024 < size < 0xFFFFFFFF:
            struct.pack_into("<L", patched, at + 24, 1024)
        at += 4
    return bytes(patched)


def rows_bomb() -> bytes:
    return workbook(b'<row r="%d"><c><v>1</v></c></row>' % n for n in range(1, 400_001))


def wide_bomb() -> bytes:
    return workbook(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n) for n in range(1, 2001))


def huge_attribute() -> bytes:
    return workbook([b'<row r="1"><c r="A1" x="' + b"y" * (31 * 1024 * 1024) + b'"/></row>'])


def junk_at_limit() -> bytes:
    return workbook([b"<x/>" * 990_000, b'<row r="1"><c><v>1</v></c></row>'])


def strings_at_limit() -> bytes:
    count = 490_000
    sst = f'<sst xmlns="{NS}">'.encode() + b"".join(
        b"<si><t>s%d</t></si>" % n for n in range(count)
    )
    return workbook([b'<row r="1"><c t="s"><v>5</v></c></row>'], sst + b"</sst>")


def cells_at_limit() -> bytes:
    return workbook(
        b'<row r="%d">' % n + b"<c><v>1.5</v></c>" * 10 + b"</row>" for n in range(1, 33_000)
    )


def read_xlsx(path: str) -> dict[str, Any]:
    """Read the workbook at ``path`` as every workbook reader does."""
    from dualcarbon.errors import InputError
    from dualcarbon.io.excel import load_grids

    start = _mark()
    try:
        grids = load_grids(Path(path))
        outcome = f"read {sum(len(g) for g in grids.values())} rows"
    except InputError as exc:
        outcome = f"refused: {exc.problems[0].rule[:90]}"
    return {"bytes": Path(path).stat().st_size, "outcome": outcome, **_since(start)}


def yaml_laughs() -> dict[str, Any]:
    from dualcarbon.guards.safe_yaml import AliasLimitError, safe_load

    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 10)]
    text = "\n".join([*lines, "inventory: *a9"]) + "\n"
    start = _mark()
    try:
        safe_load(text)
        outcome = "loaded"
    except AliasLimitError as exc:
        outcome = f"refused: {str(exc.problem)[:90]}"
    return {"bytes": len(text.encode()), "outcome": outcome, **_since(start)}


def login_body() -> dict[str, Any]:
    """200 MB chunked to /api/auth/login of a running server; stops when it answers."""
    import uvicorn

    from dualcarbon.api import Settings
    from dualcarbon.server import create_app
    from dualcarbon.store import upgrade

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        app = create_app(Settings(database_url=url, secret_key="bench-secret"))  # type: ignore[arg-type]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        offered, sent, chunk = 200_000_000, 0, b"x" * 65536
        start = _mark()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            connection.sendall(
                b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            while sent < offered and not select.select([connection], [], [], 0)[0]:
                try:
                    connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                except OSError:
                    break  # the server answered and closed
                sent += len(chunk)
            answer = connection.recv(4096)
        result = {"bytes": sent, "outcome": answer.split(b"\r\n", 1)[0].decode(), **_since(start)}
        server.should_exit = True
        thread.join(timeout=20)
    return result


def _mark() -> tuple[float, float, int]:
    return (
        time.perf_counter(),
        time.process_time(),
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    )


def _since(start: tuple[float, float, int]) -> dict[str, float]:
    """Times since ``start``; how far the process's peak resident memory rose above its peak
    before (0 if the case stayed below what the imports had reached); and, when tracemalloc
    runs, the peak of Python's allocations during the case."""
    wall, cpu, peak = start
    traced = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else None
    return {
        "wall_s": round(time.perf_counter() - wall, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "peak_rss_rise_mib": round(
            max(0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024, 1
        ),
        **({"traced_peak_mib": round(traced / 2**20, 1)} if traced is not None else {}),
    }


WORKBOOKS: dict[str, Callable[[], bytes]] = {
    "xlsx: issue 12's bomb (128 MB XML, 4 M rows)": issue_bomb,
    "xlsx: the same, sizes that lie": lambda: lying(issue_bomb()),
    "xlsx: 400,000 rows within the size limit": rows_bomb,
    "xlsx: 2,000 rows with a cell in column XFD": wide_bomb,
    "xlsx: one attribute of 31 MiB": huge_attribute,
    "xlsx: accepted, 990,000 unknown elements": junk_at_limit,
    "xlsx: accepted, 490,000 shared strings": strings_at_limit,
    "xlsx: accepted, 330,000 numeric cells": cells_at_limit,
}
"""Built in the parent, so that building them does not count in the child's peak."""
OTHERS: dict[str, Callable[[], dict[str, Any]]] = {
    "yaml: billion laughs (9 levels)": yaml_laughs,
    "body: 200 MB chunked to /api/auth/login": login_body,
}


def _child(name: str, path: str | None, traced: bool, queue: Any) -> None:
    if traced:
        # imports first, so that only the case's own allocations are traced

        tracemalloc.start()
    queue.put(read_xlsx(path) if path is not None else OTHERS[name]())


def _run(context: Any, name: str, path: str | None, traced: bool) -> dict[str, Any]:
    queue = context.Queue()
    child = context.Process(target=_child, args=(name, path, traced, queue))
    child.start()
    result: dict[str, Any] = queue.get(timeout=900)
    child.join(timeout=60)
    return result


def main() -> None:
    """Each case twice, in fresh processes: once timed, once under tracemalloc (slower)."""
    context = mp.get_context("spawn")
    results: dict[str, Any] = {"machine": platform.platform(), "cases": {}}
    with tempfile.TemporaryDirectory() as folder:
        cases: list[tuple[str, str | None]] = []
        for number, (name, build) in enumerate(WORKBOOKS.items()):
            path = Path(folder) / f"case{number}.xlsx"
            path.write_bytes(build())
            cases.append((name, str(path)))
        cases += [(name, None) for name in OTHERS]
        for name, path in cases:
            result = _run(context, name, path, traced=False)
            result["traced_peak_mib"] = _run(context, name, path, traced=True)["traced_peak_mib"]
            results["cases"][name] = result
            print(
                f"{name:46} {result['wall_s']:6.2f} s wall {result['cpu_s']:6.2f} s CPU "
                f"peak RSS +{result['peak_rss_rise_mib']:5.1f} MiB, traced "
                f"{result['traced_peak_mib']:5.1f} MiB  {result['outcome']}"
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "input_bombs.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
