"""``dualcarbon serve`` and ``dualcarbon users create``: run the API server, add its users."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from dualcarbon.cli.console import console, errors

users_app = typer.Typer(help="Manage the server's users.", no_args_is_help=True)

MAX_DEFAULT_WORKERS = 4
"""Default worker processes at most, however many cores: each holds its own database pool
(4 × (5 + 10) PostgreSQL connections stay below the default ``max_connections`` of 100)."""
ENV_URL = "DUALCARBON_DATABASE_URL"
ENV_SECRET = "DUALCARBON_SECRET_KEY"

ROLES_HELP = (
    "enterprise, project_developer, verifier, metrology_reviewer, park_manager, regulator or admin"
)


SslCertOption = Annotated[
    Path | None,
    typer.Option(help="PEM certificate (chain) to serve HTTPS with (needs --ssl-keyfile)"),
]
SslKeyOption = Annotated[Path | None, typer.Option(help="PEM private key of --ssl-certfile")]
SelfSignedOption = Annotated[
    Path | None,
    typer.Option(
        help="serve HTTPS with a self-signed certificate kept in this folder (made on first "
        "use; for trials: clients must be given DIR/cert.pem to trust)"
    ),
]
ForwardedOption = Annotated[
    str | None,
    typer.Option(
        help="addresses of TLS proxies whose X-Forwarded-Proto/-For are trusted, comma-separated "
        "IPs or CIDRs ('*' trusts any: only when nothing else can reach the port); default "
        "127.0.0.1, or FORWARDED_ALLOW_IPS"
    ),
]


WorkersOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="server processes sharing the port (default: the number of cores, at most "
        f"{MAX_DEFAULT_WORKERS}; 1 for an in-memory SQLite store). The server keeps no state "
        "between requests, so any worker can answer any request",
    ),
]


@dataclass(frozen=True)
class Listener:
    """uvicorn's TLS and proxy options, and the URL the server is reached at."""

    options: dict[str, Any]
    scheme: str
    certificate: Path | None = None


def listener(
    host: str,
    ssl_certfile: Path | None,
    ssl_keyfile: Path | None,
    self_signed: Path | None,
    forwarded_allow_ips: str | None,
) -> Listener:
    """Check the TLS options (exit 2 on a contradiction) and turn them into uvicorn's."""
    from dualcarbon.api.tls import DEFAULT_NAMES, self_signed_pair

    if self_signed is not None and (ssl_certfile or ssl_keyfile):
        errors.print("[red]--self-signed or --ssl-certfile/--ssl-keyfile, not both[/]")
        raise typer.Exit(2)
    if (ssl_certfile is None) != (ssl_keyfile is None):
        errors.print("[red]give --ssl-certfile and --ssl-keyfile together[/]")
        raise typer.Exit(2)
    if self_signed is not None:
        names = (
            DEFAULT_NAMES if host in ("0.0.0.0", "::", *DEFAULT_NAMES) else (host, *DEFAULT_NAMES)
        )
        ssl_certfile, ssl_keyfile = self_signed_pair(self_signed, names)
    for path in (ssl_certfile, ssl_keyfile):
        if path is not None and not path.is_file():
            errors.print(f"[red]no such file: {path}[/]")
            raise typer.Exit(2)
    # uvicorn honours X-Forwarded-Proto/-For from these addresses only (proxy_headers), so
    # request.base_url — PACT Link headers, event sources — says https behind a TLS proxy
    options: dict[str, Any] = {"proxy_headers": True}
    if forwarded_allow_ips is not None:
        options["forwarded_allow_ips"] = forwarded_allow_ips
    if ssl_certfile is not None:
        options |= {"ssl_certfile": str(ssl_certfile), "ssl_keyfile": str(ssl_keyfile)}
        return Listener(options, "https", ssl_certfile if self_signed is not None else None)
    return Listener(options, "http")


