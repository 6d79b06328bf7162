"""The web pages in a real browser: login, upload with row feedback, drill-down, corrections,
the register, sign-off and the regulator's overview.

A real server (uvicorn) runs in a thread on 127.0.0.1 over a fresh SQLite store with two
organisations: 甲, the demo plant's, starts empty (its carbon manager uploads the demo plant, and
a broken file); 乙, a peer, starts with a year lodged, for the tests that need a result whatever
ran before (pytest-xdist may run them on different workers, each with its own server). Chromium
drives the pages; screenshots are saved under test-output/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from dualcarbon.api import services
from dualcarbon.api.scope import Principal, Role
from dualcarbon.demo import demo_footprint_path, demo_inventory_path, demo_register_path
from dualcarbon.demo.platform import PEERS, peer_inventory
from dualcarbon.io import read_inventory
from dualcarbon.io.register_files import read_register
from dualcarbon.security import Passwords
from dualcarbon.server import create_app
from dualcarbon.store import session_scope, upgrade
from dualcarbon.store.models import Organisation, User, UserOrganisation
from dualcarbon.store.repository import save_register

from .conftest import login, serving, site_settings

PASSWORD = "e2e password 123"
ORGANISATION = "示范能源集团有限公司"  # the demo plant's organisation
PEER, PEER_PLANT, PEER_SCALE = PEERS[0]


@dataclass(frozen=True)
class Site:
    url: str
    plant: int
    """甲: the demo plant's organisation, empty at the start."""
    peer: int
    """乙: a peer with a year lodged."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    upgrade(url)
    app = create_app(site_settings(url))
    passwords = Passwords(memory_kib=64, time_cost=1)
    with session_scope(app.state.engine) as session:
        organisation, peer = Organisation(name=ORGANISATION), Organisation(name=PEER)
        session.add_all([organisation, peer])
        session.flush()
        plant_id, peer_id = organisation.id, peer.id
        save_register(session, ORGANISATION, read_register(demo_register_path()))
        for email, role, own in (
            ("manager@plant.cn", "enterprise", plant_id),
            ("manager@peer.cn", "enterprise", peer_id),
            ("verifier@audit.cn", "verifier", None),
            ("regulator@mee.cn", "regulator", None),
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
                session.add_all(
                    UserOrganisation(user_id=user.id, organisation_id=o)
                    for o in (plant_id, peer_id)
                )
    with session_scope(app.state.engine) as session:
        seeder = Principal(user_id=0, email="seed", role=Role.ADMIN)
        year = peer_inventory(read_inventory(demo_inventory_path()), PEER, PEER_PLANT, PEER_SCALE)
        services.import_inventory(session, seeder, peer_id, year, app.state.ledger)
    with serving(app) as url:
        yield Site(url, plant_id, peer_id)


def _login(page: Page, base: str, email: str) -> None:
    login(page, base, email, PASSWORD)


def test_upload_drill_down_and_sign_off(
    browser: Browser, server: Site, screenshots: Path, tmp_path: Path
) -> None:
    base = server.url
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    _login(page, base, "wrong@plant.cn")
    expect(page.locator("#login-error")).to_be_visible()
    _login(page, base, "manager@plant.cn")
    page.click("text=查看")
    expect(page.locator("h1")).to_have_text(ORGANISATION)

    broken = tmp_path / "broken.yaml"
    broken.write_text(
        demo_inventory_path().read_text(encoding="utf-8").replace("month: 2,", "month: 13,", 1),
        encoding="utf-8",
    )
    page.set_input_files("#upload-file", str(broken))
    page.click("#upload")
    expect(page.locator("#problems")).to_contain_text("month")
    page.screenshot(path=str(screenshots / "web-upload-problems.png"), full_page=True)
    expect(page.locator("#results")).to_have_count(0)  # nothing was stored

    page.set_input_files("#upload-file", str(demo_inventory_path()))
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

    page.goto(f"{base}/organisations/{server.plant}")
    expect(page.locator("#dashboard > svg")).to_have_count(1)  # the monthly chart
    expect(page.locator("#intensity svg")).to_have_count(1)  # the intensity trend
    page.screenshot(path=str(screenshots / "web-dashboard.png"), full_page=True)

    # a correction of the upload: stored beside it, the original marked as corrected
    corrected = tmp_path / "demo-plant-corrected.yaml"
    corrected.write_text(
        demo_inventory_path().read_text(encoding="utf-8").replace("112400", "112500", 1),
        encoding="utf-8",
    )
    original = page.locator("#inventories tbody tr").first
    original_id = original.locator("td").first.inner_text()
    original.locator("input[type=file]").set_input_files(str(corrected))
    original.locator("button.correct").click()
    expect(page.locator("#total")).to_be_visible()  # the corrected inventory's result
    page.goto(f"{base}/organisations/{server.plant}")
    expect(page.locator("#inventories tbody tr").first).to_contain_text(f"更正了 #{original_id}")
    expect(page.locator("#inventories")).to_contain_text("已被更正为")
    page.screenshot(path=str(screenshots / "web-correction.png"), full_page=True)

    # the instrument register, imported again from its file, and the GB 17167 review
    page.set_input_files("#register-file", str(demo_register_path()))
    page.click("#register-upload")
    expect(page.locator("#register-done")).to_contain_text("台账已导入")
    page.click("#review-link")
    expect(page.locator("body")).to_contain_text("GB 17167")

    page.goto(f"{base}/")
    page.click("#logout")
    expect(page.locator("input[name=email]")).to_be_visible()
    page.close()


def test_verifier_comments_and_signs_off(browser: Browser, server: Site, screenshots: Path) -> None:
    """Issue 14, item 2: the verifier takes a submitted result through the checklist, raises a
    non-conformity the enterprise answers, closes it, approves, and opens the signed report."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    _login(page, server.url, "verifier@audit.cn")
    page.goto(f"{server.url}/organisations/{server.peer}")
    page.locator("#results a").first.click()
    result_url = page.url.split("#")[0]
    page.fill("#comment-text", "3月入炉煤量请附皮带秤检定证书")
    page.click("#comment")
    expect(page.locator("#comments")).to_contain_text("皮带秤")

    page.select_option("#decision", "approved")
    page.click("#sign")
    expect(page.locator("#problems")).to_contain_text("尚未给出结论")  # not before the checklist
    expect(page.locator("#verification .ok")).to_have_count(0)

    items = page.locator("#checklist tr[id^=item-]").evaluate_all("rows => rows.map(r => r.id)")
    assert "item-power_carbon_analysis" in items and "item-emissions" in items
    expect(page.locator("#item-emissions")).to_contain_text("逐条重算一致")
    for row_id in items:
        row = page.locator(f"#{row_id}")
        outcome = "nonconform" if row_id == "item-laboratory" else "conform"
        row.locator("select[name=outcome]").select_option(outcome)
        row.locator("button.answer").click()
        expect(page.locator(f"#{row_id}")).to_have_attribute("data-outcome", outcome)
    page.select_option("#nonconformity-item", "laboratory")
    page.fill("#nonconformity-description", "元素碳检测报告未注明 CMA 资质")
    page.click("#raise")
    expect(page.locator("#nonconformities")).to_contain_text("未注明 CMA 资质")
    page.screenshot(path=str(screenshots / "web-checklist.png"), full_page=True)
    page.goto(f"{server.url}/")
    page.click("#logout")

    _login(page, server.url, "manager@peer.cn")
    page.goto(result_url)
    page.fill(
        "#nonconformities input[name=corrective_action]", "补充化验机构 CMA 证书（2024-0118）"
    )
    page.click("#nonconformities button.corrective")
    expect(page.locator("#nonconformities")).to_contain_text("补充化验机构 CMA 证书")
    page.goto(f"{server.url}/")
    page.click("#logout")

    _login(page, server.url, "verifier@audit.cn")
    page.goto(result_url)
    page.fill("#nonconformities input[name=note]", "已核实证书")
    page.click("#nonconformities button.close-finding")
    expect(page.locator("#nonconformities .ok")).to_contain_text("已关闭")
    page.select_option("#decision", "approved")
    page.fill("#verification input[name=note]", "核查通过")
    page.click("#sign")
    expect(page.locator("#verification .ok")).to_contain_text("核查通过")
    expect(page.locator("#checklist button.answer")).to_have_count(0)  # frozen by the approval
    page.click("#verification-report")
    expect(page.locator("#conclusion")).to_contain_text("经核查的温室气体排放量")
    expect(page.locator("#findings")).to_contain_text("补充化验机构 CMA 证书")
    expect(page.locator("#signature")).to_contain_text("与当前核查清单一致")
    page.screenshot(path=str(screenshots / "web-verification-report.png"), full_page=True)
    page.goto(result_url.replace("lang=zh", "lang=en"))
    expect(page.locator("#verification")).to_contain_text("Approved")
    page.screenshot(path=str(screenshots / "web-signoff.png"), full_page=True)
    page.close()


