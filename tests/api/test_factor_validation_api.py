"""Factor validation on the demo platform: a regulator reads every default the stored results
measured instead of using, the same figures as ``dualcarbon factors validate --database`` gives;
an enterprise may not read across the platform."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from demo_platform import seeded_demo
from dualcarbon.api.settings import Settings
from dualcarbon.cli.main import app
from dualcarbon.demo.platform import PASSWORD
from dualcarbon.server import create_app


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, TestClient]:
    settings = seeded_demo(tmp_path_factory.mktemp("validation"))
    return settings, TestClient(create_app(settings))


def _login(client: TestClient, email: str) -> None:
    client.cookies.clear()
    response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


def test_the_regulator_reads_what_the_command_computes(
    demo: tuple[Settings, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, client = demo
    _login(client, "regulator@demo.cn")
    found = client.get("/api/factor-validation")
    assert found.status_code == 200, found.text
    checks = found.json()
    coal = next(c for c in checks if "coal_unmeasured" in c["default"])
    # the demo power plant and its two peers (demo/platform.py PEERS), each with the demo plant's
    # 20 months that have both a carbon and an NCV analysis, of its own coal
    assert (coal["measurements"], coal["enterprises"]) == (60, 3)
    assert len({round(h["mean"], 6) for h in coal["holders"]}) == 3
    assert coal["verdict"] == "default_above" and coal["publishable"]
    assert all(h["code"].startswith("E-") for c in checks for h in c["holders"])
    monkeypatch.setenv("DUALCARBON_LANG", "en")
    # the command keys the enterprise codes with the platform's secret, as the server does
    monkeypatch.setenv("DUALCARBON_SECRET_KEY", settings.secret)
    out = CliRunner().invoke(
        app, ["factors", "validate", "--database", settings.database_url, "--json"]
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["checks"] == checks
    report = client.get("/api/factor-validation/report?lang=zh")
    assert report.status_code == 200 and "缺省排放因子实测验证报告" in report.text
    assert report.text.count("<tr data-ref=") == len(checks)
    overview = client.get("/overview?lang=zh")
    assert 'id="factor-validation"' in overview.text
    page = client.get("/factor-validation?lang=en")
    assert page.status_code == 200 and "Default emission factors checked" in page.text


def test_an_enterprise_may_not_read_across_the_platform(
    demo: tuple[Settings, TestClient],
) -> None:
    _, client = demo
    _login(client, "manager@demo.cn")
    assert client.get("/api/factor-validation").status_code == 403
    assert client.get("/api/factor-validation/report").status_code == 403
    assert 'id="factor-validation"' not in client.get("/overview?lang=zh").text
