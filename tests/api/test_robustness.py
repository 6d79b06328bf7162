"""Bad input gets a 4xx with a clear message and changes nothing (issue 4, "Reliability and
security, shown by tests").

Every case counts the rows of the tables an import writes (organisations, facilities,
inventories, results, evidence entries and heads) before and after: a refused request leaves them
all as they were. The cases: units of the wrong kind, negative and absurd quantities, months
outside 1–12, a year the methodology does not govern, uploads over the size limit (a small limit
set in the settings, and a real 200 MB declaration sent to a real server that must answer before
reading it), non-UTF-8 text, Excel formulas and macros, a text file renamed .xlsx, and the same
inventory submitted twice.

**Absurd quantities.** The API has no rule for them, so this file sets one: no single monthly
record of a fuel can exceed 10⁹ t — more than the whole world burns in a month (about 7·10⁸ t of
coal). 10³⁰ t of coal must be refused with a problem naming the row.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import select
import socket
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlalchemy import select as sql_select

from dualcarbon.api.deps import COOKIE_NAME
from dualcarbon.demo import demo_inventory_path
from dualcarbon.io import read_inventory
from dualcarbon.io.excel import write_template
from dualcarbon.methodologies.definition import get_methodology
from dualcarbon.server import create_app
from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import (
    EvidenceEntry,
    EvidenceHead,
    Facility,
    Organisation,
    StoredInventory,
    StoredResult,
)

from .world import ORG_A, PASSWORD, World, seed, settings_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNTED = (Organisation, Facility, StoredInventory, StoredResult, EvidenceEntry, EvidenceHead)
TIMEOUT = 10.0
"""Seconds any socket read or server start may take before the test gives up."""


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    """One seeded store for the module: refused requests change nothing, and the few accepted
    ones submit inventories of their own facility."""
    upgrade(module_db_url)
    engine = make_engine(module_db_url)
    yield seed(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def client(module_db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(module_db_url))) as test_client:
        yield test_client


SMALL_LIMIT = 4096


@pytest.fixture(scope="module")
def small(module_db_url: str, world: World) -> Iterator[TestClient]:
    """A client of an app on the same store whose settings allow uploads of 4 KiB."""
    settings = settings_for(module_db_url).model_copy(update={"max_upload_bytes": SMALL_LIMIT})
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def counts(world: World) -> dict[str, int]:
    """Rows in every table an import writes."""
    with session_scope(world.engine) as session:
        return {
            model.__tablename__: session.scalar(sql_select(func.count()).select_from(model)) or 0
            for model in COUNTED
        }


def refused(response: Any, status: int = 422) -> list[dict[str, Any]]:
    """The response is ``status`` with the API's error shape and a message; its problems."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert all(p["rule"] for p in body["problems"])
    problems: list[dict[str, Any]] = body["problems"]
    return problems


def named(problems: list[dict[str, Any]], field: str, rule: str) -> dict[str, Any]:
    """The one problem about ``field`` whose rule says ``rule``."""
    hits = [p for p in problems if p["field"] == field and rule in p["rule"]]
    assert len(hits) == 1, problems
    return hits[0]


# -- JSON inventories ------------------------------------------------------------------------------

GOOD: dict[str, Any] = {
    "inventory": {
        "organisation": ORG_A,
        "facility": "二号电厂",
        "year": 2024,
        "methodology": "cn-mee-power-2022",
    },
    "fuel": [
        {
            "month": 1,
            "fuel": "coal",
            "consumption": 1200.0,
            "consumption_ref": "皮带秤 BS-201",
            "ncv": 20.8,
            "ncv_ref": "热值报告 2024-01",
            "carbon_content": 54,
            "carbon_content_ref": "元素碳报告 C2024-01",
        },
        {
            "month": 2,
            "fuel": "coal",
            "consumption": 1100.0,
            "consumption_ref": "皮带秤 BS-201",
            "ncv": 21.0,
            "ncv_ref": "热值报告 2024-02",
        },
    ],
    "electricity": [{"month": 1, "amount": 80.0, "amount_ref": "关口表 GK-01"}],
}


