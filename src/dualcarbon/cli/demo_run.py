"""``dualcarbon demo``: account the bundled demo plant and say where the outputs went."""

from __future__ import annotations

import json
from pathlib import Path

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.uncertainty import account_uncertainty
from dualcarbon.cli.console import console
from dualcarbon.cli.summary import print_summary, print_uncertainty
from dualcarbon.demo import demo_inventory_path, demo_register_path
from dualcarbon.errors import AlreadyStoredError
from dualcarbon.i18n import Lang, pick
from dualcarbon.io import read_inventory
from dualcarbon.io.register_files import read_register
from dualcarbon.ledger.archive import store_result
from dualcarbon.reports.html import write_html


def run_demo(output: Path, lang: Lang) -> None:
    """Account the demo plant, store the result, write HTML + JSON, and say where they went."""
    output.mkdir(parents=True, exist_ok=True)
    inventory = read_inventory(demo_inventory_path())
    result = account(inventory, register=read_register(demo_register_path()))
    spread = account_uncertainty(result, "gum")
    print_summary(result, lang)
    print_uncertainty(spread, lang)
    database = output / "dualcarbon.sqlite"
    try:
        stored = (
            pick(lang, "结果编号", "result id")
            + " "
            + str(store_result(inventory, result, url=f"sqlite:///{database.resolve()}"))
        )
    except AlreadyStoredError as exc:  # a second `make run`: the demo is in the store already
        stored = pick(lang, "清单编号", "inventory") + f" {exc.inventory_id}"
    report_zh = write_html(result, output / "demo-report.html", lang="zh", uncertainty=spread)
    report_en = write_html(result, output / "demo-report.en.html", lang="en", uncertainty=spread)
    result_json = output / "demo-result.json"
    document = {**result.to_json_dict(lang=lang), "uncertainty": spread.to_json()}
    result_json.write_text(
        json.dumps(document, ensure_ascii=False, indent=2, default=str),
        encoding="utf-8",
    )
    console.print()
    console.print(pick(lang, "[bold]输出：[/]", "[bold]Written:[/]"))
    console.print(f"  {pick(lang, 'HTML 报告', 'HTML report')}: {report_zh.resolve()}")
    console.print(f"  {pick(lang, '英文报告', 'English report')}: {report_en.resolve()}")
    console.print(f"  JSON: {result_json.resolve()}")
    console.print(f"  {pick(lang, '数据库', 'store')}: {database.resolve()} ({stored})")
