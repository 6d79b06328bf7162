"""What the organisation page hands out (issue 14, item 6): the inventory template with the
organisation's name already in it, a footprint publication to start from, and for a role that
may not see results a page that says so instead of "no results yet"."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import yaml
from fastapi.testclient import TestClient

from dualcarbon.api.deps import COOKIE_NAME
from dualcarbon.io import read_inventory
from dualcarbon.io.excel import HEADER_SHEET

from .test_robustness import _web_cookie
from .world import ORG_A, World


def _browser(client: TestClient, world: World, who: str) -> TestClient:
    browser = TestClient(client.app)
    browser.cookies.set(COOKIE_NAME, _web_cookie(client.app, world, who))  # type: ignore[arg-type]
    return browser


def test_the_template_comes_with_the_organisation_and_is_accepted_back(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    browser = _browser(client, world, "enterprise")
    page = browser.get(f"/organisations/{world.org_a}")
    assert 'id="template-download"' in page.text and "cn-mee-cement-2024" in page.text
    got = browser.get(
        f"/organisations/{world.org_a}/template", params={"methodology": "cn-mee-cement-2024"}
    )
    assert got.status_code == 200, got.text
    assert "filename*=UTF-8''" in got.headers["content-disposition"]
    header = openpyxl.load_workbook(io.BytesIO(got.content))[HEADER_SHEET]
    values = {row[0].value: row[1].value for row in header.iter_rows(min_row=2)}
    assert values["organisation"] == ORG_A and values["methodology"] == "cn-mee-cement-2024"
    book = openpyxl.load_workbook(io.BytesIO(got.content))
    year_row = next(r for r in book[HEADER_SHEET].iter_rows(min_row=2) if r[0].value == "year")
    year_row[1].value = 2025  # what the user fills in
    path = tmp_path / "模板.xlsx"
    book.save(path)
    assert read_inventory(path).header.organisation == ORG_A
    other = browser.get(f"/organisations/{world.org_b}/template")
    assert other.status_code == 404  # another organisation's: not even its name


def test_the_footprint_example_publishes_as_downloaded(client: TestClient, world: World) -> None:
    browser = _browser(client, world, "enterprise")
    example = browser.get(f"/organisations/{world.org_a}/footprint-example.yaml")
    assert example.status_code == 200, example.text
    document = yaml.safe_load(example.text)
    assert document["publication"]["company_name"] == ORG_A
    published = client.post(
        f"/api/organisations/{world.org_a}/footprints",
        files={"file": ("example.yaml", example.content, "application/x-yaml")},
        headers=world.bearer("enterprise"),
    )
    assert published.status_code == 201, published.text


def test_a_role_without_results_is_told_so(client: TestClient, world: World) -> None:
    reviewer = _browser(client, world, "metrology_reviewer").get(f"/organisations/{world.org_a}")
    assert reviewer.status_code == 200
    assert 'id="no-access"' in reviewer.text and "尚无核算结果" not in reviewer.text
    verifier = _browser(client, world, "verifier").get(f"/organisations/{world.org_a}")
    assert 'id="no-access"' not in verifier.text


def test_a_refused_upload_reads_in_chinese(client: TestClient, world: World) -> None:
    """Issue 14, item 5: the upload page's refusal named its rules in English."""
    from dualcarbon.demo import demo_inventory_path

    text = demo_inventory_path().read_text(encoding="utf-8").replace("month: 2,", "month: 13,", 1)
    text = text.replace("示范能源集团有限公司", ORG_A, 1)
    browser = _browser(client, world, "enterprise")
    refused = browser.post(
        f"/organisations/{world.org_a}/upload",
        files={"file": ("台账.yaml", text.encode(), "application/x-yaml")},
    )
    assert refused.status_code == 422
    assert "月份须为核算年度内的 1–12" in refused.text
    english = browser.post(
        f"/organisations/{world.org_a}/upload?lang=en",
        files={"file": ("台账.yaml", text.encode(), "application/x-yaml")},
    )
    assert "month must be 1–12" in english.text
