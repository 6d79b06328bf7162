"""A project developer's work in a real browser (issue 15): the meters' register and the
offshore wind example uploaded from the organisation page, the claim listed, its monitoring report
opened, and a second claim of the same period refused on the page."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from dualcarbon.security import Passwords
from dualcarbon.server import create_app
from dualcarbon.store import session_scope, upgrade
from dualcarbon.store.models import Organisation, User

from .conftest import login, serving, site_settings

OWNER = "示例海上风电有限公司"  # the example project's owner
PASSWORD = "e2e password 123"
BUNDLED = resources.files("dualcarbon.demo").joinpath("data", "projects")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    folder = tmp_path_factory.mktemp("projects-web")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    upgrade(url)
    app = create_app(site_settings(url))
    with session_scope(app.state.engine) as session:
        owner = Organisation(name=OWNER)
        session.add(owner)
        session.flush()
        session.add(
            User(
                email="developer@wind.cn",
                name="developer",
                password_hash=Passwords(memory_kib=64, time_cost=1).hash(PASSWORD),
                role="project_developer",
                organisation_id=owner.id,
            )
        )
        owner_id = owner.id
    for name in ("offshore-wind.yaml", "offshore-wind-meters.yaml"):
        (folder / name).write_text(BUNDLED.joinpath(name).read_text(encoding="utf-8"), "utf-8")
    with serving(app) as base:
        yield base, owner_id, folder


def test_a_developer_claims_a_period_and_reads_its_report(
    browser: Browser, site: tuple[str, int, Path], screenshots: Path
) -> None:
    base, owner_id, folder = site
    page = browser.new_page()
    login(page, base, "developer@wind.cn", PASSWORD)
    page.goto(f"{base}/organisations/{owner_id}")
    expect(page.locator("#projects")).to_be_visible()
    expect(page.locator("#no-access")).to_have_count(0)
    page.set_input_files("#register-file", str(folder / "offshore-wind-meters.yaml"))
    page.click("#register-upload")
    expect(page.locator("#register-done")).to_contain_text("台账已导入")
    page.set_input_files("#project-file", str(folder / "offshore-wind.yaml"))
    page.click("#project-upload")
    expect(page.locator("#project-done")).to_contain_text("已申报监测期")
    expect(page.locator("#period-table")).to_contain_text("DEMO-OW-01")
    expect(page.locator("#period-table")).to_contain_text("601,169")
    page.screenshot(path=str(screenshots / "web-project-claimed.png"), full_page=True)
    # the same period again: refused on the page, naming the period claimed
    page.set_input_files("#project-file", str(folder / "offshore-wind.yaml"))
    page.click("#project-upload")
    expect(page.locator("body")).to_contain_text("重叠")
    page.goto(f"{base}/organisations/{owner_id}")
    page.click("#period-table a")
    expect(page.locator("#corrections")).to_contain_text("GK-OW-01")
    expect(page.locator("#total")).to_contain_text("601,169.38")
    page.screenshot(path=str(screenshots / "web-project-report.png"), full_page=True)
    page.close()
