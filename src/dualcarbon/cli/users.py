"""``dualcarbon users list|deactivate|activate|role|reset-password|revoke-sessions|audit``:
administer the server's users from its own machine (the command line acts as an admin; each
change is recorded in the user audit trail with the operating-system account that ran it).

The commands join ``users create`` (:mod:`dualcarbon.cli.serve`) in the ``users`` group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import console, errors, print_json
from dualcarbon.cli.serve import ROLES_HELP, users_app
from dualcarbon.i18n import locale_lang, pick

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dualcarbon.api.scope import Principal
    from dualcarbon.store.models import User


Database = Annotated[str | None, typer.Option(help="store URL")]
Who = Annotated[str, typer.Argument(help="the user's id or e-mail")]
Reason = Annotated[str, typer.Option(help="why (kept in the audit trail)")]


@contextmanager
def _store(database: str | None) -> Iterator[Session]:
    from sqlalchemy.orm import Session

    from dualcarbon.api import Settings
    from dualcarbon.store import make_engine, upgrade

    settings = Settings(database_url=database) if database else Settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def _admin() -> Principal:
    from dualcarbon.api.audit import CLI_ACTOR_ID
    from dualcarbon.api.scope import Principal, Role

    return Principal(user_id=CLI_ACTOR_ID, email="command line", role=Role.ADMIN)


def _run(database: str | None, who: str, change: Callable[[Session, Principal, int], User]) -> User:
    """Find the user, apply ``change``; refused input or an unknown user exits with 2."""
    from pydantic import ValidationError

    from dualcarbon.api.users import find_user
    from dualcarbon.errors import DualcarbonError, InputError

    try:
        with _store(database) as session:
            user = find_user(session, who)
            return change(session, _admin(), user.id)
    except InputError as exc:
        for problem in exc.problems:
            errors.print(f"[red]{problem.field}: {problem.rule}[/]", highlight=False)
        raise typer.Exit(2) from None
    except ValidationError as exc:
        for error in exc.errors():
            errors.print(f"[red]{'.'.join(map(str, error['loc']))}: {error['msg']}[/]")
        raise typer.Exit(2) from None
    except (DualcarbonError, LookupError) as exc:
        errors.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(2) from None


def _done(zh: str, en: str) -> None:
    console.print(pick(locale_lang(), zh, en), highlight=False)


@users_app.command("list")
def list_users(
    database: Database = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Every user: id, e-mail, role, organisation, whether active."""
    from dualcarbon.api.services import list_users as every_user
    from dualcarbon.api.services import user_public

    with _store(database) as session:
        found = [user_public(u) for u in every_user(session, _admin())]
    if as_json:
        print_json([u.model_dump(mode="json") for u in found])
        return
    lang = locale_lang()
    table = Table(title=pick(lang, "用户", "Users"))
    for header in (
        "#",
        pick(lang, "邮箱", "e-mail"),
        pick(lang, "角色", "role"),
        pick(lang, "组织", "organisation"),
        pick(lang, "状态", "status"),
    ):
        table.add_column(header, overflow="fold")
    for u in found:
        state = pick(lang, "启用", "active") if u.active else pick(lang, "已停用", "deactivated")
        table.add_row(str(u.id), u.email, u.role.value, str(u.organisation_id or "—"), state)
    console.print(table)


@users_app.command("deactivate")
def deactivate(who: Who, reason: Reason, database: Database = None) -> None:
    """Stop a user logging in; end their sessions and revoke their API keys."""
    from dualcarbon.api.users import deactivate as stop

    user = _run(database, who, lambda s, p, i: stop(s, p, i, reason))
    _done(f"用户 {user.email} 已停用", f"user {user.email} deactivated")


@users_app.command("activate")
def activate(who: Who, reason: Reason, database: Database = None) -> None:
    """Let a deactivated user log in again."""
    from dualcarbon.api.users import activate as start

    user = _run(database, who, lambda s, p, i: start(s, p, i, reason))
    _done(f"用户 {user.email} 已重新启用", f"user {user.email} reactivated")


