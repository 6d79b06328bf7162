"""``dualcarbon instruments import|list|show|review|export``: the register of measuring
instruments, their calibration state, and the GB 17167 configuration review."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from dualcarbon.cli.console import console, errors, print_json, show_input_error
from dualcarbon.errors import DualcarbonError, InputError
from dualcarbon.i18n import Lang, locale_lang, pick

if TYPE_CHECKING:  # the metrology models load pint and pydantic: not for --help
    from dualcarbon.metrology.calibration import InstrumentStatus
    from dualcarbon.metrology.instruments import Instrument
    from dualcarbon.metrology.register import Register

app = typer.Typer(
    help="Register of measuring instruments: import, calibration status, GB 17167 review, export.",
    no_args_is_help=True,
)

STATE_STYLE = {
    "valid": "green",
    "due": "yellow",
    "overdue": "bold red",
    "failed": "bold red",
    "never_calibrated": "magenta",
}
"""The colour of each calibration state (``InstrumentState`` values)."""

AtOption = Annotated[
    str | None, typer.Option("--at", help="date YYYY-MM-DD (default: today)", show_default=False)
]
OrganisationOption = Annotated[
    str | None,
    typer.Option("--organisation", "-O", help="whose register (default: the only one stored)"),
]
WindowOption = Annotated[
    int | None,
    typer.Option(
        "--due-window",
        min=0,
        help="days before the due date an instrument is 'due' (default: 30, "
        "metrology.calibration.DEFAULT_DUE_WINDOW_DAYS)",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON")]


def _window(days: int | None) -> dict[str, int]:
    """The due window as asked for, or nothing: the register's own default applies."""
    return {} if days is None else {"due_window_days": days}


def _date(text: str | None, lang: Lang) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            pick(
                lang, f"日期应写作 YYYY-MM-DD，而不是 {text!r}", f"write YYYY-MM-DD, not {text!r}"
            ),
            param_hint="--at",
        ) from None


def _stored(organisation: str | None, lang: Lang) -> Register:
    from dualcarbon.store.register_archive import RegisterNotFoundError, stored_register

    try:
        return stored_register(organisation)
    except RegisterNotFoundError as exc:
        if exc.organisation is None and exc.available:
            errors.print(
                pick(
                    lang,
                    "[red]已保存多个单位的台账，请用 --organisation 指定："
                    f"{'、'.join(exc.available)}[/]",
                    f"[red]registers of several organisations are stored; choose one with "
                    f"--organisation: {', '.join(exc.available)}[/]",
                )
            )
            raise typer.Exit(2) from None
        errors.print(
            pick(
                lang,
                "[red]没有已保存的计量器具台账"
                + (f"（单位：{exc.organisation}）" if exc.organisation else "")
                + "；请先运行 dualcarbon instruments import[/]",
                f"[red]{exc}; run dualcarbon instruments import first[/]",
            )
        )
        raise typer.Exit(1) from None


def _read(path: Path, lang: Lang) -> Register:
    from dualcarbon.io.register_files import read_register

    try:
        return read_register(path)
    except InputError as exc:
        show_input_error(exc, lang)
        raise typer.Exit(1) from None


