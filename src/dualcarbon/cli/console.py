"""Shared terminal helpers: one console, error display, JSON output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from dualcarbon.accounting.findings import Acceptance, FindingsError, Severity
from dualcarbon.errors import DualcarbonError, InputError, RefusedError
from dualcarbon.i18n import Lang, locale_lang, pick

console = Console()
errors = Console(stderr=True)


def progress_bar(label: str, *, disable: bool = False) -> Progress:
    """A progress bar on stderr (label, bar, done of total, time), gone when the work is."""
    return Progress(
        label,
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=disable,
    )


def terminal_lang(option: str | None) -> Lang:
    """The language of what the terminal shows: ``--lang``, else the locale."""
    return _checked(option) or locale_lang()


def file_lang(option: str | None) -> Lang:
    """The language of a report, template or export written to a file: ``--lang``, else Chinese
    whatever the locale (the file goes to a verifier or a regulator; the README promises it)."""
    return _checked(option) or "zh"


def _checked(option: str | None) -> Lang | None:
    if option is None:
        return None
    if option not in ("zh", "en"):
        raise typer.BadParameter("use zh or en / 请用 zh 或 en", param_hint="--lang")
    return "zh" if option == "zh" else "en"


def print_json(data: Any) -> None:
    """Plain JSON on stdout (no colour codes), UTF-8, for machines."""
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def show_input_error(error: InputError, lang: Lang) -> None:
    errors.print(
        pick(
            lang,
            f"[bold red]输入有 {len(error.problems)} 处问题，未计算、未保存任何内容：[/]",
            f"[bold red]{len(error.problems)} problem(s) in the input; nothing was computed or "
            "stored:[/]",
        )
    )
    for problem in error.problems:
        errors.print(f"  • {problem.message(lang)}", markup=False, highlight=False, soft_wrap=True)


def show_findings_error(error: FindingsError, lang: Lang) -> None:
    """The findings that stop a run: errors to correct, warnings to correct or acknowledge."""
    errors_found = sum(1 for f in error.open if f.severity is Severity.ERROR)
    warnings_open = len(error.open) - errors_found
    errors.print(
        pick(
            lang,
            f"[bold red]数据合理性检查：{errors_found} 处错误须更正，{warnings_open} 处警告须更正或"
            "确认（--accept 代码:行 --accept-reason 理由）；未计算、未保存任何内容：[/]",
            f"[bold red]Plausibility checks: {errors_found} error(s) to correct, {warnings_open} "
            "warning(s) to correct or acknowledge (--accept CODE:KEY --accept-reason WHY); nothing "
            "was computed or stored:[/]",
        )
    )
    for message in error.messages(lang):
        errors.print(f"  • {message}", markup=False, highlight=False, soft_wrap=True)


@contextmanager
def refusals_exit(lang: Lang) -> Iterator[None]:
    """Exit with status 1 on a refusal (bad input, findings to correct or acknowledge, a claim
    refused, any other dualcarbon error), having said why in ``lang``; nothing was written."""
    try:
        yield
    except InputError as exc:
        show_input_error(exc, lang)
        raise typer.Exit(1) from None
    except FindingsError as exc:
        show_findings_error(exc, lang)
        raise typer.Exit(1) from None
    except RefusedError as exc:
        message = pick(lang, exc.message_zh, exc.message_en)
        errors.print(message, style="red", markup=False, highlight=False)
        raise typer.Exit(1) from None
    except DualcarbonError as exc:
        errors.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(1) from None


def given_acceptances(
    specs: list[str], reason: str | None, by: str | None, lang: Lang
) -> list[Acceptance]:
    """The warnings acknowledged on the command line (``--accept``), with the reason and who."""
    if not specs:
        return []
    if not (reason and reason.strip()):
        raise typer.BadParameter(
            pick(lang, "确认警告须说明理由（--accept-reason）", "say why the figures are right"),
            param_hint="--accept-reason",
        )
    import getpass

    who = (by or "").strip() or getpass.getuser()
    try:
        return [Acceptance.parse(spec, by=who, reason=reason.strip()) for spec in specs]
    except DualcarbonError as exc:
        raise typer.BadParameter(str(exc), param_hint="--accept") from None


def store_or_exit(database: str | None, lang: Lang) -> str:
    """The store's URL, once it is known to hold this version's evidence tables.

    A command that only reads (an audit, a factor check) never migrates the store, so an empty
    store (a wrong URL, or nothing stored yet) or one at an older migration is named and refused
    (exit 1) rather than failing inside a query."""
    from pathlib import Path

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from dualcarbon.store.database import current_revision, database_url, head_revision

    url = database or database_url()
    try:
        parsed = make_url(str(url))
    except ArgumentError:
        errors.print(
            pick(
                lang,
                f"{url} 不是存储库 URL（如 sqlite:///out/platform.sqlite）",
                f"{url} is not a store URL (such as sqlite:///out/platform.sqlite)",
            ),
            markup=False,
            highlight=False,
        )
        raise typer.Exit(1) from None
    name = str(parsed.database or "")
    missing = (
        parsed.get_backend_name() == "sqlite"
        and name not in ("", ":memory:")
        and not name.startswith("file:")  # a URI (…?uri=true) opens as SQLite says
        and not Path(name).exists()
    )
    # opening a SQLite file that is not there would create it, empty
    revision = None if missing else current_revision(url)
    if revision is None:
        message = pick(
            lang,
            "存储库为空，尚无任何数据（请检查 --database 或 DUALCARBON_DATABASE_URL）",
            "the store is empty: nothing has been stored (check --database or "
            "DUALCARBON_DATABASE_URL)",
        )
    elif revision != head_revision():
        message = pick(
            lang,
            f"存储库的数据库版本为 {revision}，本程序需要 {head_revision()}："
            "请先运行 dualcarbon serve 升级存储库",
            f"the store is at migration {revision}, this dualcarbon reads {head_revision()}: "
            "run dualcarbon serve once to upgrade it",
        )
    else:
        return str(url)
    errors.print(message, markup=False, highlight=False)
    raise typer.Exit(1)