@users_app.command("role")
def role(
    who: Who,
    new_role: Annotated[str, typer.Argument(metavar="ROLE", help=ROLES_HELP)],
    reason: Reason,
    organisation: Annotated[
        int | None, typer.Option(help="an enterprise user's organisation id")
    ] = None,
    database: Database = None,
) -> None:
    """Give a user another role (their sessions end)."""
    from dualcarbon.api.users import RoleChange, change_role

    def change(session: Session, principal: Principal, user_id: int) -> User:
        body = RoleChange.model_validate(
            {"role": new_role, "organisation_id": organisation, "reason": reason}
        )
        return change_role(
            session, principal, user_id, body.role, body.organisation_id, body.reason
        )

    user = _run(database, who, change)
    _done(f"用户 {user.email} 的角色改为 {user.role}", f"user {user.email} is now {user.role}")


@users_app.command("reset-password")
def reset_password(
    who: Who,
    reason: Reason,
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="at least 12"),
    ] = "",
    revoke_keys: Annotated[
        bool, typer.Option("--revoke-keys", help="also revoke the user's API keys")
    ] = False,
    database: Database = None,
) -> None:
    """Set a new password (hand it over out of band); the user's sessions end."""
    from dualcarbon.api import Settings
    from dualcarbon.api.users import PasswordReset
    from dualcarbon.api.users import reset_password as reset
    from dualcarbon.security import Passwords

    settings = Settings(database_url=database) if database else Settings()
    passwords = Passwords(settings.password_memory_kib, settings.password_time_cost)

    def change(session: Session, principal: Principal, user_id: int) -> User:
        body = PasswordReset.model_validate(
            {"password": password, "reason": reason, "revoke_api_keys": revoke_keys}
        )
        return reset(
            session,
            principal,
            user_id,
            body.password,
            body.reason,
            passwords,
            revoke_api_keys=body.revoke_api_keys,
        )

    user = _run(database, who, change)
    _done(
        f"用户 {user.email} 的密码已重置，会话已结束",
        f"password of {user.email} reset; sessions ended",
    )


@users_app.command("revoke-sessions")
def revoke_sessions(
    who: Who,
    reason: Reason,
    keep_keys: Annotated[
        bool, typer.Option("--keep-keys", help="leave the user's API keys working")
    ] = False,
    database: Database = None,
) -> None:
    """End every session of a user at once (and revoke their API keys unless --keep-keys)."""
    from dualcarbon.api.users import revoke_sessions as revoke

    user = _run(
        database,
        who,
        lambda s, p, i: revoke(s, p, i, reason, revoke_api_keys=not keep_keys),
    )
    _done(f"用户 {user.email} 的会话已全部结束", f"every session of {user.email} ended")


@users_app.command("audit")
def audit(
    who: Annotated[str | None, typer.Argument(help="one user's id or e-mail")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 200,
    database: Database = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The user audit trail, newest first: who changed which account, how, when and why."""
    from dualcarbon.api.users import audit_trail, find_user

    with _store(database) as session:
        user_id = find_user(session, who).id if who else None
        trail = audit_trail(session, _admin(), user_id, limit)
    if as_json:
        print_json([entry.model_dump(mode="json") for entry in trail])
        return
    lang = locale_lang()
    table = Table(title=pick(lang, "用户审计记录", "User audit trail"))
    for header in (
        pick(lang, "时间", "when"),
        pick(lang, "操作人", "who"),
        pick(lang, "操作", "what"),
        pick(lang, "对象", "whom"),
        pick(lang, "原因", "why"),
    ):
        table.add_column(header, overflow="fold")
    for entry in trail:
        table.add_row(
            f"{entry.at:%Y-%m-%d %H:%M:%S}",
            entry.actor,
            entry.action,
            entry.subject_email,
            entry.reason,
        )
    console.print(table)
