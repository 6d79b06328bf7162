"""The web pages in a real browser: login, upload with row feedback, drill-down, sign-off.

A real server (uvicorn) runs in a thread on 127.0.0.1 over a fresh SQLite store; Chromium logs in
as the plant's carbon manager, uploads the demo plant (and a broken file), follows the result to
its line-by-line report, then a verifier comments and signs it off. Screenshots are saved under
test-output/screenshots/.
"""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from dualcarbon.api import create_app
from dualcarbon.api.security import Passwords
from dualcarbon.api.settings import Settings
from dualcarbon.demo import demo_inventory_path, demo_register_path
from dualcarbon.metrology.register_io import read_register
from dualcarbon.store import session_scope, upgrade
from dualcarbon.store.models import Organisation, User, UserOrganisation
from dualcarbon.store.repository import save_register

PASSWORD = "e2e password 123"
ORGANISATION = "示范能源集团有限公司"  # the demo plant's organisation


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        secret_key="e2e-secret",  # type: ignore[arg-type]
        ledger_key=base64.b64encode(bytes(32)).decode(),  # type: ignore[arg-type]
        cookie_secure=False,
        password_memory_kib=64,
        password_time_cost=1,
    )
    app = create_app(settings)
    passwords = Passwords(memory_kib=64, time_cost=1)
    with session_scope(app.state.engine) as session:
        organisation = Organisation(name=ORGANISATION)
        session.add(organisation)
        session.flush()
        save_register(session, ORGANISATION, read_register(demo_register_path()))
        for email, role, own in (
            ("manager@plant.cn", "enterprise", organisation.id),
            ("verifier@audit.cn", "verifier", None),
        ):
            user = User(
                email=email,
                name=role,
                password_hash=passwords.hash(PASSWORD),
                role=role,
                organisation_id=own,
            )
            session.add(user)
            session.flush()
            if role == "verifier":
                session.add(UserOrganisation(user_id=user.id, organisation_id=organisation.id))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


def _login(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_upload_drill_down_and_sign_off(
    browser: Browser, server: str, screenshots: Path, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    _login(page, server, "wrong@plant.cn")
    expect(page.locator("#login-error")).to_be_visible()
    _login(page, server, "manager@plant.cn")
    page.click("text=查看")
    expect(page.locator("h1")).to_have_text(ORGANISATION)

    broken = tmp_path / "broken.yaml"
    broken.write_text(
        demo_inventory_path().read_text(encoding="utf-8").replace("month: 2,", "month: 13,", 1),
        encoding="utf-8",
    )
    page.set_input_files("input[type=file]", str(broken))
    page.click("#upload")
    expect(page.locator("#problems")).to_contain_text("month")
    page.screenshot(path=str(screenshots / "web-upload-problems.png"), full_page=True)
    expect(page.locator("#results")).to_have_count(0)  # nothing was stored

    page.set_input_files("input[type=file]", str(demo_inventory_path()))
    page.click("#upload")
    expect(page.locator("#total")).to_contain_text("4,9")
    expect(page.locator("#evidence")).to_contain_text("org:")
    page.screenshot(path=str(screenshots / "web-result.png"), full_page=True)

    # drill-down to the instrument behind a flagged reading and its calibration certificates
    expect(page.locator("#instruments .bad")).to_contain_text("BS-101")
    page.click("#instruments a:text('BS-101')")
    expect(page.locator("#calibrations tbody tr")).not_to_have_count(0)
    page.screenshot(path=str(screenshots / "web-instrument.png"), full_page=True)
    page.go_back()

    page.click("#report-link")
    trace = page.locator("#trace details").first
    trace.locator("summary").click()
    expect(page.locator("#trace")).to_contain_text("BS-101")
    page.screenshot(path=str(screenshots / "web-report.png"))

    page.goto(f"{server}/")
    page.click("text=查看")
    expect(page.locator("#dashboard svg")).to_have_count(1)
    page.screenshot(path=str(screenshots / "web-dashboard.png"), full_page=True)
    page.click("#logout")
    expect(page.locator("input[name=email]")).to_be_visible()
    page.close()


def test_verifier_comments_and_signs_off(browser: Browser, server: str, screenshots: Path) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    _login(page, server, "verifier@audit.cn")
    page.click("text=查看")
    results = page.locator("#results a")
    if results.count() == 0:
        pytest.skip("runs after the upload test")
    results.first.click()
    page.fill("#comment-text", "3月入炉煤量请附皮带秤检定证书")
    page.click("#comment")
    expect(page.locator("#comments")).to_contain_text("皮带秤")
    page.select_option("#decision", "approved")
    page.fill("input[name=note]", "核查通过")
    page.click("#sign")
    expect(page.locator("#verification .ok")).to_contain_text("核查通过")
    page.goto(page.url.replace("lang=zh", "lang=en"))
    expect(page.locator("#verification")).to_contain_text("Approved")
    page.screenshot(path=str(screenshots / "web-signoff.png"), full_page=True)
    page.close()
