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