def announce_listener(listening: Listener, url: str) -> None:
    """Say where the server listens and, for a self-signed pair, how clients trust it."""
    from dualcarbon.api.tls import fingerprint

    if listening.certificate is not None:
        # plain text: rich would read ":AB:" of the fingerprint as an emoji code
        for line in (
            f"self-signed certificate {listening.certificate}",
            f"  SHA-256 {fingerprint(listening.certificate)}",
            f"  trust it: curl --cacert {listening.certificate} {url}",
        ):
            console.print(line, markup=False, emoji=False, highlight=False, soft_wrap=True)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    database: Annotated[
        str | None,
        typer.Option(help="store URL (default: DUALCARBON_DATABASE_URL, else the SQLite file)"),
    ] = None,
    ssl_certfile: SslCertOption = None,
    ssl_keyfile: SslKeyOption = None,
    self_signed: SelfSignedOption = None,
    forwarded_allow_ips: ForwardedOption = None,
    workers: WorkersOption = None,
) -> None:
    """Run the HTTP API (docs/api.md), after bringing the store's schema up to date. PACT
    partners need HTTPS: --ssl-certfile/--ssl-keyfile, --self-signed DIR for a trial, or a TLS
    proxy in front (docs/pact.md)."""
    import uvicorn

    from dualcarbon.api import Settings
    from dualcarbon.server import create_app
    from dualcarbon.store import upgrade

    listening = listener(host, ssl_certfile, ssl_keyfile, self_signed, forwarded_allow_ips)
    settings = Settings(database_url=database) if database else Settings()
    upgrade(settings.database_url)
    processes = server_workers(settings.database_url, workers)
    url = f"{listening.scheme}://{host}:{port}"
    console.print(f"dualcarbon API on {url}/docs ({processes} worker(s))")
    announce_listener(listening, url)
    if processes == 1:
        uvicorn.run(
            create_app(settings), host=host, port=port, log_level="info", **listening.options
        )
        return
    share_with_workers(settings)
    uvicorn.run(
        "dualcarbon.server.app:create_app",
        factory=True,
        workers=processes,
        host=host,
        port=port,
        log_level="info",
        **listening.options,
    )


def server_workers(database_url: str, asked: int | None) -> int:
    """The number of worker processes: ``asked``, else one per core (at most
    :data:`MAX_DEFAULT_WORKERS`). An in-memory SQLite store lives in one process: always 1."""
    from sqlalchemy.engine import make_url

    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite" and (
        not parsed.database or parsed.database == ":memory:" or "mode=memory" in database_url
    ):
        return 1
    if asked is not None:
        return asked
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))


def share_with_workers(settings: Any) -> None:
    """Hand the settings to worker processes, which build the app from the environment
    (``create_app()``): the store URL, and the secrets made now, once, rather than raced for
    by every worker (the cookie key in the settings; the evidence key, ledger.key)."""
    from dualcarbon.ledger.keys import load_signer

    os.environ[ENV_URL] = settings.database_url
    os.environ[ENV_SECRET] = settings.secret
    if settings.ledger_key is None:
        load_signer()  # creates the data folder's ledger.key if missing, before the workers read it


@users_app.command("create")
def create_user(
    email: Annotated[str, typer.Option(help="the login e-mail")],
    role: Annotated[str, typer.Option(help=ROLES_HELP)],
    name: Annotated[str | None, typer.Option(help="display name (default: the e-mail)")] = None,
    organisation: Annotated[
        str | None,
        typer.Option(help="an enterprise user's organisation, by name (created if new)"),
    ] = None,
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="at least 12"),
    ] = "",
    database: Annotated[str | None, typer.Option(help="store URL")] = None,
) -> None:
    """Add a user to the server's store (the command line acts as an admin)."""
    from pydantic import ValidationError

    from dualcarbon.api import Settings
    from dualcarbon.api.schemas import UserCreate
    from dualcarbon.api.scope import Principal, Role
    from dualcarbon.api.services import create_user as add_user
    from dualcarbon.errors import DualcarbonError
    from dualcarbon.security import Passwords
    from dualcarbon.store import make_engine, session_scope, upgrade
    from dualcarbon.store.repository import get_or_create_organisation

    settings = Settings(database_url=database) if database else Settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    cli_admin = Principal(user_id=0, email="command line", role=Role.ADMIN)
    try:
        with session_scope(engine) as session:
            organisation_id = None
            if organisation:
                organisation_id = get_or_create_organisation(session, organisation).id
            data = UserCreate(
                email=email,
                name=name or email,
                password=password,
                role=role,
                organisation_id=organisation_id,
            )
            passwords = Passwords(settings.password_memory_kib, settings.password_time_cost)
            user = add_user(session, cli_admin, data, passwords)
            console.print(f"user {user.id} {user.email} ({user.role}) created")
    except ValidationError as exc:
        for error in exc.errors():
            errors.print(f"[red]{'.'.join(map(str, error['loc']))}: {error['msg']}[/]")
        raise typer.Exit(2) from None
    except DualcarbonError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``users`` to the ``dualcarbon`` command."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
