"""HTTPS for ``dualcarbon serve`` and ``demo --serve`` (the conformance suite calls over HTTPS
only), and the scheme of our absolute URLs behind a TLS-terminating proxy (conformance TC5
follows the ``Link`` header; it said http:// behind a proxy before)."""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
import uvicorn
from cryptography import x509
from typer.testing import CliRunner

from dualcarbon.api import Settings
from dualcarbon.api.tls import fingerprint, self_signed_pair
from dualcarbon.cli import serve as serve_cli
from dualcarbon.cli.main import app as cli
from dualcarbon.io.product_yaml import dump_product_system
from dualcarbon.pact import repository
from dualcarbon.server import create_app
from dualcarbon.store import session_scope, upgrade
from dualcarbon.store.models import Organisation

from .conftest import make_publication, pv_system
from .servers import served

runner = CliRunner()
PASSWORDS_KIB = 64


def test_self_signed_pair_is_made_once_and_names_the_host(tmp_path: Path) -> None:
    cert, key = self_signed_pair(tmp_path / "tls", ("carbon.test", "127.0.0.1"))
    assert key.stat().st_mode & 0o077 == 0  # the key is the owner's only
    first = fingerprint(cert)
    again, _ = self_signed_pair(tmp_path / "tls")
    assert fingerprint(again) == first  # kept: clients that trust it keep trusting it
    names = (
        x509.load_pem_x509_certificate(cert.read_bytes())
        .extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value
    )
    assert names.get_values_for_type(x509.DNSName) == ["carbon.test"]
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


@pytest.mark.parametrize(
    "args",
    [
        ["--ssl-certfile", "c.pem"],  # without the key
        ["--self-signed", "tls", "--ssl-certfile", "c.pem", "--ssl-keyfile", "k.pem"],
        ["--ssl-certfile", "missing.pem", "--ssl-keyfile", "missing.key"],
    ],
)
def test_contradictory_tls_options_exit_2(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("must not serve"))
    result = runner.invoke(cli, ["serve", "--database", f"sqlite:///{tmp_path}/s.db", *args])
    assert result.exit_code == 2, result.output


def test_serve_self_signed_runs_uvicorn_with_tls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    result = runner.invoke(
        cli,
        [
            "serve",
            "--database",
            f"sqlite:///{tmp_path}/s.db",
            "--self-signed",
            str(tmp_path / "tls"),
            "--forwarded-allow-ips",
            "10.0.0.5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert seen["ssl_certfile"] == str(tmp_path / "tls" / "cert.pem")
    assert seen["ssl_keyfile"] == str(tmp_path / "tls" / "key.pem")
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == "10.0.0.5"
    assert "https://127.0.0.1:8000" in "".join(result.output.split())


def test_demo_serve_advertises_https(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo printed an http:// PACT endpoint; with a certificate it says https://."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))
    result = runner.invoke(
        cli,
        ["demo", "-o", str(tmp_path / "out"), "--serve", "--self-signed", str(tmp_path / "tls")],
    )
    assert result.exit_code == 0, result.output
    flat = "".join(result.output.split())
    assert "https://127.0.0.1:8000/3/footprints" in flat
    assert "http://127.0.0.1" not in flat
    assert seen["ssl_certfile"].endswith("cert.pem")


# -- absolute URLs behind a proxy ----------------------------------------------------------------


@pytest.fixture(scope="module")
def pact_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, str, str]]:
    """A store with three footprints and a client; the settings, client id and secret."""
    folder = tmp_path_factory.mktemp("tls")
    url = f"sqlite:///{folder}/pact.sqlite"
    upgrade(url)
    settings = Settings(
        database_url=url,
        secret_key="tls-test-secret",  # type: ignore[arg-type]
        cookie_secure=False,
        password_memory_kib=PASSWORDS_KIB,
        password_time_cost=1,
    )
    app = create_app(settings)
    engine = app.state.engine
    with session_scope(engine) as session:
        organisation = Organisation(name="示例光伏科技有限公司")
        session.add(organisation)
        session.flush()
        for n in range(3):
            system = pv_system(id=f"pv-{n}")
            repository.publish(
                session, organisation.id, system, dump_product_system(system), make_publication()
            )
        made = repository.create_client(
            session, app.state.passwords, organisation.id, "partner", None
        )
    engine.dispose()
    yield settings, made.client_id, made.client_secret


def _link(base: str, client_id: str, secret: str, headers: dict[str, str]) -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    with httpx.Client(base_url=base, timeout=20) as http:
        token = http.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}", **headers},
        ).json()["access_token"]
        page = http.get(
            "/3/footprints?limit=1", headers={"Authorization": f"Bearer {token}", **headers}
        )
    assert page.status_code == 200, page.text
    return page.headers["link"]


@pytest.mark.parametrize(
    ("trusted", "scheme"),
    [("127.0.0.1", "https"), ("10.9.9.9", "http")],
    ids=["proxy trusted", "proxy not trusted"],
)
def test_link_scheme_follows_a_trusted_proxy(
    pact_app: tuple[Settings, str, str], trusted: str, scheme: str
) -> None:
    """A TLS proxy on the same host sends X-Forwarded-Proto: https; ``serve``'s uvicorn options
    honour it from the trusted addresses only, so the Link says https (TC5)."""
    settings, client_id, secret = pact_app
    options = serve_cli.listener("127.0.0.1", None, None, None, trusted).options
    with served(create_app(settings), **options) as base:
        link = _link(base, client_id, secret, {"X-Forwarded-Proto": "https"})
    port = base.rsplit(":", 1)[1]
    assert link.startswith(f"<{scheme}://127.0.0.1:{port}/3/footprints?"), link


def test_public_url_setting_names_our_address(pact_app: tuple[Settings, str, str]) -> None:
    """Behind a proxy that rewrites Host or sends no X-Forwarded-Proto, the configured public
    URL is used for Link headers."""
    settings, client_id, secret = pact_app
    public = settings.model_copy(update={"public_url": "https://carbon.example.cn"})
    with served(create_app(public)) as base:
        link = _link(base, client_id, secret, {})
    assert link.startswith("<https://carbon.example.cn/3/footprints?limit=1&offset=1>"), link


def test_self_signed_pair_serves_https(tmp_path: Path) -> None:
    """The pair ``--self-signed`` makes is usable by uvicorn and trusted by a client given the
    certificate (and by nothing else)."""
    cert, key = self_signed_pair(tmp_path)
    options = serve_cli.listener("127.0.0.1", cert, key, None, None).options

    async def hello(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with served(hello, **options) as base:
        assert base.startswith("https://")
        trusted = httpx.get(base, verify=ssl.create_default_context(cafile=str(cert)))
        assert trusted.status_code == 204
        with pytest.raises(httpx.ConnectError):
            httpx.get(base)  # the system CAs do not know it


def test_listener_refuses_half_options(tmp_path: Path) -> None:
    with pytest.raises(typer.Exit):
        serve_cli.listener("127.0.0.1", tmp_path / "c.pem", None, None, None)
