"""Importing inventories over HTTP: .xlsx and .yaml uploads and JSON bodies, accounted and
stored all or nothing; bad input answers 422 with its row-level problems and stores nothing."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dualcarbon.accounting.engine import account
from dualcarbon.demo import demo_inventory_path
from dualcarbon.io import read_inventory
from dualcarbon.io.excel import HEADER_SHEET, write_template
from dualcarbon.methodologies.definition import get_methodology
from dualcarbon.store import session_scope
from dualcarbon.store.models import Facility, Organisation, StoredInventory, StoredResult

from .test_robustness import GOOD
from .world import ORG_A, World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stored(world: World) -> tuple[int, int, int]:
    with session_scope(world.engine) as session:
        return (
            session.scalar(select(func.count()).select_from(StoredInventory)) or 0,
            session.scalar(select(func.count()).select_from(StoredResult)) or 0,
            session.scalar(select(func.count()).select_from(Facility)) or 0,
        )


def _organisation(world: World, name: str) -> int:
    with session_scope(world.engine) as session:
        organisation = Organisation(name=name)
        session.add(organisation)
        session.flush()
        return organisation.id


def _column(sheet: Any, name: str) -> str:
    for cell in sheet[1]:
        if cell.value == name:
            return str(cell.column_letter)
    raise AssertionError(f"no column {name}")


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_template(
        get_methodology("cn-mee-power-2022"), tmp_path / "电厂.xlsx", example=True
    )


def _edited(path: Path, edit: Callable[[Any], None]) -> bytes:
    book = openpyxl.load_workbook(path)
    edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(
    client: TestClient, world: World, org: int, name: str, data: bytes, who: str = "admin"
) -> Any:
    return client.post(
        f"/api/organisations/{org}/inventories",
        files={"file": (name, data, XLSX if name.endswith(".xlsx") else "application/x-yaml")},
        headers=world.bearer(who),
    )


# -- happy paths ---------------------------------------------------------------------------------


def test_json_inventory_is_accounted_and_stored(client: TestClient, world: World) -> None:
    body = copy.deepcopy(GOOD)  # 二号电厂 of 甲, two months of coal and a month of power
    before = _stored(world)
    response = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        json=body,
        headers=world.bearer("enterprise"),
    )
    assert response.status_code == 201, response.text
    outcome = response.json()
    assert outcome["result"]["organisation_id"] == world.org_a
    assert outcome["result"]["facility"] == "二号电厂"
    assert _stored(world) == (before[0] + 1, before[1] + 1, before[2] + 1)
    listed = client.get(
        f"/api/organisations/{world.org_a}/results", headers=world.bearer("verifier")
    ).json()
    assert outcome["result"]["id"] in [r["id"] for r in listed]
    document = client.get(
        f"/api/results/{outcome['result']['id']}", headers=world.bearer("verifier")
    ).json()
    assert document["total_tco2e"] == pytest.approx(outcome["result"]["total_tco2e"], rel=1e-12)
    assert document["meta"]["organisation"] == ORG_A
    assert document["meta"]["inventory_source"] == "request"


def test_excel_upload_is_accounted_and_stored(
    client: TestClient, world: World, workbook: Path
) -> None:
    inventory = read_inventory(workbook)
    org = _organisation(world, inventory.header.organisation)
    response = _upload(client, world, org, "电厂.xlsx", workbook.read_bytes())
    assert response.status_code == 201, response.text
    result = response.json()["result"]
    assert result["total_tco2e"] == pytest.approx(account(inventory).total(), rel=1e-12)
    document = client.get(f"/api/results/{result['id']}", headers=world.bearer("admin")).json()
    assert document["meta"]["inventory_source"] == "电厂.xlsx"
    assert document["organisation_id"] == org


def test_yaml_upload_is_accounted_and_stored(client: TestClient, world: World) -> None:
    path = demo_inventory_path()
    inventory = read_inventory(path)
    org = _organisation(world, inventory.header.organisation)
    response = _upload(client, world, org, "plant.yaml", path.read_bytes())
    assert response.status_code == 201, response.text
    result = response.json()["result"]
    assert result["total_tco2e"] == pytest.approx(account(inventory).total(), rel=1e-12)
    assert result["year"] == 2024


# -- bad input: 422 with the problems, nothing stored --------------------------------------------


def test_bad_workbook_names_rows_and_stores_nothing(
    client: TestClient, world: World, workbook: Path
) -> None:
    inventory = read_inventory(workbook)
    org = _organisation(world, inventory.header.organisation)

    def break_it(book: Any) -> None:
        electricity = book["electricity"]
        electricity[f"{_column(electricity, 'month')}3"] = 13
        fuel = book["fuel"]
        fuel[f"{_column(fuel, 'ncv')}4"] = "about 21"

    before = _stored(world)
    response = _upload(client, world, org, "坏.xlsx", _edited(workbook, break_it))
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    assert {(p["file"], p["sheet"], p["row"], p["field"]) for p in problems} == {
        ("坏.xlsx", "electricity", 3, "month"),
        ("坏.xlsx", "fuel", 4, "ncv"),
    }
    assert {p["value"] for p in problems} == {13, "about 21"}
    assert all(p["rule"] for p in problems)
    assert _stored(world) == before


def test_unit_of_the_wrong_kind_is_refused_by_the_engine(
    client: TestClient, world: World, workbook: Path
) -> None:
    inventory = read_inventory(workbook)
    org = _organisation(world, inventory.header.organisation)

    def gigajoules(book: Any) -> None:
        fuel = book["fuel"]
        fuel[f"{_column(fuel, 'consumption_unit')}4"] = "GJ"

    before = _stored(world)
    response = _upload(client, world, org, "plant.xlsx", _edited(workbook, gigajoules))
    assert response.status_code == 422
    (problem,) = response.json()["problems"]
    assert (problem["sheet"], problem["row"], problem["field"], problem["value"]) == (
        "fuel",
        4,
        "consumption_unit",
        "GJ",
    )
    assert _stored(world) == before


def test_inventory_of_another_organisation_is_refused(
    client: TestClient, world: World, workbook: Path
) -> None:
    """An enterprise cannot slip another organisation's name into its own upload."""
    before = _stored(world)
    response = _upload(
        client, world, world.org_a, "plant.xlsx", workbook.read_bytes(), who="enterprise"
    )
    assert response.status_code == 422
    (problem,) = response.json()["problems"]
    assert (problem["sheet"], problem["field"]) == (HEADER_SHEET, "organisation")
    assert _stored(world) == before