def changed(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    body = copy.deepcopy(GOOD)
    edit(body)
    return body


def _fuel(**cells: Any) -> Callable[[dict[str, Any]], None]:
    return lambda body: body["fuel"][1].update(cells)


def _electricity(**cells: Any) -> Callable[[dict[str, Any]], None]:
    return lambda body: body["electricity"][0].update(cells)


def _header(**cells: Any) -> Callable[[dict[str, Any]], None]:
    return lambda body: body["inventory"].update(cells)


def fresh() -> dict[str, Any]:
    """The good body for a facility of its own: an inventory not stored before."""
    return changed(_header(facility=f"电厂-{uuid.uuid4().hex[:8]}"))


def post_json(client: TestClient, world: World, body: Any, who: str = "enterprise") -> Any:
    return client.post(
        f"/api/organisations/{world.org_a}/inventories", json=body, headers=world.bearer(who)
    )


@pytest.mark.parametrize(
    ("edit", "sheet", "row", "field", "rule"),
    [
        pytest.param(
            _fuel(consumption_unit="GJ"),
            "fuel",
            2,
            "consumption_unit",
            "not a unit of consumption",
            id="coal-in-GJ",
        ),
        pytest.param(
            _fuel(consumption_unit="furlong"),
            "fuel",
            2,
            "consumption_unit",
            "not a unit of consumption",
            id="coal-in-furlongs",
        ),
        pytest.param(
            _electricity(amount_unit="t"), "electricity", 1, "amount_unit", "'t'", id="MWh-in-t"
        ),
        pytest.param(
            _fuel(consumption=-1100.0), "fuel", 2, "consumption", "negative", id="negative-coal"
        ),
        pytest.param(
            _electricity(amount=-80.0), "electricity", 1, "amount", "negative", id="negative-MWh"
        ),
        pytest.param(_fuel(ncv=-21.0), "fuel", 2, "ncv", "negative", id="negative-ncv"),
        pytest.param(_fuel(consumption="lots"), "fuel", 2, "consumption", "number", id="text"),
        pytest.param(_fuel(month=0), "fuel", 2, "month", "1–12", id="month-0"),
        pytest.param(_fuel(month=13), "fuel", 2, "month", "1–12", id="month-13"),
        pytest.param(_electricity(month=-1), "electricity", 1, "month", "1–12", id="month-neg"),
        pytest.param(_fuel(month=2.5), "fuel", 2, "month", "whole number", id="month-2.5"),
        pytest.param(_header(year=2019), None, None, "methodology", "governs", id="year-2019"),
        pytest.param(_header(year=2101), "inventory", None, "year", "2100", id="year-2101"),
    ],
)
def test_bad_values_are_422_naming_the_cell_and_store_nothing(
    client: TestClient,
    world: World,
    edit: Callable[[dict[str, Any]], None],
    sheet: str | None,
    row: int | None,
    field: str,
    rule: str,
) -> None:
    before = counts(world)
    problems = refused(post_json(client, world, changed(edit)))
    problem = named(problems, field, rule)
    assert (problem["file"], problem["sheet"], problem["row"]) == ("request", sheet, row)
    assert counts(world) == before


def test_a_good_body_is_stored_so_the_bad_ones_fail_for_their_edit(
    client: TestClient, world: World
) -> None:
    """The body every bad case edits is itself accepted."""
    before = counts(world)
    response = post_json(client, world, fresh())
    assert response.status_code == 201, response.text
    after = counts(world)
    assert (after["inventories"], after["results"], after["evidence_entries"]) == (
        before["inventories"] + 1,
        before["results"] + 1,
        before["evidence_entries"]
        + 4,  # inventory and result: its organisation's log, the platform's
    )


def test_absurd_quantity_is_refused(client: TestClient, world: World) -> None:
    before = counts(world)
    response = post_json(client, world, changed(_fuel(consumption=1e30)))
    problem = named(refused(response), "consumption", "")
    assert (problem["sheet"], problem["row"], problem["value"]) == ("fuel", 2, 1e30)
    assert counts(world) == before


def test_quantity_that_overflows_the_total_changes_nothing(
    client: TestClient, world: World
) -> None:
    before = counts(world)
    response = post_json(client, world, changed(_fuel(consumption=1.7e308)))
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"]
    assert counts(world) == before


def test_quantity_that_overflows_the_total_is_422_naming_the_row(
    client: TestClient, world: World
) -> None:
    response = post_json(client, world, changed(_fuel(consumption=1.7e308)))
    problem = named(refused(response), "consumption", "")
    assert (problem["sheet"], problem["row"]) == ("fuel", 2)


def test_non_utf8_json_is_422(client: TestClient, world: World) -> None:
    before = counts(world)
    response = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        content=json.dumps(GOOD, ensure_ascii=False).encode("gb18030"),
        headers={**world.bearer("enterprise"), "Content-Type": "application/json"},
    )
    assert "not UTF-8" in refused(response)[0]["rule"]
    assert counts(world) == before


