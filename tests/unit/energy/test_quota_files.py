"""The quota files hold together: every limit has a confidence, grades run from the most
advanced (1) to the limiting value (3), and a row that does not is explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from dualcarbon.energy.quotas import QuotaDataError, load_quota_file, quota_standards


def all_limits():  # type: ignore[no-untyped-def]
    for standard in quota_standards().values():
        for indicator in standard.indicators:
            if indicator.limits is not None:
                yield standard.id, indicator.id, indicator.limits
            for quota_class in indicator.classes:
                yield standard.id, f"{indicator.id}/{quota_class.id}", quota_class.limits


def test_the_five_standards_of_the_issue_are_shipped() -> None:
    assert set(quota_standards()) >= {
        "gb-16780-2021",
        "gb-21258-2024",
        "gb-21346-2022",
        "gb-21256-2025",
        "gb-30251-2024",
    }


@pytest.mark.parametrize(("standard", "row", "limits"), list(all_limits()))
def test_grades_are_ordered_or_the_exception_is_explained(standard, row, limits) -> None:  # type: ignore[no-untyped-def]
    values = [limits.grades[g] for g in sorted(limits.grades)]
    if values != sorted(values):
        assert "2级" in limits.note_zh and limits.note_en, f"{standard} {row}"


def test_a_file_must_be_named_after_its_id(tmp_path: Path) -> None:
    source = next(iter(quota_standards().values()))
    text = (
        Path(__file__)
        .parents[3]
        .joinpath("src", "dualcarbon", "energy", "data", "quotas", f"{source.id}.yaml")
        .read_text(encoding="utf-8")
    )
    wrong = tmp_path / "renamed.yaml"
    wrong.write_text(text, encoding="utf-8")
    with pytest.raises(QuotaDataError, match="must be named"):
        load_quota_file(wrong)


def test_an_indicator_naming_an_unknown_correction_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gb-1-2020.yaml"
    path.write_text(
        "id: gb-1-2020\nnumber: GB 1-2020\ntitle_zh: 测试\ntitle_en: test\nsectors: [x]\n"
        "confidence: UNVERIFIED\nverified: none\nindicators:\n"
        "  - {id: a, name_zh: 甲, name_en: a, unit: kgce/t, clause: '1', corrections: [nope],"
        " limits: {grades: {3: 1}, confidence: UNVERIFIED}}\n",
        encoding="utf-8",
    )
    with pytest.raises(QuotaDataError, match="unknown corrections"):
        load_quota_file(path)