def _status_json(instrument: Instrument, status: InstrumentStatus, lang: Lang) -> dict[str, Any]:
    return {
        "id": instrument.id,
        "name": instrument.name,
        "quantity": instrument.quantity,
        "energy": instrument.energy,
        "unit": instrument.unit or None,
        "level": instrument.level.value,
        "kind": instrument.kind.value,
        "accuracy": str(instrument.accuracy),
        "interval_months": instrument.interval_months,
        "at": status.at.isoformat(),
        "state": status.state.value,
        "last_calibrated": None if status.last_calibrated is None else str(status.last_calibrated),
        "certificate": status.certificate or None,
        "due_date": None if status.due_date is None else str(status.due_date),
        "days_to_due": status.days_to_due,
        "explanation": status.explain(lang),
    }


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(help="register .xlsx, .yaml, or a folder of CSV files", exists=True),
    ],
    organisation: OrganisationOption = None,
) -> None:
    """Read a register file and store it (all or nothing)."""
    from dualcarbon.store.register_archive import RegisterNotFoundError, import_register

    lang = locale_lang()
    register = _read(file, lang)
    try:
        name, sync = import_register(register, organisation)
    except RegisterNotFoundError:
        errors.print(
            pick(
                lang,
                "[red]文件未注明单位名称；请用 --organisation 指定[/]",
                "[red]the file names no organisation; give one with --organisation[/]",
            )
        )
        raise typer.Exit(2) from None
    except DualcarbonError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    console.print(
        pick(
            lang,
            f"已保存 {name} 的计量器具台账：计量器具 {len(register.instruments)} 台"
            f"（新增 {sync.instruments_added}，更新 {sync.instruments_updated}，"
            f"未变 {sync.instruments_unchanged}）；检定/校准记录新增 {sync.calibrations_added} 条，"
            f"已有 {sync.calibrations_unchanged} 条",
            f"stored the register of {name}: {len(register.instruments)} instrument(s) "
            f"({sync.instruments_added} new, {sync.instruments_updated} updated, "
            f"{sync.instruments_unchanged} unchanged); {sync.calibrations_added} new calibration "
            f"record(s), {sync.calibrations_unchanged} already stored",
        )
    )


@app.command("list")
def list_(
    at: AtOption = None,
    as_json: JsonOption = False,
    organisation: OrganisationOption = None,
    due_window: WindowOption = None,
) -> None:
    """Every stored instrument with its calibration state at a date."""
    lang = locale_lang()
    when = _date(at, lang)
    register = _stored(organisation, lang)
    statuses = register.statuses(when, **_window(due_window))
    if as_json:
        print_json(
            [
                _status_json(instrument, status, lang)
                for instrument, status in zip(register.instruments, statuses, strict=True)
            ]
        )
        return
    table = Table(
        title=pick(
            lang,
            f"{register.organisation} 计量器具 {len(statuses)} 台 · {when} 的检定状态",
            f"{register.organisation}: {len(statuses)} instrument(s), calibration state on {when}",
        )
    )
    table.add_column(pick(lang, "编号", "id"), no_wrap=True)
    table.add_column(pick(lang, "名称", "name"), overflow="fold")
    table.add_column(pick(lang, "计量点", "metering point"), overflow="fold")
    table.add_column(pick(lang, "准确度", "accuracy"), no_wrap=True)
    table.add_column(pick(lang, "上次检定", "last calibrated"), no_wrap=True)
    table.add_column(pick(lang, "应于此日前检定", "due by"), no_wrap=True)
    table.add_column(pick(lang, "状态", "state"), no_wrap=True)
    for instrument, status in zip(register.instruments, statuses, strict=True):
        style = STATE_STYLE[status.state.value]
        table.add_row(
            instrument.id,
            instrument.name,
            instrument.describe_point(lang, short=True),
            str(instrument.accuracy),
            str(status.last_calibrated or "—"),
            str(status.due_date or "—"),
            f"[{style}]{status.state.label(lang)}[/]",
        )
    console.print(table)
    from dualcarbon.metrology.calibration import InstrumentState

    counts = {state: sum(1 for s in statuses if s.state is state) for state in InstrumentState}
    console.print(
        ", ".join(
            f"[{STATE_STYLE[state.value]}]{state.label(lang)} {count}[/]"
            for state, count in counts.items()
            if count
        )
    )