# -- uploaded files -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("workbook")
    return write_template(get_methodology("cn-mee-power-2022"), folder / "电厂.xlsx", example=True)


@pytest.fixture(scope="module")
def workbook_org(world: World, workbook: Path) -> int:
    """The organisation the example workbook names."""
    with session_scope(world.engine) as session:
        organisation = Organisation(name=read_inventory(workbook).header.organisation)
        session.add(organisation)
        session.flush()
        return organisation.id


def upload(client: TestClient, world: World, org: int, name: str, data: bytes) -> Any:
    kind = XLSX if name.endswith(".xlsx") else "application/octet-stream"
    return client.post(
        f"/api/organisations/{org}/inventories",
        files={"file": (name, data, kind)},
        headers=world.bearer("admin"),
    )


def _column(sheet: Any, name: str) -> str:
    for cell in sheet[1]:
        if cell.value == name:
            return str(cell.column_letter)
    raise AssertionError(f"no column {name}")


def _formula(path: Path) -> bytes:
    book = openpyxl.load_workbook(path)
    fuel = book["fuel"]
    fuel[f"{_column(fuel, 'consumption')}4"] = "=1000*98"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_macro(path: Path) -> bytes:
    """The workbook with a VBA project smuggled into its zip, as an .xlsm carries one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 508)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "rule"),
    [
        pytest.param("电厂.xlsx", _formula, "formulas are not accepted", id="formula"),
        pytest.param("电厂.xlsx", _with_macro, "macro", id="vbaProject-in-xlsx"),
        pytest.param("电厂.xlsm", _with_macro, "unsupported file type", id="xlsm"),
        pytest.param(
            "电厂.xlsx",
            lambda path: b"month,fuel,consumption\n1,coal,100\n",
            "not a readable Excel workbook",
            id="text-renamed-xlsx",
        ),
        pytest.param(
            "plant.yaml",
            lambda path: demo_inventory_path().read_text(encoding="utf-8").encode("gb18030"),
            "not UTF-8",
            id="gb18030-yaml",
        ),
        pytest.param(
            "plant.yaml",
            lambda path: "inventory:\n  organisation: 甲\n".encode("utf-16"),
            "not UTF-8",
            id="utf16-yaml",
        ),
    ],
)
def test_bad_files_are_422_and_store_nothing(
    client: TestClient,
    world: World,
    workbook: Path,
    workbook_org: int,
    name: str,
    make: Callable[[Path], bytes],
    rule: str,
) -> None:
    before = counts(world)
    problems = refused(upload(client, world, workbook_org, name, make(workbook)))
    assert any(rule in p["rule"] for p in problems), problems
    assert all(p["file"] == name for p in problems), problems
    assert counts(world) == before


# -- duplicates -----------------------------------------------------------------------------------

DEDUPLICATED = ("organisations", "facilities", "inventories", "evidence_entries", "evidence_heads")
"""What a second submission of the same inventory must not add to (results: see below)."""


def _next_second() -> None:
    """Wait until the wall clock enters the next second, so a second submission is not taken
    for the same accounting run as the first (results are stamped to the second)."""
    time.sleep(1.02 - time.time() % 1.0)


def _twice(client: TestClient, world: World) -> tuple[Any, Any, dict[str, int], dict[str, int]]:
    """A new JSON inventory sent twice, a second apart: both answers, the counts after each."""
    body = fresh()
    first = post_json(client, world, body)
    assert first.status_code == 201, first.text
    after_first = counts(world)
    _next_second()
    second = post_json(client, world, copy.deepcopy(body))
    return first, second, after_first, counts(world)


def test_the_same_inventory_twice_is_stored_and_lodged_once(
    client: TestClient, world: World
) -> None:
    """Re-sending the same JSON inventory makes no second inventory and no second evidence entry
    (nor head); an answer that succeeds names the inventory and entries stored the first time."""
    first, second, after_first, after_second = _twice(client, world)
    assert second.status_code in (200, 201, 409), second.text
    if second.status_code < 300:
        assert second.json()["inventory_id"] == first.json()["inventory_id"]
        assert second.json()["evidence"] == first.json()["evidence"]
    assert {t: after_second[t] for t in DEDUPLICATED} == {t: after_first[t] for t in DEDUPLICATED}


def test_the_same_inventory_twice_stores_no_second_result(client: TestClient, world: World) -> None:
    _, _, after_first, after_second = _twice(client, world)
    assert after_second["results"] == after_first["results"]


def test_the_same_workbook_twice_is_stored_and_lodged_once(
    client: TestClient, world: World, workbook: Path, workbook_org: int
) -> None:
    """The example workbook is accepted; the same workbook under another file name is the same
    inventory."""
    first = upload(client, world, workbook_org, "电厂.xlsx", workbook.read_bytes())
    assert first.status_code == 201, first.text
    after_first = counts(world)
    second = upload(client, world, workbook_org, "电厂-副本.xlsx", workbook.read_bytes())
    assert second.status_code in (200, 201, 409), second.text
    after_second = counts(world)
    assert {t: after_second[t] for t in DEDUPLICATED} == {t: after_first[t] for t in DEDUPLICATED}


def test_a_duplicate_submission_is_a_4xx_naming_the_stored_one(
    client: TestClient, world: World
) -> None:
    body = fresh()
    first = post_json(client, world, body)
    assert first.status_code == 201, first.text
    second = post_json(client, world, body)
    assert 400 <= second.status_code < 500, second.text
    assert str(first.json()["inventory_id"]) in second.json()["detail"]


# -- size limits ----------------------------------------------------------------------------------


def test_uploads_over_the_configured_limit_are_413(small: TestClient, world: World) -> None:
    url = f"/api/organisations/{world.org_a}/inventories"
    yaml_text = demo_inventory_path().read_bytes()
    padded = yaml_text + b"\n" + b"#" * (SMALL_LIMIT + 1) + b"\n"
    body = b" " * (SMALL_LIMIT + 1) + b"{}"
    before = counts(world)
    for response in (
        small.post(url, files={"file": ("plant.yaml", padded)}, headers=world.bearer("admin")),
        small.post(
            url, content=body, headers={**world.bearer("admin"), "Content-Type": "application/json"}
        ),
    ):
        refused(response, 413)
        assert str(SMALL_LIMIT) in response.json()["detail"]
    assert counts(world) == before


@contextlib.contextmanager
def serving(app: FastAPI) -> Iterator[int]:
    """``app`` served by uvicorn on 127.0.0.1 in a thread; the port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port: int = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(TIMEOUT)
        listener.close()


