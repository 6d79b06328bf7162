"""A cement manufacturer makes its EU CBAM communication from its organisation page (issue 17):
it uploads its installation's declaration, the embedded emissions come from its stored inventory,
and it downloads the Commission's template filled in; a broken declaration is named on the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import yaml
from playwright.sync_api import Browser, expect

from dualcarbon.api import services
from dualcarbon.demo import demo_cement_inventory_path
from dualcarbon.io import read_inventory
from dualcarbon.security import Passwords
from dualcarbon.server import create_app
from dualcarbon.store import session_scope, upgrade
from dualcarbon.store.models import Organisation, User

from .conftest import login, serving, site_settings

MAKER = "示例水泥有限公司"
PASSWORD = "e2e password 123"
DECLARATION = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "dualcarbon"
    / "demo"
    / "data"
    / "cbam"
    / "cement-works-2025.yaml"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    folder = tmp_path_factory.mktemp("cbam-web")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    upgrade(url)
    app = create_app(site_settings(url))
    hashed = Passwords(memory_kib=64, time_cost=1).hash(PASSWORD)
    with session_scope(app.state.engine) as session:
        maker = Organisation(name=MAKER)
        session.add(maker)
        session.flush()
        user = User(
            email="cbam@cement.cn",
            name="carbon manager",
            password_hash=hashed,
            role="enterprise",
            organisation_id=maker.id,
        )
        session.add(user)
        session.flush()
        maker_id, user_id = maker.id, user.id
    with session_scope(app.state.engine) as session:
        principal = services.principal_of(services.get_user(session, user_id))
        inventory = read_inventory(demo_cement_inventory_path())
        services.import_inventory(session, principal, maker_id, inventory, app.state.ledger)
    raw = yaml.safe_load(DECLARATION.read_text(encoding="utf-8"))
    raw["goods"][0]["actual"]["inventory"] = "示例熟料基地"
    (folder / "cbam.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    raw["year"] = "twenty"
    (folder / "broken.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    with serving(app) as base:
        yield base, maker_id, folder


def test_the_manufacturer_downloads_its_communication(
    browser: Browser, site: tuple[str, int, Path], screenshots: Path
) -> None:
    base, maker_id, folder = site
    page = browser.new_page()
    login(page, base, "cbam@cement.cn", PASSWORD)
    page.goto(f"{base}/organisations/{maker_id}")
    expect(page.locator("#cbam")).to_be_visible()
    page.screenshot(path=str(screenshots / "web-cbam.png"), full_page=True)
    page.set_input_files("#cbam-file", str(folder / "cbam.yaml"))
    with page.expect_download() as waited:
        page.click("#cbam-export")
    saved = folder / "communication.xlsx"
    waited.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved, data_only=True)["Summary_Communication"]
    assert sheet["F26"].value == "25231000" and sheet["F27"].value == "25232900"
    assert 0.5 < sheet["I26"].value < 1.0  # tCO2e per t of clinker, from the stored inventory
    page.goto(f"{base}/organisations/{maker_id}")
    page.set_input_files("#cbam-file", str(folder / "broken.yaml"))
    page.click("#cbam-export")
    expect(page.locator("body")).to_contain_text("year")
    page.close()