@app.command()
def show(
    instrument_id: Annotated[str, typer.Argument(help="the instrument's id, e.g. BS-101")],
    at: AtOption = None,
    as_json: JsonOption = False,
    organisation: OrganisationOption = None,
    due_window: WindowOption = None,
) -> None:
    """One instrument: its metering point, accuracy, calibration history and state."""
    from dualcarbon.metrology.instruments import standard_uncertainty_from_accuracy

    lang = locale_lang()
    when = _date(at, lang)
    register = _stored(organisation, lang)
    instrument = register.instrument(instrument_id)
    if instrument is None:
        errors.print(
            pick(
                lang,
                f"[red]台账中没有计量器具 {instrument_id}[/]",
                f"[red]no instrument {instrument_id} in the register[/]",
            )
        )
        raise typer.Exit(2)
    status = register.status_at(instrument_id, when, **_window(due_window))
    records = register.records_for(instrument_id)
    u = standard_uncertainty_from_accuracy(instrument.accuracy)
    if as_json:
        data = _status_json(instrument, status, lang)
        data |= {
            "serial": instrument.serial or None,
            "owner": instrument.owner or None,
            "range": [instrument.range_min, instrument.range_max, instrument.range_unit],
            "application": instrument.application,
            "standard_uncertainty": {
                "value": u.value,
                "unit": u.unit,
                "distribution": u.distribution,
                "half_width": u.half_width,
            },
            "calibrations": [r.model_dump(mode="json", exclude={"instrument_id"}) for r in records],
        }
        print_json(data)
        return
    table = Table(show_header=False, title=f"{instrument.id} {instrument.name}".strip())
    table.add_column(style="bold", overflow="fold")
    table.add_column(overflow="fold")
    span = (
        f"{instrument.range_min:g}–{instrument.range_max:g} {instrument.range_unit or ''}"
        if instrument.range_min is not None and instrument.range_max is not None
        else "—"
    )
    u_text = f"{u.value:.4g} {u.unit} ({u.distribution}, a = {u.half_width:g})"
    for key, value in (
        (pick(lang, "测量参数", "quantity"), instrument.quantity),
        (pick(lang, "计量点", "metering point"), instrument.describe_point(lang)),
        (pick(lang, "类型", "type"), instrument.kind.label(lang)),
        (pick(lang, "准确度", "accuracy"), instrument.accuracy.describe(lang)),
        (pick(lang, "标准不确定度", "standard uncertainty"), u_text),
        (pick(lang, "测量范围", "range"), span),
        (pick(lang, "出厂编号", "serial"), instrument.serial or "—"),
        (pick(lang, "责任人", "owner"), instrument.owner or "—"),
        (
            pick(lang, "检定周期", "interval"),
            f"{instrument.interval_months} " + pick(lang, "个月", "months"),
        ),
        (pick(lang, "准确度要求", "requirement"), instrument.application or "—"),
        (
            pick(lang, f"{when} 的状态", f"state on {when}"),
            f"[{STATE_STYLE[status.state.value]}]{status.explain(lang)}[/]",
        ),
    ):
        table.add_row(key, value)
    console.print(table)
    history = Table(title=pick(lang, "检定/校准记录", "calibration records"))
    for header in (
        pick(lang, "日期", "date"),
        pick(lang, "机构", "institute"),
        pick(lang, "证书编号", "certificate"),
        pick(lang, "结论", "result"),
        pick(lang, "溯源标准", "traceable to"),
        pick(lang, "有效期至", "next due"),
        "U (k)",
    ):
        history.add_column(header, overflow="fold")
    from dualcarbon.metrology.calibration import next_due

    for record in records:
        uncertainty = (
            f"{record.expanded_uncertainty:g} {record.uncertainty_unit} "
            f"(k={record.coverage_factor:g})"
            if record.expanded_uncertainty is not None and record.coverage_factor is not None
            else "—"
        )
        history.add_row(
            str(record.date),
            record.institute or "—",
            record.certificate or "—",
            record.result.label(lang),
            record.traceable_to or "—",
            str(next_due(instrument, record)),
            uncertainty,
        )
    console.print(history)


@app.command()
def review(
    file: Annotated[
        Path,
        typer.Argument(help="register .xlsx, .yaml, or a folder of CSV files", exists=True),
    ],
    at: AtOption = None,
    as_json: JsonOption = False,
    html: Annotated[Path | None, typer.Option(help="write the HTML report here")] = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="zh or en (terminal: the locale; HTML: zh by default)"),
    ] = None,
    due_window: WindowOption = None,
) -> None:
    """Review a register file against GB 17167-2006 at a date."""
    from dualcarbon.metrology.review import review as run_review

    if lang not in (None, "zh", "en"):
        raise typer.BadParameter("use zh or en", param_hint="--lang")
    terminal: Lang = lang if lang in ("zh", "en") else locale_lang()  # type: ignore[assignment]
    when = _date(at, terminal)
    register = _read(file, terminal)
    report = (
        run_review(register, at=when)
        if due_window is None
        else run_review(register, at=when, due_window_days=due_window)
    )
    if as_json:
        print_json(report.to_json_dict(terminal))
    else:
        _print_review(report, terminal)
    if html is not None:
        from dualcarbon.metrology.report import write_review_html

        page_lang = "en" if lang == "en" else "zh"
        write_review_html(report, html, page_lang)
        errors.print(pick(terminal, f"报告已写入 {html}", f"report written to {html}"))


