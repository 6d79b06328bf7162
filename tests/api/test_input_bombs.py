"""Zip and alias bombs sent to the API are answered 422 at once, naming the file and the rule,
and nothing is stored. (The readers' memory bounds are tested in tests/unit/io.)"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from fastapi.testclient import TestClient

from .world import World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "xl/worksheets/sheet1.xml"


def zip_bomb() -> bytes:
    """The shape of issue 12: a workbook of ~300 KiB whose first sheet is 128 MB of XML, 4 M
    rows and no <dimension>."""
    plain = io.BytesIO()
    openpyxl.Workbook().save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for info in source.infolist():
            if info.filename != SHEET:
                archive.writestr(info.filename, source.read(info.filename))
                continue
            with archive.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                    b'main"><sheetData>'
                )
                block = b"<row><c><v>12345.6</v></c></row>" * 10_000
                for _ in range(400):
                    sheet.write(block)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def alias_bomb(key: str) -> bytes:
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 10)]
    return ("\n".join([*lines, f"{key}: *a9"]) + "\n").encode()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb()


@pytest.mark.parametrize("route", ["inventories", "instruments"])
def test_a_zip_bomb_is_422_naming_file_and_rule(
    client: TestClient, world: World, bomb: bytes, route: str
) -> None:
    assert len(bomb) < 1024 * 1024
    response = client.post(
        f"/api/organisations/{world.org_a}/{route}",
        files={"file": ("plant.xlsx", bomb, XLSX)},
        headers=world.bearer("admin"),
    )
    assert response.status_code == 422, response.text
    (problem,) = response.json()["problems"]
    assert problem["file"] == "plant.xlsx"
    assert "more than the 32 MiB accepted" in problem["rule"]


@pytest.mark.parametrize(
    ("route", "key"),
    [("inventories", "inventory"), ("instruments", "instruments"), ("footprints", "product")],
)
def test_an_alias_bomb_is_422_naming_file_and_rule(
    client: TestClient, world: World, route: str, key: str
) -> None:
    response = client.post(
        f"/api/organisations/{world.org_a}/{route}",
        files={"file": ("bomb.yaml", alias_bomb(key), "application/x-yaml")},
        headers=world.bearer("admin"),
    )
    assert response.status_code == 422, response.text
    (problem,) = response.json()["problems"]
    assert problem["file"] == "bomb.yaml"
    assert "more than the 10,000 accepted" in problem["rule"]
