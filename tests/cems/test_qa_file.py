"""The QA campaign file: the demo campaign reads to the same verdicts as the one built in
Python (dualcarbon.cems.qa.demo_qa_record, whose figures tests/cems/test_qa.py checks by hand),
and a broken file names every problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dualcarbon.cems.qa import demo_qa_record
from dualcarbon.cems.qa_file import read_qa_campaign
from dualcarbon.errors import InputError

DEMO = Path(__file__).resolve().parents[2] / "src/dualcarbon/demo/data/cems-qa.yaml"


def test_the_demo_campaign_file_matches_the_demo_record() -> None:
    read, built = read_qa_campaign(DEMO), demo_qa_record()
    assert (read.source, read.analyser, read.period) == (built.source, built.analyser, built.period)
    assert [(v.test, v.label, v.passed) for v in read.verdicts] == [
        (v.test, v.label, v.passed) for v in built.verdicts
    ]
    assert [v.statistic for v in read.verdicts] == pytest.approx(
        [v.statistic for v in built.verdicts], rel=1e-12
    )


def test_every_problem_is_named(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    raw["tests"][0]["cems"] = raw["tests"][0]["cems"][:5]  # 9 reference runs, 5 CEMS runs
    raw["tests"][1]["full_scale"] = 0  # a drift needs a positive full scale
    raw["tests"][3]["criterion"] = "no-such-rule"
    raw["tests"].append({"test": "opacity", "value": 3})
    del raw["period"]
    bad = tmp_path / "qa.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_qa_campaign(bad)
    found = {(p.row, p.field) for p in caught.value.problems}
    assert (None, "period") in found
    assert (2, "full_scale") in found
    assert (9, "tests") in found or any(row == 9 for row, _ in found)  # unknown test kind
    assert all(p.file == str(bad) for p in caught.value.problems)
    rows = {p.row for p in caught.value.problems}
    assert 2 in rows and 9 in rows
