"""``dualcarbon evidence verify|heads export``: audit the evidence logs of a store offline, against
the heads it holds and against heads kept outside it (docs/decisions/0008-evidence-commitments.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import console, errors, print_json, store_or_exit
from dualcarbon.i18n import locale_lang, pick

app = typer.Typer(help="Audit the tamper-evident evidence logs.", no_args_is_help=True)
heads_app = typer.Typer(help="Publish the logs' signed tree heads.", no_args_is_help=True)
app.add_typer(heads_app, name="heads")

KINDS = {
    "altered": ("被篡改", "altered"),
    "removed": ("被删除", "removed"),
    "reordered": ("顺序被改动", "reordered"),
    "bad_signature": ("签名无效", "bad signature"),
    "head_mismatch": ("与签名树头不符", "does not match its signed head"),
    "unsigned": ("无签名树头覆盖", "covered by no signed head"),
    "log_mismatch": (
        "与日志记录的大小或根哈希不符",
        "does not match the log's recorded size or root",
    ),
    "platform_mismatch": ("与平台日志不符", "does not match the platform log"),
    "kept_head": ("与留存的树头不一致", "inconsistent with a kept head"),
    "unlodged": ("未存证", "not in the log"),
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
    head: Annotated[
        list[str] | None,
        typer.Option(
            "--head",
            help="signed tree heads kept outside the store (a file from `evidence heads export`, "
            "or an http(s) URL); the store must extend each of them",
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="DUALCARBON_API_KEY", help="bearer key sent when --head is a URL"),
    ] = None,
) -> None:
    """Recompute every log from its entries and name any entry altered, removed or reordered.

    A log passes only if a signed head covers every entry, its recorded size and root match, and
    (for an organisation's log) the platform log's copies of its entries and heads match it."""
    from dualcarbon.ledger import published
    from dualcarbon.ledger.keys import load_signer
    from dualcarbon.ledger.lodging import audit_store
    from dualcarbon.store import make_engine, session_scope

    lang = locale_lang()
    key = public_key or load_signer().public_key
    kept = []
    try:
        for source in head or []:
            kept.extend(published.read(source, api_key=api_key))
    except published.HeadsError as exc:
        errors.print(
            pick(lang, f"无法读取留存的树头：{exc}", f"cannot read the kept heads: {exc}"),
            markup=False,
            highlight=False,
        )
        raise typer.Exit(2) from None
    engine = make_engine(store_or_exit(database, lang))
    try:
        with session_scope(engine) as session:
            reports = audit_store(session, key, organisation_id=organisation, kept=kept)
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
            table.add_column(header, overflow="fold")
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


@heads_app.command("export")
def export_heads(
    out: Annotated[Path, typer.Option("--out", "-o", help="JSON file to write")],
    database: Annotated[
        str | None, typer.Option(help="store URL (default: DUALCARBON_DATABASE_URL or embedded)")
    ] = None,
) -> None:
    """Write the newest signed tree head of every log, with the public key, to a JSON file that a
    verifier keeps; `evidence verify --head FILE` later checks the store against it."""
    from dualcarbon.ledger import published
    from dualcarbon.ledger.keys import load_signer
    from dualcarbon.store import make_engine, session_scope

    lang = locale_lang()
    engine = make_engine(store_or_exit(database, lang))
    try:
        with session_scope(engine) as session:
            heads = published.latest_heads(session)
    finally:
        engine.dispose()
    text = json.dumps(
        published.document(load_signer().public_key, heads), ensure_ascii=False, indent=2
    )
    partial = out.with_name(out.name + ".partial")
    partial.write_text(text + "\n", encoding="utf-8")
    partial.replace(out)
    console.print(
        pick(
            lang,
            f"已导出 {len(heads)} 个日志的签名树头：{out}",
            f"exported the signed tree heads of {len(heads)} log(s) to {out}",
        ),
        markup=False,
        highlight=False,
    )
