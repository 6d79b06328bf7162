"""``dualcarbon certificates template|import|claim|list``: the green-certificate ledger."""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import console, errors, print_json, refusals_exit, terminal_lang
from dualcarbon.i18n import pick

app = typer.Typer(
    help="Green electricity certificates (绿证) and green-power trades: import, claim once, list.",
    no_args_is_help=True,
)

HolderOption = Annotated[
    str, typer.Option("--holder", help="the organisation holding the certificates / 持有单位")
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(help="store URL (default: DUALCARBON_DATABASE_URL, else the SQLite file)"),
]
ByOption = Annotated[str | None, typer.Option("--by", help="who acts (default: login name)")]
LangOption = Annotated[str | None, typer.Option("--lang", help="zh or en (default: the locale)")]


@app.command()
def template(
    output: Annotated[Path, typer.Option("-o", "--output", help="workbook to write (.xlsx)")],
    example: Annotated[bool, typer.Option("--example", help="with two invented batches")] = False,
) -> None:
    """An import workbook: one row per batch of consecutive certificates."""
    from dualcarbon.io.certificate_files import write_certificate_template

    write_certificate_template(output, example=example)
    errors.print(f"{output}")


@app.command("import")
def import_command(
    certificate_file: Annotated[
        Path, typer.Argument(help="certificates (.csv, .xlsx, .yaml)", exists=True, dir_okay=False)
    ],
    holder: HolderOption,
    database: DatabaseOption = None,
    by: ByOption = None,
    lang: LangOption = None,
) -> None:
    """Record the holder's certificates: each once in the ledger, their plant-months marked as
    certificate electricity (no CCER claim can take them after)."""
    from dualcarbon.io.certificate_files import read_certificates
    from dualcarbon.ledger.certificates import store_import

    language = terminal_lang(lang)
    with refusals_exit(language):
        batches = read_certificates(certificate_file)
        digest = hashlib.sha256(certificate_file.read_bytes()).hexdigest()
        done = store_import(
            holder.strip(),
            batches,
            source=f"{certificate_file.name} sha256:{digest}",
            imported_by=(by or "").strip() or getpass.getuser(),
            url=database,
        )
    console.print(
        pick(
            language,
            f"已登记 {len(done.batches)} 批、{done.certificates:,} 张绿证"
            f"（{done.certificates:,} MWh），证据链序号 {done.sequence}",
            f"recorded {len(done.batches)} batch(es), {done.certificates:,} certificates "
            f"({done.certificates:,} MWh); evidence sequence {done.sequence}",
        ),
        highlight=False,
    )


@app.command()
def claim(
    holder: HolderOption,
    quantity: Annotated[int, typer.Option("--quantity", help="certificates (MWh) to cancel")],
    purpose: Annotated[
        str, typer.Option("--purpose", help="enterprise, product or park / 企业、产品、园区")
    ],
    subject: Annotated[
        str,
        typer.Option(
            "--subject", help="what it covers: the enterprise's year, the product id, the park"
        ),
    ],
    start: Annotated[
        str | None, typer.Option("--from", help="consumption from (default: 1 January)")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="consumption to (default: 31 December)")
    ] = None,
    plant: Annotated[str | None, typer.Option(help="only this plant's certificates")] = None,
    batch: Annotated[list[int] | None, typer.Option(help="only these batch ids")] = None,
    database: DatabaseOption = None,
    by: ByOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    lang: LangOption = None,
) -> None:
    """Declare green-electricity consumption: cancel certificates (those expiring first) for an
    enterprise's electricity, a product's footprint or a park. Each certificate once."""
    from dualcarbon.certificates.model import Purpose
    from dualcarbon.ledger.certificates import store_claim_certificates

    language = terminal_lang(lang)
    try:
        chosen = Purpose(purpose)
    except ValueError:
        raise typer.BadParameter("enterprise, product or park", param_hint="--purpose") from None
    year = dt.date.today().year
    try:
        first = dt.date.fromisoformat(start) if start else dt.date(year, 1, 1)
        last = dt.date.fromisoformat(end) if end else dt.date(year, 12, 31)
    except ValueError:
        raise typer.BadParameter("dates as YYYY-MM-DD", param_hint="--from/--to") from None
    if not subject.strip():
        raise typer.BadParameter("say what the claim covers", param_hint="--subject")
    with refusals_exit(language):
        made = store_claim_certificates(
            holder.strip(),
            quantity,
            purpose=chosen,
            subject=subject.strip(),
            consumption_from=first,
            consumption_to=last,
            claimed_by=(by or "").strip() or getpass.getuser(),
            batch_ids=tuple(batch or ()),
            plant=plant,
            url=database,
        )
    if as_json:
        print_json(
            {
                "reference": made.reference,
                "quantity": made.quantity,
                "mwh": float(made.quantity),
                "taken": [{"batch_id": b, "quantity": n} for b, n in made.taken],
                "sequence": made.sequence,
            }
        )
        return
    console.print(
        pick(
            language,
            f"已核销 {made.quantity:,} 张绿证（{made.quantity:,} MWh），申报编号 {made.reference}，"
            f"证据链序号 {made.sequence}",
            f"cancelled {made.quantity:,} certificates ({made.quantity:,} MWh) as claim "
            f"{made.reference}; evidence sequence {made.sequence}",
        ),
        highlight=False,
    )