@pytest.mark.parametrize(
    ("name", "data", "rule"),
    [
        ("plant.csv", b"month,fuel\n1,coal\n", "unsupported file type"),
        ("plant.xlsx", b"PK\x03\x04 not really a zip", "not a readable Excel workbook"),
        ("plant.xlsm", b"whatever", "unsupported file type"),
        ("plant.yaml", "inventory: {organisation: 甲}".encode("gb18030"), "not UTF-8"),
        ("plant.yaml", b"inventory: [unclosed", "not valid YAML"),
        ("../../etc/plant.yaml", b"- a list", "top level must be"),
    ],
)
def test_unreadable_uploads_are_422(
    client: TestClient, world: World, name: str, data: bytes, rule: str
) -> None:
    before = _stored(world)
    response = _upload(client, world, world.org_a, name, data, who="enterprise")
    assert response.status_code == 422, response.text
    (problem,) = response.json()["problems"]
    assert rule in problem["rule"]
    assert "/" not in problem["file"] and "tmp" not in problem["file"]
    assert _stored(world) == before


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_bad_json_bodies_are_422(client: TestClient, world: World, body: bytes, rule: str) -> None:
    response = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        content=body,
        headers={**world.bearer("enterprise"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert rule in response.json()["problems"][0]["rule"]


def test_json_rows_are_named(client: TestClient, world: World) -> None:
    body = {
        "inventory": {"organisation": ORG_A, "year": 2024, "methodology": "cn-mee-power-2022"},
        "fuel": [
            {"month": 1, "fuel": "coal", "consumption": 10.0},
            {"month": 14, "fuel": "coal", "consumption": -5},
        ],
    }
    before = _stored(world)
    response = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        json=body,
        headers=world.bearer("enterprise"),
    )
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert {(p["sheet"], p["row"], p["field"]) for p in problems} >= {("fuel", 2, "month")}
    assert _stored(world) == before


def test_other_media_types_and_missing_file_field(client: TestClient, world: World) -> None:
    url = f"/api/organisations/{world.org_a}/inventories"
    plain = client.post(
        url, content=b"hello", headers={**world.bearer("enterprise"), "Content-Type": "text/plain"}
    )
    assert plain.status_code == 415
    wrong_field = client.post(
        url, files={"upload": ("a.yaml", b"x: 1")}, headers=world.bearer("enterprise")
    )
    assert wrong_field.status_code == 422
    assert wrong_field.json()["problems"][0]["field"] == "file"


def test_upload_over_the_limit_is_413(client: TestClient, world: World) -> None:
    client.app.state.settings.max_upload_bytes = 1000  # type: ignore[attr-defined]
    before = _stored(world)
    big = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        files={"file": ("big.yaml", b"#" * 200_000)},
        headers=world.bearer("enterprise"),
    )
    assert big.status_code == 413
    small_envelope = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        files={"file": ("big.yaml", b"#" * 5000)},
        headers=world.bearer("enterprise"),
    )
    assert small_envelope.status_code == 413
    body = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        content=b" " * 5000,
        headers={**world.bearer("enterprise"), "Content-Type": "application/json"},
    )
    assert body.status_code == 413
    assert _stored(world) == before


