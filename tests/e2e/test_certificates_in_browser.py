"""An enterprise records the green certificates it holds from its organisation page (issue 16),
sees what remains of each batch, and is refused, on the page, a second record of the same
certificates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from dualcarbon.io.certificate_files import write_certificate_template
from dualcarbon.security import Passwords
from dualcarbon.server import create_app
from dualcarbon.store import session_scope, upgrade
from dualcarbon.store.models import Organisation, User

from .conftest import login, serving, site_settings

HOLDER = "示例铝业有限公司"
PASSWORD = "e2e password 123"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    folder = tmp_path_factory.mktemp("certificates-web")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    upgrade(url)
    app = create_app(site_settings(url))
    with session_scope(app.state.engine) as session:
        holder = Organisation(name=HOLDER)
        session.add(holder)
        session.flush()
        session.add(
            User(
                email="energy@al.cn",
                name="energy manager",
                password_hash=Passwords(memory_kib=64, time_cost=1).hash(PASSWORD),
                role="enterprise",
                organisation_id=holder.id,
            )
        )
        holder_id = holder.id
    write_certificate_template(folder / "绿证.xlsx", example=True)
    with serving(app) as base:
        yield base, holder_id, folder


def test_an_enterprise_records_its_certificates_once(
    browser: Browser, site: tuple[str, int, Path], screenshots: Path
) -> None:
    base, holder_id, folder = site
    page = browser.new_page()
    login(page, base, "energy@al.cn", PASSWORD)
    page.goto(f"{base}/organisations/{holder_id}")
    expect(page.locator("#certificates")).to_be_visible()
    page.set_input_files("#certificate-file", str(folder / "绿证.xlsx"))
    page.click("#certificate-upload")
    expect(page.locator("#certificates-done")).to_contain_text("已登记 2000 张绿证")
    expect(page.locator("#batch-table")).to_contain_text("W-DEMO-0001")
    expect(page.locator("#batch-table")).to_contain_text("1200 / 1200")
    page.screenshot(path=str(screenshots / "web-certificates.png"), full_page=True)
    page.set_input_files("#certificate-file", str(folder / "绿证.xlsx"))
    page.click("#certificate-upload")
    expect(page.locator("body")).to_contain_text("同一张绿证只能登记一次")
    page.close()
