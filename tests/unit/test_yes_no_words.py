"""One set of yes/no words for every reader (issue 13, item 9): "对" and "t" were yes in
product workbooks but refused in inventories; "合格" was yes in inventories only."""

from __future__ import annotations

import pytest

from dualcarbon.accounting.inventory import coerce_records
from dualcarbon.i18n import NO_WORDS, YES_WORDS, yes_no
from dualcarbon.methodologies.tables import TABLES


@pytest.mark.parametrize("word", sorted(YES_WORDS | NO_WORDS))
def test_an_inventory_takes_every_word_a_product_workbook_takes(word: str) -> None:
    frame, problems = coerce_records(
        TABLES["fuel"],
        [
            {
                "month": 1,
                "fuel": "coal",
                "consumption": 1.0,
                "carbon_content_qualified": f"  {word.upper()} ",
            }
        ],
        file="plant.yaml",
    )
    assert problems == []
    assert frame["carbon_content_qualified"].to_list() == [word in YES_WORDS]


def test_anything_else_is_refused_by_name() -> None:
    assert yes_no("maybe") is None and yes_no("") is None and yes_no(2) is None
    assert yes_no(True) is True and yes_no(False) is False
    _, problems = coerce_records(
        TABLES["fuel"],
        [{"month": 1, "fuel": "coal", "consumption": 1.0, "carbon_content_qualified": "maybe"}],
        file="plant.yaml",
    )
    (problem,) = problems
    assert (problem.field, problem.rule) == (
        "carbon_content_qualified",
        "must be yes or no (是/否, true/false)",
    )
