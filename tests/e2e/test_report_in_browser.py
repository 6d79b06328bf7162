"""The HTML report, opened in a real browser: it renders, in Chinese, with its charts."""

from pathlib import Path

from playwright.sync_api import Browser

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.uncertainty import account_uncertainty
from dualcarbon.demo import demo_inventory_path, demo_register_path
from dualcarbon.io import read_inventory
from dualcarbon.io.register_files import read_register
from dualcarbon.reports.html import write_html


def test_demo_report_renders(browser: Browser, screenshots: Path, tmp_path: Path) -> None:
    result = account(
        read_inventory(demo_inventory_path()), register=read_register(demo_register_path())
    )
    page_path = write_html(
        result, tmp_path / "report.html", uncertainty=account_uncertainty(result)
    )
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(page_path.as_uri())
    assert "温室气体排放核算报告" in page.title()
    assert page.locator("#monthly svg").count() == 1
    assert page.locator("#uncertainty").is_visible()
    # drill-down: the collapsed trace opens to its lines
    trace = page.locator("#trace details").first
    trace.locator("summary").click()
    assert page.locator("#trace table tbody tr").count() >= 30
    page.screenshot(path=str(screenshots / "demo-report.png"), full_page=True)
    page.close()