def test_regulator_overview(browser: Browser, server: Site, screenshots: Path) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    _login(page, server.url, "regulator@mee.cn")
    page.click("#overview-link")
    expect(page.locator("h1")).to_contain_text("年度总览 2024")
    expect(page.locator("#overview")).to_contain_text(PEER)
    expect(page.locator("#overview")).to_contain_text(ORGANISATION)
    expect(page.locator("#overview-chart svg")).to_have_count(1)
    page.screenshot(path=str(screenshots / "web-overview.png"), full_page=True)
    page.goto(f"{server.url}/overview?lang=en")
    expect(page.locator("h1")).to_contain_text("Year overview 2024")
    page.close()


def test_publish_a_footprint_and_read_its_report(
    browser: Browser, server: Site, screenshots: Path, tmp_path: Path
) -> None:
    """乙's carbon manager publishes the demo PV module from the page; the version appears with
    its value (69.63 kgCO2e per m², summed by hand in tests/unit/footprint/test_footprint.py) and
    its GB/T 24067 study report opens with the Sankey."""
    raw = yaml.safe_load(demo_footprint_path("pv-module-simple.yaml").read_text(encoding="utf-8"))
    raw["product"] = {"mass": 11.5}  # PACT asks for the mass per declared unit (illustrative)
    document = tmp_path / "publish.yaml"
    document.write_text(
        yaml.safe_dump(
            {
                "publication": {
                    "company_name": PEER,
                    "company_ids": ["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"],
                    "product_ids": ["urn:gtin:4712345060507"],
                },
                "product_system": raw,
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    _login(page, server.url, "manager@peer.cn")
    page.goto(f"{server.url}/organisations/{server.peer}")
    page.set_input_files("#footprint-file", str(document))
    page.click("#footprint-upload")
    expect(page.locator("#footprint-done")).to_be_visible()
    expect(page.locator("#footprint-table")).to_contain_text("69.63 kgCO2e")
    page.screenshot(path=str(screenshots / "web-footprints.png"), full_page=True)
    page.locator("#footprint-table a").first.click()
    expect(page.locator("h1")).to_contain_text("产品碳足迹研究报告")
    expect(page.locator("svg").first).to_be_visible()
    page.screenshot(path=str(screenshots / "web-footprint-report.png"), full_page=True)
    page.close()


def test_a_warning_is_acknowledged_on_the_upload_page(
    browser: Browser, server: Site, screenshots: Path, tmp_path: Path
) -> None:
    """Issue 14, item 1: a row entered twice stops the upload with the finding, in Chinese, and
    a checkbox; ticked, with a reason, the same file is accounted and the result page shows who
    acknowledged what and why."""
    text = demo_inventory_path().read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if '"#1", month: 1, fuel: coal' in line)
    doubled = tmp_path / "重复行.yaml"
    doubled.write_text(text.replace(first, f"{first}\n{first}", 1), encoding="utf-8")

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    _login(page, server.url, "manager@plant.cn")
    page.goto(f"{server.url}/organisations/{server.plant}")
    results_before = page.locator("#results tbody tr").count()
    page.set_input_files("#upload-file", str(doubled))
    page.click("#upload")
    findings = page.locator("#findings")
    expect(findings).to_contain_text("duplicate_row")
    expect(findings).to_contain_text("与第 1 行完全相同")
    expect(findings).to_contain_text("第 2 行")
    page.screenshot(path=str(screenshots / "web-upload-findings.png"), full_page=True)
    expect(page.locator("#results tbody tr")).to_have_count(results_before)  # nothing stored

    page.check("#findings input[name=accept][value='duplicate_row:fuel:2']")
    page.fill("#accept-reason", "1月两批次同量入炉，见皮带秤日报")
    page.set_input_files("#upload-file", str(doubled))
    page.click("#upload")
    expect(page.locator("#total")).to_be_visible()
    accepted = page.locator("#findings .accepted")
    expect(accepted).to_contain_text("manager@plant.cn")
    expect(accepted).to_contain_text("1月两批次同量入炉，见皮带秤日报")
    page.screenshot(path=str(screenshots / "web-result-findings.png"), full_page=True)
    page.close()