def test_an_import_is_lodged_as_evidence_and_proves(client: TestClient, world: World) -> None:
    """The upload's evidence entry comes back with it, the result names it, and its proof
    verifies against the signed head with the published key."""
    from dualcarbon.ledger import merkle
    from dualcarbon.ledger.signing import SignedTreeHead, TreeHead, verify_head

    headers = world.bearer("enterprise")
    body = {
        "inventory": {
            "organisation": ORG_A,
            "facility": "三号电厂",
            "year": 2024,
            "methodology": "cn-mee-power-2022",
        },
        "fuel": [
            {
                "month": 5,
                "fuel": "coal",
                "consumption": 321.0,
                "consumption_ref": "皮带秤 BS-301",
                "ncv": 20.3,
                "ncv_ref": "热值报告 2024-05",
            }
        ],
    }
    response = client.post(
        f"/api/organisations/{world.org_a}/inventories", json=body, headers=headers
    )
    assert response.status_code in (200, 201), response.text
    evidence = response.json()["evidence"]
    own = next(e for e in evidence if e["log_id"] == f"org:{world.org_a}")
    log = client.get(f"/api/organisations/{world.org_a}/evidence", headers=headers).json()
    fields = {k: v for k, v in log["head"].items() if k != "signature"}
    head = SignedTreeHead(TreeHead(**fields), log["head"]["signature"])
    key = client.get("/api/evidence/public-key", headers=headers).json()["public_key"]
    assert verify_head(head, key)
    proof = client.get(
        f"/api/organisations/{world.org_a}/evidence/{own['sequence']}/proof", headers=headers
    ).json()
    assert merkle.verify_inclusion(
        bytes.fromhex(own["leaf_hash"]),
        own["sequence"],
        proof["tree_size"],
        [bytes.fromhex(p) for p in proof["proof"]],
        bytes.fromhex(head.head.root_hash),
    )
    document = client.get(f"/api/results/{response.json()['result']['id']}", headers=headers)
    assert own in document.json()["evidence"]


# -- plausibility: findings to correct or acknowledge (issue 14, item 1) -------------------------


def test_a_warning_answers_422_with_findings_and_is_acknowledged_by_query(
    client: TestClient, world: World
) -> None:
    body = copy.deepcopy(GOOD)
    body["fuel"].append(dict(body["fuel"][0]))  # the same record twice
    row = len(body["fuel"])
    url = f"/api/organisations/{world.org_a}/inventories"
    before = _stored(world)
    refused = client.post(url, json=body, headers=world.bearer("enterprise"))
    assert refused.status_code == 422, refused.text
    answer = refused.json()
    (finding,) = answer["findings"]
    assert (finding["code"], finding["severity"], finding["row"], finding["key"]) == (
        "duplicate_row",
        "warning",
        row,
        f"fuel:{row}",
    )
    assert "与第 1 行完全相同" in finding["rule_zh"]
    assert answer["problems"][0]["row"] == row
    assert _stored(world) == before

    no_reason = client.post(
        url,
        params={"accept": f"duplicate_row:fuel:{row}"},
        json=body,
        headers=world.bearer("enterprise"),
    )
    assert (
        no_reason.status_code == 422 and no_reason.json()["problems"][0]["field"] == "accept_reason"
    )
    wrong = client.post(
        url,
        params={"accept": "duplicate_row:99", "accept_reason": "两批次"},
        json=body,
        headers=world.bearer("enterprise"),
    )
    assert wrong.status_code == 422 and "matches no warning" in wrong.text
    assert _stored(world) == before

    accepted = client.post(
        url,
        params={"accept": f"duplicate_row:fuel:{row}", "accept_reason": "两批次同量入炉"},
        json=body,
        headers=world.bearer("enterprise"),
    )
    assert accepted.status_code == 201, accepted.text
    document = client.get(
        f"/api/results/{accepted.json()['result']['id']}", headers=world.bearer("verifier")
    ).json()
    (kept,) = [f for f in document["findings"] if f["code"] == "duplicate_row"]
    assert kept["accepted"]["reason"] == "两批次同量入炉"
    assert kept["accepted"]["by"] == world.email("enterprise")
