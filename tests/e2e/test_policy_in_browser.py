"""The security headers and the cross-site checks in a real browser (decision 0011): Chromium
reports no Content-Security-Policy violation on any page a verifier opens (pages, the printable
report with its inline script and SVG charts), a comment posted through the page's form is
stored (the browser's own ``Origin`` and ``Sec-Fetch-Site`` pass), and the same form posted from a
page of another origin is refused with 403.

The other origin is a plain file server on a second port of the same host: a sibling service
of the same host is *same-site*, so the ``SameSite=Lax`` cookie is sent along — the case the
checks exist for (a page of an unrelated site would not even carry the cookie).
"""

from __future__ import annotations

import functools
import http.server
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from dualcarbon.server import create_app
from dualcarbon.store import upgrade

sys.path.insert(0, str(Path(__file__).parents[1]))
from api.world import PASSWORD, World, seed, settings_for


def _serve(app: object, port: int) -> uvicorn.Server:
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    threading.Thread(target=running.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    return running


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, World]]:
    """The server's URL, the URL of the same app on a second port, and the seeded world."""
    url = f"sqlite:///{tmp_path_factory.mktemp('policy') / 'store.sqlite'}"
    upgrade(url)
    app = create_app(settings_for(url))
    world = seed(app.state.engine)
    port = _free_port()
    running = _serve(app, port)
    base = f"http://127.0.0.1:{port}"
    folder = tmp_path_factory.mktemp("attacker")
    (folder / "attack.html").write_text(
        f'<form id="f" method="post" action="{base}/results/{world.result_a}/comments">'
        '<input name="text" value="forged"></form>',
        encoding="utf-8",
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    attacker = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    yield base, f"http://127.0.0.1:{attacker.server_address[1]}", world
    attacker.shutdown()
    running.should_exit = True


def _watch(page: Page) -> list[str]:
    """Every CSP violation and script error the page reports."""
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_pages_run_under_the_policy_and_forms_post(
    browser: Browser, site: tuple[str, str, World], screenshots: Path
) -> None:
    base, _, world = site
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems = _watch(page)
    page.goto(f"{base}/login")
    page.fill("input[name=email]", world.email("verifier"))
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#logout")).to_be_visible()
    for path in (
        "/",
        f"/organisations/{world.org_a}",
        f"/results/{world.result_a}",
        f"/results/{world.result_a}/report",
        "/overview",
    ):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
    # the report's inline script ran: printing opens every collapsed section
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("[...document.querySelectorAll('details')].every(d => d.open)")
    page.screenshot(path=str(screenshots / "policy-report.png"))

    page.goto(f"{base}/results/{world.result_a}")
    page.fill("#comment-text", "浏览器表单提交的意见")
    page.locator("form[action*='/comments'] button").click()
    expect(page.locator("text=浏览器表单提交的意见")).to_be_visible()
    assert problems == []


def test_a_form_posted_from_another_origin_is_refused(
    browser: Browser, site: tuple[str, str, World]
) -> None:
    """A page of another origin on the same host submits a comment form, with the verifier's
    cookie: 403, and the comment is not stored."""
    base, other, world = site
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=email]", world.email("verifier"))
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#logout")).to_be_visible()
    page.goto(f"{other}/attack.html")
    with page.expect_navigation():
        page.evaluate("document.getElementById('f').submit()")
    page.wait_for_url(f"{base}/results/{world.result_a}/comments")
    assert "已拒绝来自其他网站的请求" in page.content()
    page.goto(f"{base}/results/{world.result_a}")
    assert "forged" not in page.content()
    context.close()
