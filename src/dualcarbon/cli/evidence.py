"""``dualcarbon evidence verify|head``: audit the evidence logs of a store, offline."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import console, errors, print_json
from dualcarbon.i18n import locale_lang, pick

app = typer.Typer(help="Audit the tamper-evident evidence logs.", no_args_is_help=True)

KINDS = {
    "altered": ("被篡改", "altered"),
    "removed": ("被删除", "removed"),
    "reordered": ("顺序被改动", "reordered"),
    "bad_signature": ("签名无效", "bad signature"),
    "head_mismatch": ("与签名树头不符", "does not match its signed head"),
}


@app.command()
def verify(
    database: Annotated[
        str | None, typer.Option(help="store URL (default: DUALCARBON_DATABASE_URL or embedded)")
    ] = None,
    organisation: Annotated[
        int | None, typer.Option("--organisation", "-O", help="audit one organisation's log")
    ] = None,
    public_key: Annotated[
        str | None,
        typer.Option(help="pinned Ed25519 public key (base64); default: this server's key"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Recompute every log from its entries and name any entry altered, removed or reordered."""
    from dualcarbon.ledger.keys import load_signer
    from dualcarbon.ledger.lodging import audit_store
    from dualcarbon.store import make_engine, session_scope

    lang = locale_lang()
    key = public_key or load_signer().public_key
    engine = make_engine(database)
    try:
        with session_scope(engine) as session:
            reports = audit_store(session, key, organisation_id=organisation)
    finally:
        engine.dispose()
    if as_json:
        print_json(
            [
                {
                    "log_id": r.log_id,
                    "entries": r.entries,
                    "heads": r.heads,
                    "root_hash": r.root_hash,
                    "ok": r.ok,
                    "problems": [p.__dict__ for p in r.problems],
                }
                for r in reports
            ]
        )
    else:
        table = Table(title=pick(lang, "存证日志审计", "Evidence log audit"))
        for header in (
            pick(lang, "日志", "log"),
            pick(lang, "条目", "entries"),
            pick(lang, "树头", "heads"),
            pick(lang, "根哈希", "root"),
            pick(lang, "结论", "verdict"),
        ):
            table.add_column(header)
        for r in reports:
            verdict = (
                pick(lang, "[green]完好[/]", "[green]intact[/]")
                if r.ok
                else pick(
                    lang,
                    f"[red]{len(r.problems)} 处问题[/]",
                    f"[red]{len(r.problems)} problem(s)[/]",
                )
            )
            table.add_row(r.log_id, str(r.entries), str(r.heads), r.root_hash[:16], verdict)
        console.print(table)
        for r in reports:
            for p in r.problems:
                zh, en = KINDS[p.kind]
                where = "—" if p.sequence is None else str(p.sequence)
                errors.print(
                    f"  • {r.log_id} #{where}: {pick(lang, zh, en)} — {p.detail}",
                    markup=False,
                    highlight=False,
                )
    if any(not r.ok for r in reports):
        raise typer.Exit(1)
