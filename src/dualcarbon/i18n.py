"""Which language to speak: Chinese by default for reports, the locale for the command line."""

from __future__ import annotations

import os
from typing import Literal

Lang = Literal["zh", "en"]


def locale_lang() -> Lang:
    """The user's language from DUALCARBON_LANG, then LC_ALL / LC_MESSAGES / LANG; else zh.

    A plain ``C``/``POSIX`` locale (CI, containers) reads as English, since such terminals often
    cannot show Chinese.
    """
    explicit = os.environ.get("DUALCARBON_LANG", "").strip().lower()
    if explicit in ("zh", "en"):
        return explicit  # type: ignore[return-value]
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            if value.lower().startswith("zh"):
                return "zh"
            return "en"
    return "zh"


def pick(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


_UNIT_WORDS = {"dimensionless": ("", ""), "1": ("", ""), "%": ("%", "%")}


def unit_label(unit: str, lang: Lang) -> str:
    """A unit as a reader sees it beside a number: a ratio shows no unit (not
    "dimensionless")."""
    words = _UNIT_WORDS.get(unit.strip())
    return unit if words is None else pick(lang, *words)


YES_WORDS = frozenset({"是", "对", "符合", "合格", "yes", "y", "true", "t", "1"})
NO_WORDS = frozenset({"否", "不", "不符合", "不合格", "no", "n", "false", "f", "0"})
"""The words every reader takes for yes and no in a yes/no cell, compared after trimming and
case-folding: one set for inventories, registers and product workbooks alike (decision 0014)."""

YES_NO_RULE = "must be yes or no (是/否, true/false)"


def yes_no(raw: object) -> bool | None:
    """``True``/``False`` for a yes/no word (or a boolean); ``None`` for anything else."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().casefold()
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    return None
