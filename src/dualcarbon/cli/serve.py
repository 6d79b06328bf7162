"""``dualcarbon serve`` and ``dualcarbon users create``: run the API server, add its users."""

from __future__ import annotations

from typing import Annotated

import typer

from dualcarbon.cli.console import console, errors

users_app = typer.Typer(help="Manage the server's users.", no_args_is_help=True)

ROLES_HELP = "enterprise, verifier, metrology_reviewer, regulator or admin"


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    database: Annotated[
        str | None,
        typer.Option(help="store URL (default: DUALCARBON_DATABASE_URL, else the SQLite file)"),
    ] = None,
) -> None:
    """Run the HTTP API (docs/api.md), after bringing the store's schema up to date."""
    import uvicorn

    from dualcarbon.api import Settings, create_app
    from dualcarbon.store import upgrade

    settings = Settings(database_url=database) if database else Settings()
    upgrade(settings.database_url)
    console.print(f"dualcarbon API on http://{host}:{port}/docs")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


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
    from dualcarbon.api.security import Passwords
    from dualcarbon.api.services import create_user as add_user
    from dualcarbon.errors import DualcarbonError
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