def _request_head(port: int, world: World, org: int, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST /api/organisations/{org}/inventories HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Authorization: Bearer {world.keys['admin']}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _answer(connection: socket.socket, wait: float) -> bytes:
    """What the server has answered within ``wait`` seconds (b"" if nothing)."""
    received = b""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        ready, _, _ = select.select([connection], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        try:
            chunk = connection.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
        if b"\r\n\r\n" in received and received.rstrip().endswith((b"}", b"</html>")):
            break
    return received


def _stream(port: int, head: bytes, chunks: Iterator[bytes], wait: float) -> tuple[bytes, int]:
    """Send ``head`` then ``chunks`` (stopping if the server answers or hangs up), never
    finishing the body; what the server answered within ``wait`` seconds, and the body bytes
    sent."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as connection:
        connection.sendall(head)
        for chunk in chunks:
            answer = _answer(connection, 0)
            if answer:
                return answer + _answer(connection, wait), sent
            try:
                connection.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        return _answer(connection, wait), sent


def _declared(size: int, piece: int = 64 * 1024) -> Iterator[bytes]:
    """Up to 1 MiB of a body that declares ``size`` bytes."""
    for _ in range(min(size, 1 << 20) // piece):
        yield b" " * piece


TWO_HUNDRED_MB = 200 * 1024 * 1024


@pytest.mark.parametrize(
    "content_type", ["application/json", "multipart/form-data; boundary=dualcarbon"]
)
def test_a_declared_200MB_upload_is_refused_before_it_is_read(
    client: TestClient, world: World, content_type: str
) -> None:
    """A real server (uvicorn on 127.0.0.1) answers 413 to ``Content-Length: 200 MB`` after at
    most the first MiB has been sent, with the default limit (20 MiB)."""
    before = counts(world)
    with serving(client.app) as port:  # type: ignore[arg-type]
        head = _request_head(
            port,
            world,
            world.org_a,
            {"Content-Type": content_type, "Content-Length": str(TWO_HUNDRED_MB)},
        )
        answer, sent = _stream(port, head, _declared(TWO_HUNDRED_MB), wait=TIMEOUT)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"upload larger than" in answer
    assert sent <= 1 << 20 < TWO_HUNDRED_MB
    assert counts(world) == before


def _chunked(total: int, prefix: bytes = b"", piece: int = 64 * 1024) -> Iterator[bytes]:
    """``prefix`` then ``total`` bytes of filler, in HTTP/1.1 chunks, without the final
    zero-length chunk (the body is never finished)."""
    if prefix:
        yield b"%x\r\n%s\r\n" % (len(prefix), prefix)
    for _ in range(total // piece):
        yield b"%x\r\n%s\r\n" % (piece, b"#" * piece)


MULTIPART_HEAD = (
    b"--dualcarbon\r\n"
    b'Content-Disposition: form-data; name="file"; filename="big.yaml"\r\n'
    b"Content-Type: application/x-yaml\r\n\r\n"
)


def test_a_chunked_json_body_over_the_limit_is_refused_while_streaming(
    small: TestClient, world: World
) -> None:
    """No Content-Length to judge by: the server counts as it reads and answers 413 although the
    body (1 MiB against a 4 KiB limit) is never finished."""
    before = counts(world)
    with serving(small.app) as port:  # type: ignore[arg-type]
        head = _request_head(
            port,
            world,
            world.org_a,
            {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        )
        answer, _ = _stream(port, head, _chunked(1 << 20), wait=TIMEOUT)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert counts(world) == before


def test_a_chunked_multipart_upload_over_the_limit_is_refused_while_streaming(
    small: TestClient, world: World
) -> None:
    """Starlette spools a multipart file part to disk as it arrives: without counting while the
    body streams in, a chunked upload (no Content-Length) would be received whole before the
    413. The server answers 413 although the body (1 MiB against a 4 KiB limit) is never
    finished, and stores nothing."""
    before = counts(world)
    with serving(small.app) as port:  # type: ignore[arg-type]
        head = _request_head(
            port,
            world,
            world.org_a,
            {
                "Content-Type": "multipart/form-data; boundary=dualcarbon",
                "Transfer-Encoding": "chunked",
            },
        )
        answer, _ = _stream(port, head, _chunked(1 << 20, MULTIPART_HEAD), wait=2.0)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"upload larger than %d bytes" % SMALL_LIMIT in answer
    assert counts(world) == before


def _web_cookie(app: FastAPI, world: World, who: str = "admin") -> str:
    """The session cookie of ``who`` signed in through the web login form."""
    browser = TestClient(app)  # not entered: no lifespan, which would dispose the app's engine
    response = browser.post(
        "/login",
        data={"email": world.email(who), "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return browser.cookies[COOKIE_NAME]


def test_a_chunked_web_upload_over_the_limit_is_refused_while_streaming(
    small: TestClient, world: World
) -> None:
    """The web page's upload form is held to the same limit while the body streams in: 413 with
    the organisation page naming the problem, although the body is never finished."""
    before = counts(world)
    cookie = _web_cookie(small.app, world)  # type: ignore[arg-type]
    with serving(small.app) as port:  # type: ignore[arg-type]
        lines = [
            f"POST /organisations/{world.org_a}/upload?lang=en HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            f"Cookie: {COOKIE_NAME}={cookie}",
            "Content-Type: multipart/form-data; boundary=dualcarbon",
            "Transfer-Encoding: chunked",
        ]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        # the answer is the organisation page, charts and all: give it time on a loaded machine
        answer, _ = _stream(port, head, _chunked(1 << 20, MULTIPART_HEAD), wait=TIMEOUT)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"larger than the upload limit" in answer
    assert counts(world) == before


# -- the NUL character -----------------------------------------------------------------------------
# PostgreSQL text cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00"): sent
# anywhere, it must be a 422 naming where, never a 500 from the driver.


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/auth/login", {"email": "a\x00@example.cn", "password": "x"}),
        ("POST", "/api/results/{result}/comments", {"text": "请核对\x00"}),
        ("POST", "/api/results/{result}/signoffs", {"decision": "approved", "note": "\x00"}),
        ("POST", "/api/organisations/{org}/facilities", {"name": "电厂\x00"}),
        ("POST", "/api/organisations", {"name": "丙\x00"}),
        ("POST", "/api/keys", {"name": "k\x00"}),
        ("POST", "/api/organisations/{org}/inventories", changed(_header(facility="电\x00厂"))),
        ("POST", "/api/organisations/{org}/inventories", changed(_fuel(consumption_ref="\x00"))),
        (
            "POST",
            "/api/organisations/{org}/instruments",
            {"instruments": [{"id": "X-1", "name": "表\x00"}]},
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_nul_characters_are_422_not_500(
    client: TestClient, world: World, method: str, path: str, body: dict[str, Any]
) -> None:
    before = counts(world)
    url = path.format(result=world.result_a, org=world.org_a)
    response = client.request(method, url, json=body, headers=world.bearer("admin"))
    problems = refused(response)
    assert any("NUL" in p["rule"] or "control" in p["rule"] for p in problems), problems
    assert counts(world) == before


def test_a_nul_in_an_uploaded_yaml_is_422(client: TestClient, world: World) -> None:
    text = demo_inventory_path().read_text(encoding="utf-8")
    broken = text.replace("consumption_ref: 燃油流量计 FO-1", 'consumption_ref: "FO\\0-1"', 1)
    assert broken != text
    before = counts(world)
    response = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        files={"file": ("电厂.yaml", broken.encode("utf-8"), "application/x-yaml")},
        headers=world.bearer("admin"),
    )
    problems = refused(response)
    assert problems[0]["file"] == "电厂.yaml"
    assert "NUL" in problems[0]["rule"]
    assert counts(world) == before


def test_a_nul_in_the_web_login_is_a_failed_login(client: TestClient, world: World) -> None:
    response = client.post(
        "/login", data={"email": f"{world.email('enterprise')}\x00", "password": PASSWORD}
    )
    assert response.status_code == 401


def test_a_server_out_of_connections_answers_503(module_db_url: str, world: World) -> None:
    """Every pooled connection busy past the pool's timeout: 503 with Retry-After, not a 500."""
    from sqlalchemy import create_engine

    app = create_app(settings_for(module_db_url))
    app.state.engine.dispose()
    starved = create_engine(module_db_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    app.state.engine = starved
    before = counts(world)
    try:
        with TestClient(app) as test_client, starved.connect():  # holds the only connection
            response = post_json(test_client, world, fresh())
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        assert "busy" in response.json()["detail"]
    finally:
        starved.dispose()
    assert counts(world) == before