@app.command("list")
def list_command(
    holder: HolderOption,
    database: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    lang: LangOption = None,
) -> None:
    """The holder's batches (what remains, until when) and claims."""
    from dualcarbon.ledger.certificates import holdings

    language = terminal_lang(lang)
    with refusals_exit(language):
        held, made = holdings(holder.strip(), url=database)
    if as_json:
        print_json({"batches": held, "claims": made})
        return
    table = Table(title=pick(language, "持有的绿证", "Certificates held"))
    for header in (
        pick(language, "批次", "batch"),
        pick(language, "证书编号", "serials"),
        pick(language, "电站", "plant"),
        pick(language, "生产月份", "produced"),
        pick(language, "有效期至", "valid until"),
        pick(language, "来源", "origin"),
        pick(language, "剩余/数量", "remaining/quantity"),
    ):
        table.add_column(header, overflow="fold")
    for row in held:
        table.add_row(
            str(row["batch_id"]),
            f"{row['serial_from']} – {row['serial_to']}",
            f"{row['plant']} {row['plant_name']}",
            str(row["production"]),
            str(row["valid_until"]),
            f"{row['origin']} {row['contract']}".strip(),
            f"{row['remaining']:,}/{row['quantity']:,}",
        )
    console.print(table)
    if made:
        claims = Table(title=pick(language, "已核销（绿色电力消费声明）", "Claims made"))
        for header in (
            pick(language, "申报编号", "reference"),
            pick(language, "用途", "purpose"),
            pick(language, "对象", "subject"),
            pick(language, "消费期", "consumption"),
            pick(language, "张数", "certificates"),
            pick(language, "批次", "batch"),
        ):
            claims.add_column(header, overflow="fold")
        for row in made:
            claims.add_row(
                row["reference"],
                row["purpose"],
                row["subject"],
                row["consumption"],
                f"{row['quantity']:,}",
                str(row["batch_id"]),
            )
        console.print(claims)


@app.command()
def verify(
    product_file: Annotated[
        Path, typer.Argument(help="product system (.yaml or .xlsx)", exists=True, dir_okay=False)
    ],
    holder: HolderOption,
    database: DatabaseOption = None,
    lang: LangOption = None,
) -> None:
    """Check a footprint's green-certificate electricity against the ledger: each names a claim
    of the holder's certificates for this product and conveys its generation's life-cycle
    factor; prints the market-based and the location-based footprint side by side."""
    from dualcarbon.cli.footprint import read_system
    from dualcarbon.footprint.footprint import compute_footprint
    from dualcarbon.ledger.certificates import store_check_footprint

    language = terminal_lang(lang)
    with refusals_exit(language):
        result = compute_footprint(read_system(product_file))
        checks = store_check_footprint(holder.strip(), result, url=database)
    console.print(
        pick(
            language,
            f"碳足迹：按合同 {result.total:,.4g} kgCO2e；按所在电网（基于位置）"
            f"{result.location_based_total:,.4g} kgCO2e",
            f"footprint: {result.total:,.4g} kgCO2e market-based, "
            f"{result.location_based_total:,.4g} kgCO2e location-based",
        ),
        highlight=False,
    )
    if not checks:
        console.print(pick(language, "未使用绿证电力。", "No green-certificate electricity."))
        return
    failed = False
    for check in checks:
        if check.ok:
            console.print(
                pick(
                    language,
                    f"[green]✓[/] {check.process}: 申报 {check.instrument} 已核销 "
                    f"{check.mwh_claimed:,.0f} MWh（{', '.join(check.technologies)}）",
                    f"[green]✓[/] {check.process}: claim {check.instrument} cancelled "
                    f"{check.mwh_claimed:,.0f} MWh ({', '.join(check.technologies)})",
                ),
                highlight=False,
            )
            continue
        failed = True
        for problem in check.problems_zh if language == "zh" else check.problems_en:
            errors.print(f"[red]✗ {check.process}: {problem}[/]", highlight=False)
    console.print(
        pick(
            language,
            "[dim]注意：未核对申报的 MWh 是否覆盖该产品全年产量所用的电量（账本不知道产量）。[/]",
            "[dim]Note: whether the MWh claimed cover the electricity of the product's whole "
            "output is not checked (the ledger does not know the output).[/]",
        )
    )
    if failed:
        raise typer.Exit(1)