def _print_review(report: Any, lang: Lang) -> None:
    from dualcarbon.metrology.review import ReviewReport

    assert isinstance(report, ReviewReport)
    source = report.requirements.source
    console.print(
        pick(
            lang,
            f"[bold]{report.organisation or ''} 能源计量器具审查[/]"
            f"（{source.number}，{report.at}）",
            f"[bold]{report.organisation or ''} review of energy measuring instruments[/] "
            f"({source.number}, {report.at})",
        )
    )
    if report.coverage:
        table = Table(title=pick(lang, "配备率", "coverage"))
        for header in (
            pick(lang, "能源", "energy"),
            pick(lang, "层级", "level"),
            pick(lang, "已配/应配", "configured/required"),
            pick(lang, "配备率", "rate"),
            pick(lang, "要求", "required"),
        ):
            table.add_column(header, overflow="fold")
        from dualcarbon.metrology.instruments import energy_label

        for line in report.coverage:
            ok = line.conforms
            style = "green" if ok else ("red" if ok is False else "dim")
            table.add_row(
                energy_label(line.energy, lang),
                line.level.label(lang),
                f"{line.configured_points}/{line.required_points}",
                f"[{style}]{line.rate:.1f}%[/]",
                "—" if line.required_rate is None else f"{line.required_rate:g}%",
            )
        console.print(table)
    nonconformities = report.nonconformities
    if nonconformities:
        console.print(
            pick(
                lang,
                f"[bold red]不符合项 {len(nonconformities)} 项：[/]",
                f"[bold red]{len(nonconformities)} non-conformit(y/ies):[/]",
            )
        )
        for finding in nonconformities:
            console.print(f"  [red]•[/] {finding.message(lang)}", highlight=False)
    else:
        console.print(pick(lang, "[green]未发现不符合项[/]", "[green]no non-conformity found[/]"))
    for finding in report.notes:
        console.print(f"  [dim]· {finding.message(lang)}[/]", highlight=False)


def _written(register: Register, output: Path) -> Path:
    """The register written to ``output`` (its suffix says the format); a bad name exits 2."""
    from dualcarbon.io.register_files import write_register

    try:
        return write_register(register, output)
    except ValueError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None


@app.command()
def template(
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help=".xlsx, .yaml, or a folder name for CSV files"),
    ],
    example: Annotated[
        bool,
        typer.Option("--example", help="fill in the demo plant's instruments and records"),
    ] = False,
) -> None:
    """Write a register file to fill in: its sheets and columns (with the README sheet), and with
    --example the demo plant's instruments and calibration records as rows to copy."""
    from dualcarbon.demo import demo_register_path
    from dualcarbon.io.register_files import read_register
    from dualcarbon.metrology.register import Register

    lang = locale_lang()
    register = read_register(demo_register_path()) if example else Register(organisation="")
    written = _written(register, output)
    console.print(
        pick(
            lang,
            f"已写出计量器具台账模板 {written}（计量器具 {len(register.instruments)} 台）",
            f"wrote the register template {written} ({len(register.instruments)} instrument(s))",
        )
    )


@app.command()
def export(
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help=".xlsx, .yaml, or a folder name for CSV files"),
    ],
    organisation: OrganisationOption = None,
) -> None:
    """Write the stored register to a file."""
    lang = locale_lang()
    register = _stored(organisation, lang)
    written = _written(register, output)
    console.print(
        pick(
            lang,
            f"已导出 {register.organisation} 的台账（计量器具 {len(register.instruments)} 台，"
            f"检定记录 {len(register.calibrations)} 条）到 {written}",
            f"exported the register of {register.organisation} ({len(register.instruments)} "
            f"instrument(s), {len(register.calibrations)} calibration record(s)) to {written}",
        )
    )
